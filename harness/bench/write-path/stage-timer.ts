/**
 * Preloaded into each store node by the write-path profile (`--import`), never by the
 * store itself: it wraps the stages of a PUT (the coordinator's write, the local durable
 * write and its LMDB transaction, the replication to each peer, a peer's merges) to time
 * them, counts GC and event-loop use, takes a V8 CPU profile from SIGUSR2 on (unless
 * `QUORUMLAB_PROFILE_V8` is `0`: its sampling thread takes a fifth of the CPU, which a
 * `perf` profile beside it would count), and writes both to `QUORUMLAB_PROFILE_DIR` when
 * the node exits.
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { join } from 'node:path'
import { performance, PerformanceObserver } from 'node:perf_hooks'
import { Coordinator } from '../../../store/coordinator.ts'
import { PeerBatcher } from '../../../store/peer-batcher.ts'
import { Replica } from '../../../store/replica.ts'
import { Storage } from '../../../store/storage.ts'

/** Durations (ms) by stage, from SIGUSR2 on. */
const stages = new Map<string, number[]>()
let recording = false
const record = (stage: string, ms: number): void => {
  if (!recording) return
  const list = stages.get(stage)
  if (list) list.push(ms)
  else stages.set(stage, [ms])
}

// biome-ignore lint/suspicious/noExplicitAny: wraps any async method of a prototype
function timeMethod(prototype: any, method: string, stage: string): void {
  const original = prototype[method] as (...args: unknown[]) => Promise<unknown>
  prototype[method] = async function (this: unknown, ...args: unknown[]) {
    const started = performance.now()
    try {
      return await original.apply(this, args)
    } finally {
      record(stage, performance.now() - started)
    }
  }
}

timeMethod(Coordinator.prototype, 'write', 'coordinator write')
timeMethod(Replica.prototype, 'write', 'local durable write')
timeMethod(Replica.prototype, 'mergeIn', 'peer merge, durable')
timeMethod(Replica.prototype, 'mergeMany', 'peer merges of a batch, durable')
timeMethod(PeerBatcher.prototype, 'merge', 'replication to one peer, to its ack')

/** A storage update in three parts: waiting for its transaction, its callback, the commit and flush. */
const update = Storage.prototype.update
Storage.prototype.update = function <T>(this: Storage, key: string, change: Parameters<Storage['update']>[1]): Promise<T> {
  const called = performance.now()
  let entered = 0
  let left = 0
  const timed: typeof change = (...args) => {
    entered = performance.now()
    try {
      return change(...args)
    } finally {
      left = performance.now()
    }
  }
  return (update.call(this, key, timed) as Promise<T>).then((result) => {
    record('LMDB: waiting for the transaction', entered - called)
    record('LMDB: read, merge, encode (the callback)', left - entered)
    record('LMDB: commit and flush', performance.now() - left)
    return result
  })
}

let gcMs = 0
new PerformanceObserver((list) => {
  if (recording) for (const entry of list.getEntries()) gcMs += entry.duration
}).observe({ entryTypes: ['gc'] })

const session = new Session()
session.connect()
session.post('Profiler.enable')
session.post('Profiler.setSamplingInterval', { interval: 200 })
let since = 0
let loopSince = performance.eventLoopUtilization()
process.on('SIGUSR2', () => {
  recording = true
  since = performance.now()
  loopSince = performance.eventLoopUtilization()
  if (process.env.QUORUMLAB_PROFILE_V8 !== '0') session.post('Profiler.start')
})

process.on('exit', () => {
  const dir = process.env.QUORUMLAB_PROFILE_DIR
  if (!dir || !recording) return
  const summary = {
    wallMs: performance.now() - since,
    eventLoopUtilization: performance.eventLoopUtilization(loopSince).utilization,
    gcMs,
    stages: Object.fromEntries(stages),
  }
  writeFileSync(join(dir, `${process.pid}.stages.json`), JSON.stringify(summary))
  // The inspector answers a session of this thread synchronously, so the profile is written before the exit.
  session.post('Profiler.stop', (error, result) => {
    if (!error && result.profile) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile))
  })
})
