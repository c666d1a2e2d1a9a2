/**
 * A synthetic but plausible `history.jsonl` of any size, deterministic given a seed, for
 * the analysis benchmark and the browser test: a small simulation of a Dynamo store with
 * dotted version vectors (home replicas on a ring, replication delays, FIFO links, a
 * partition nemesis isolating one node every other period, read-modify-write clients on
 * an open-loop schedule, final reads after the heal). Not the real store: it exists to
 * give the reports realistic shapes (contexts, siblings, staleness, timeouts) at 1M ops.
 */
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import type { HistoryRecord, NemesisRecord, OpRecord, Phase, RunInfo } from '../../common/contracts/history.ts'
import { encodeContext } from '../../store/versioning.ts'
import { TableRecorder } from '../table-file.ts'
import { Random } from '../../common/helpers/random.ts'

export type SyntheticHistoryOptions = {
  /** Client ops of the measured run (final reads come on top). */
  ops: number
  seed?: number
  /** Keys written and read (16: the clustered workload's hot keys). */
  keys?: number
  nodes?: number
  n?: number
  r?: number
  w?: number
  strict?: boolean
  /** Client sessions (processes). */
  concurrency?: number
  /** Target ops/s of the open-loop schedule. */
  rate?: number
  /** Length of a fault period and of the quiet period after it, s. */
  faultPeriodS?: number
  /** Warm-up before the measured run, s. */
  warmupS?: number
  /** Probability that a read is followed by a write of the same key with its context. */
  writeAfterRead?: number
  /** Also record `history.table` beside it, line by line, as a run's history writer does (default false). */
  table?: boolean
}

type Sibling = { node: number; counter: number; value: string; ctx: Float64Array }
type Replica = { clock: Float64Array; siblings: Sibling[] }
type Delivery = { time: number; key: number; replica: number; sibling: Sibling }

const SECRET = 'synthetic-history'
const US = 1_000_000

/** A binary min-heap ordered by `time`. */
class TimeHeap<T extends { time: number }> {
  #items: T[] = []
  get size(): number {
    return this.#items.length
  }
  peek(): T | undefined {
    return this.#items[0]
  }
  push(item: T): void {
    const a = this.#items
    a.push(item)
    let i = a.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (a[parent].time <= item.time) break
      a[i] = a[parent]
      i = parent
    }
    a[i] = item
  }
  pop(): T | undefined {
    const a = this.#items
    const top = a[0]
    const last = a.pop()
    if (a.length > 0 && last) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        let mTime = last.time
        if (l < a.length && a[l].time < mTime) {
          m = l
          mTime = a[l].time
        }
        if (r < a.length && a[r].time < mTime) m = r
        if (m === i) break
        a[i] = a[m]
        i = m
      }
      a[i] = last
    }
    return top
  }
}

