/**
 * Big linearizable register histories, deterministic given a seed, for the model
 * checkers' benchmark and tests: closed-loop processes each run ops on random keys (reads,
 * writes of unique values, a few compare-and-sets), each op taking effect at a random
 * point between its invocation and completion; a few time out (info) and take effect
 * later, or never. Linearizable by construction; {@link plantStaleRead} then breaks one key.
 */
import { Random } from '../../common/helpers/random.ts'
import type { OpFunction, OpOutcome } from '../../common/contracts/history.ts'
import type { RegisterOp } from '../models/register-history.ts'

export type RegisterSimulation = {
  ops: number
  keys: number
  processes: number
  seed?: number
  /** Share of ops that time out (info). Default 0.01. */
  infoRate?: number
  /** Mean op latency, µs. Default 2000. */
  latencyMicros?: number
  /** Share of writes that are compare-and-sets (default 0.2; 0: reads and writes only, which the zones decide). */
  casFraction?: number
}

/** Generates the history, ops in completion order with their indexes. */
export function simulateRegister(options: RegisterSimulation): RegisterOp[] {
  const random = new Random(options.seed ?? 1, 'register-simulation')
  const infoRate = options.infoRate ?? 0.01
  const latency = options.latencyMicros ?? 2000
  const casFraction = options.casFraction ?? 0.2
  const free = new Float64Array(options.processes)
  const ops: RegisterOp[] = []
  const points = new Float64Array(options.ops)
  for (let i = 0; i < options.ops; i++) {
    // The process that is free first goes next, as in a closed loop.
    let process = 0
    for (let p = 1; p < options.processes; p++) if (free[p] < free[process]) process = p
    const invoke = Math.round(free[process] + random.exponential(latency / 10))
    const complete = invoke + 1 + Math.round(random.exponential(latency))
    free[process] = complete
    const roll = random.float()
    const f: OpFunction = roll < 0.5 ? 'get' : roll < 0.5 + 0.5 * casFraction ? 'cas' : 'put'
    const type: OpOutcome = random.float() < infoRate ? 'info' : 'ok'
    const applied = type === 'ok' || random.float() < 0.5
    // An info op takes effect any time after its invocation (here up to 10 latencies later), or never.
    points[i] = applied ? invoke + random.float() * (type === 'ok' ? complete - invoke : 10 * latency) : Number.POSITIVE_INFINITY
    ops.push({ index: 0, process, type, f, key: `k${random.int(0, options.keys - 1)}`, value: null, invoke, complete })
  }
  const order = Array.from(ops.keys()).sort((x, y) => points[x] - points[y])
  const state = new Map<string, string>()
  for (const i of order) {
    const op = ops[i]
    const current = state.get(op.key) ?? null
    const applied = points[i] < Number.POSITIVE_INFINITY
    if (op.f === 'get') op.value = op.type === 'ok' ? (current === null ? [] : [current]) : null
    else if (op.f === 'put') {
      op.value = `v${i}`
      if (applied) state.set(op.key, op.value as string)
    } else {
      op.value = [current, `v${i}`]
      if (applied) state.set(op.key, `v${i}`)
    }
  }
  ops.sort((x, y) => x.complete - y.complete || x.invoke - y.invoke)
  ops.forEach((op, index) => {
    op.index = index
  })
  return ops
}

/**
 * Makes the first ok read of `key` that follows two completed writes return the older
 * value instead: a stale read no linearization explains. Returns the read's index, or
 * -1 when the key has no such read.
 */
export function plantStaleRead(ops: RegisterOp[], key: string): number {
  const writes = ops.filter((op) => op.key === key && op.f === 'put' && op.type === 'ok')
  for (const read of ops) {
    if (read.key !== key || read.f !== 'get' || read.type !== 'ok') continue
    const before = writes.filter((w) => w.complete < read.invoke)
    if (before.length < 2) continue
    const [older, newer] = before.slice(-2)
    if (older.complete >= newer.invoke) continue
    read.value = [older.value]
    return read.index
  }
  return -1
}