/** Writes a synthetic history to `path`; returns how many records and ops it holds. */
export async function writeSyntheticHistory(
  path: string,
  options: SyntheticHistoryOptions,
): Promise<{ records: number; ops: number; run: RunInfo }> {
  const o = {
    seed: 1,
    keys: 16,
    nodes: 5,
    n: 3,
    r: 2,
    w: 2,
    strict: false,
    concurrency: 32,
    rate: 2000,
    faultPeriodS: 10,
    warmupS: 2,
    writeAfterRead: 1,
    ...options,
  }
  // Seeded: the same seed gives the same history.
  const rng = new Random(o.seed)
  const random = (): number => rng.float()
  const nodeNames = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`)
  const timeS = Math.ceil(o.ops / o.rate)
  const run: RunInfo = {
    name: `synthetic-${o.seed}`,
    startedAt: new Date(Date.UTC(2026, 0, 1)).toISOString(),
    nodes: nodeNames,
    n: o.n,
    r: o.r,
    w: o.w,
    versioning: 'dvv',
    strict: o.strict,
    workload: { name: o.keys <= 32 ? 'clustered' : 'distributed', kind: 'register', keys: o.keys, readModifyWrite: true },
    nemeses: ['partition'],
    timeS,
    rate: o.rate,
    concurrency: o.concurrency,
    seed: o.seed,
  }

  const out = createWriteStream(path)
  const recorder = o.table ? new TableRecorder(path) : undefined
  let pending: string[] = []
  let written = 0
  let offset = 0
  const emit = (record: HistoryRecord): void => {
    record.index = written++
    const line = JSON.stringify(record)
    pending.push(line)
    if (recorder) {
      const bytes = Buffer.from(line)
      recorder.line(bytes, offset)
      offset += bytes.length + 1
    }
  }
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return
    const text = `${pending.join('\n')}\n`
    pending = []
    if (!out.write(text)) await once(out, 'drain')
  }

  // Records are produced in invoke order and written in completion order.
  const outbox = new TimeHeap<{ time: number; record: HistoryRecord }>()
  const release = (upTo: number): void => {
    while (outbox.size > 0 && (outbox.peek() as { time: number }).time <= upTo) emit((outbox.pop() as { record: HistoryRecord }).record)
  }

  emit({ index: 0, process: 'harness', type: 'info', f: 'run', value: run, invoke: 0, complete: 0, phase: 'warmup' })

  const warmupEnd = o.warmupS * US
  const runEnd = warmupEnd + timeS * US
  const period = o.faultPeriodS * US
  // Fault i runs over [warmupEnd + (2i+1)·period, warmupEnd + (2i+2)·period) and isolates one node.
  const faultAt = (t: number): { isolated: number; end: number } | undefined => {
    if (t < warmupEnd || t >= runEnd) return undefined
    const slot = Math.floor((t - warmupEnd) / period)
    if (slot % 2 === 0) return undefined
    return { isolated: ((slot - 1) / 2) % o.nodes, end: Math.min(warmupEnd + (slot + 1) * period, runEnd) }
  }
  for (let slot = 1; warmupEnd + slot * period < runEnd; slot += 2) {
    const start = warmupEnd + slot * period
    const stop = Math.min(start + period, runEnd)
    const targets = [nodeNames[((slot - 1) / 2) % o.nodes]]
    const kind = { kind: 'isolate', groups: [targets, nodeNames.filter((n) => n !== targets[0])] }
    const startRecord: NemesisRecord = {
      index: 0,
      process: 'nemesis',
      type: 'info',
      f: 'start',
      nemesis: 'partition',
      value: kind,
      invoke: start,
      complete: start + 300,
      phase: 'fault',
    }
    const stopRecord: NemesisRecord = {
      index: 0,
      process: 'nemesis',
      type: 'info',
      f: 'stop',
      nemesis: 'partition',
      value: kind,
      invoke: stop,
      complete: stop + 300,
      phase: 'heal',
    }
    outbox.push({ time: startRecord.complete, record: startRecord })
    outbox.push({ time: stopRecord.complete, record: stopRecord })
  }

  const replicasOf = (key: number): number[] => Array.from({ length: o.n }, (_, i) => (key * 7 + i) % o.nodes)
  const state: Replica[][] = Array.from({ length: o.keys }, () =>
    Array.from({ length: o.n }, () => ({ clock: new Float64Array(o.nodes), siblings: [] as Sibling[] })),
  )
  const counters = new Float64Array(o.nodes)
  const deliveries = new TimeHeap<Delivery>()
  const linkFree = new Float64Array(o.nodes * o.nodes)
  const lastRead: (Float64Array | null)[] = new Array(o.concurrency * o.keys).fill(null)
  // A session reads a key, then (read-modify-write) writes it with the context it read.
  const writeNext = new Int32Array(o.concurrency).fill(-1)
  const contextCache = new Map<string, string>()

  const covered = (clock: Float64Array, s: Sibling): boolean => clock[s.node] >= s.counter
  const apply = (replica: Replica, s: Sibling): void => {
    if (covered(replica.clock, s)) return
    replica.siblings = replica.siblings.filter((t) => !covered(s.ctx, t))
    replica.siblings.push(s)
    for (let i = 0; i < o.nodes; i++) if (s.ctx[i] > replica.clock[i]) replica.clock[i] = s.ctx[i]
    if (s.counter > replica.clock[s.node]) replica.clock[s.node] = s.counter
  }
  const deliverUpTo = (time: number): void => {
    while (deliveries.size > 0 && (deliveries.peek() as Delivery).time <= time) {
      const d = deliveries.pop() as Delivery
      apply(state[d.key][d.replica], d.sibling)
    }
  }
  const merge = (replicas: Replica[]): Replica => {
    const clock = new Float64Array(o.nodes)
    for (const r of replicas) for (let i = 0; i < o.nodes; i++) if (r.clock[i] > clock[i]) clock[i] = r.clock[i]
    const siblings: Sibling[] = []
    for (const r of replicas) {
      for (const s of r.siblings) {
        if (siblings.includes(s)) continue
        // dvv merge: a sibling survives unless another replica has seen it and dropped it.
        if (replicas.every((q) => q.siblings.includes(s) || !covered(q.clock, s))) siblings.push(s)
      }
    }
    return { clock, siblings }
  }
  const encode = (clock: Float64Array): string => {
    const entries: Record<string, number> = {}
    for (let i = 0; i < o.nodes; i++) if (clock[i] > 0) entries[nodeNames[i]] = clock[i]
    const id = JSON.stringify(entries)
    let encoded = contextCache.get(id)
    if (!encoded) {
      if (contextCache.size > 100_000) contextCache.clear()
      encoded = encodeContext({ clock: entries, dots: [] }, { secret: SECRET, key: '' })
      contextCache.set(id, encoded)
    }
    return encoded
  }
  const clockObject = (clock: Float64Array): Record<string, number> => {
    const entries: Record<string, number> = {}
    for (let i = 0; i < o.nodes; i++) if (clock[i] > 0) entries[nodeNames[i]] = clock[i]
    return entries
  }
  const lognormal = (medianUs: number, sigma: number): number => {
    const u = Math.max(random(), 1e-12)
    const v = random()
    return medianUs * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v))
  }
  const opRecord = (
    process: number,
    type: OpRecord['type'],
    f: OpRecord['f'],
    key: number,
    value: unknown,
    node: number,
    coordinator: number,
    intended: number,
    invoke: number,
    complete: number,
    context: string | null,
    error: string | null,
    phase: Phase,
  ): OpRecord => {
    const record: OpRecord = {
      index: 0,
      process,
      type,
      f,
      key: `k${key}`,
      value,
      node: nodeNames[node],
      intended,
      invoke,
      complete,
      context,
      error,
      phase,
    }
    if (coordinator >= 0) record.coordinator = nodeNames[coordinator]
    return record
  }
  const phaseAt = (t: number): Phase => (t < warmupEnd ? 'warmup' : faultAt(t) ? 'fault' : 'heal')

  // Process p runs global op slots p, p + C, p + 2C... of the open-loop schedule.
  const processes = new TimeHeap<{ time: number; p: number; slot: number }>()
  const slotTime = (slot: number): number => (slot * US) / o.rate
  for (let p = 0; p < Math.min(o.concurrency, o.ops); p++) processes.push({ time: slotTime(p), p, slot: p })
  let ops = 0
  let lastComplete = 0
  while (processes.size > 0) {
    const next = processes.pop() as { time: number; p: number; slot: number }
    const { p, slot } = next
    const invoke = next.time
    const intended = slotTime(slot)
    deliverUpTo(invoke)
    release(invoke)
    if (pending.length >= 4096) await flush()
    const isRead = writeNext[p] < 0
    const key = isRead ? Math.floor(random() * o.keys) : writeNext[p]
    writeNext[p] = isRead && random() < o.writeAfterRead ? key : -1
    const node = Math.floor(random() * o.nodes)
    const fault = faultAt(invoke)
    const reachable = (i: number): boolean => !fault || i !== fault.isolated
    const replicas = replicasOf(key)
    const phase = phaseAt(invoke)
    const f = isRead ? 'get' : 'put'
    const value = isRead ? null : `${p}-${slot}`
    let record: OpRecord
    const live = replicas.filter(reachable)
    if (!reachable(node)) {
      // The client's own link is cut: the request times out.
      record = opRecord(p, 'info', f, key, value, node, -1, intended, invoke, invoke + 500_000, null, 'timeout', phase)
    } else if (live.length < (isRead ? o.r : o.w) || (o.strict && live.length < replicas.length && random() < 0.3)) {
      record = opRecord(
        p,
        'fail',
        f,
        key,
        value,
        node,
        -1,
        intended,
        invoke,
        invoke + lognormal(800, 0.3),
        null,
        'quorum_unavailable',
        phase,
      )
    } else {
      const coordinator = replicas.includes(node) ? node : live[0]
      const hop = coordinator === node ? 0 : lognormal(150, 0.3)
      const others = live.filter((i) => i !== coordinator)
      for (let i = others.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1))
        ;[others[i], others[j]] = [others[j], others[i]]
      }
      const extra = fault ? lognormal(2_000, 0.8) : 0
      if (isRead) {
        const asked = [coordinator, ...others.slice(0, o.r - 1)]
        const merged = merge(asked.map((i) => state[key][replicas.indexOf(i)]))
        lastRead[p * o.keys + key] = merged.clock
        record = opRecord(
          p,
          'ok',
          'get',
          key,
          merged.siblings.map((s) => s.value),
          node,
          coordinator,
          intended,
          invoke,
          invoke + hop + lognormal(1_200, 0.5) + extra,
          encode(merged.clock),
          null,
          phase,
        )
        record.versions = merged.siblings.map((s) => ({ dot: { node: nodeNames[s.node], counter: s.counter }, clock: clockObject(s.ctx) }))
      } else {
        const ctx = lastRead[p * o.keys + key] ?? new Float64Array(o.nodes)
        counters[coordinator] += 1
        const sibling: Sibling = { node: coordinator, counter: counters[coordinator], value: `${p}-${slot}`, ctx }
        apply(state[key][replicas.indexOf(coordinator)], sibling)
        const delays: number[] = []
        for (const i of replicas) {
          if (i === coordinator) continue
          const link = coordinator * o.nodes + i
          let at = invoke + hop + lognormal(reachable(i) ? 900 : 3_000, 0.7) + extra
          // Messages to an isolated node wait for the heal; links are FIFO.
          if (!reachable(i) && fault) at = Math.max(at, fault.end + lognormal(50_000, 0.5))
          at = Math.max(at, linkFree[link] + 1)
          linkFree[link] = at
          deliveries.push({ time: at, key, replica: replicas.indexOf(i), sibling })
          if (reachable(i)) delays.push(at - invoke)
        }
        delays.sort((a, b) => a - b)
        const ackAfter = o.w > 1 ? delays[o.w - 2] + lognormal(200, 0.3) : hop + lognormal(400, 0.3)
        const context = lastRead[p * o.keys + key] ? encode(ctx) : null
        if (random() < (fault ? 0.02 : 0.002)) {
          record = opRecord(p, 'info', 'put', key, sibling.value, node, -1, intended, invoke, invoke + 500_000, context, 'timeout', phase)
        } else {
          record = opRecord(
            p,
            'ok',
            'put',
            key,
            sibling.value,
            node,
            coordinator,
            intended,
            invoke,
            invoke + ackAfter,
            context,
            null,
            phase,
          )
          record.dot = { node: nodeNames[coordinator], counter: sibling.counter }
        }
      }
    }
    outbox.push({ time: record.complete, record })
    if (record.complete > lastComplete) lastComplete = record.complete
    ops += 1
    const nextSlot = slot + o.concurrency
    if (nextSlot < o.ops) processes.push({ time: Math.max(slotTime(nextSlot), record.complete), p, slot: nextSlot })
  }

  // Heal: every pending message arrives; then the final reads through every node.
  const healAt = Math.max(lastComplete, runEnd)
  let convergedAt = healAt
  while (deliveries.size > 0) {
    const d = deliveries.pop() as Delivery
    apply(state[d.key][d.replica], d.sibling)
    convergedAt = Math.max(convergedAt, d.time)
  }
  release(healAt)
  outbox.push({
    time: convergedAt,
    record: {
      index: 0,
      process: 'harness',
      type: 'info',
      f: 'converged',
      value: { converged: true, ms: (convergedAt - healAt) / 1000 },
      invoke: healAt,
      complete: convergedAt,
      phase: 'heal',
    },
  })
  let t = convergedAt + 1_000
  for (let key = 0; key < o.keys; key++) {
    const merged = merge(state[key])
    for (let node = 0; node < o.nodes; node++) {
      const replicas = replicasOf(key)
      const record: OpRecord = {
        index: 0,
        process: o.concurrency + node,
        type: 'ok',
        f: 'get',
        key: `k${key}`,
        value: merged.siblings.map((s) => s.value),
        node: nodeNames[node],
        coordinator: nodeNames[replicas.includes(node) ? node : replicas[0]],
        intended: t,
        invoke: t,
        complete: t + 1_500,
        context: encode(merged.clock),
        versions: merged.siblings.map((s) => ({ dot: { node: nodeNames[s.node], counter: s.counter }, clock: clockObject(s.ctx) })),
        error: null,
        phase: 'final',
      }
      outbox.push({ time: record.complete, record })
      t += 2_000
      ops += 1
    }
  }
  outbox.push({
    time: t + 1,
    record: {
      index: 0,
      process: 'harness',
      type: 'info',
      f: 'end',
      value: { completed: true, interrupted: false },
      invoke: t + 1,
      complete: t + 1,
      phase: 'final',
    },
  })
  release(Number.POSITIVE_INFINITY)
  await flush()
  out.end()
  await once(out, 'finish')
  await recorder?.close(true)
  return { records: written, ops, run }
}
