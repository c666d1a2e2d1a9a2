/**
 * fast-check arbitraries of small register histories (a few ops, a few processes, ok,
 * info and fail outcomes, get/put/delete/cas) for the model checkers' property tests:
 * - {@link anyHistory}: ops with random values read (often ones written, sometimes a
 *   phantom or siblings): every path of the checkers, valid or not;
 * - {@link linearizableHistory}: a register run with each op taking effect at a point
 *   between its invocation and completion (an info op: any time after its invocation, or
 *   never), so linearizable by construction;
 * - {@link sequentialHistory}: a register run in one interleaving of the processes'
 *   programs, with times drawn per process regardless of it: sequentially consistent;
 * - {@link mutated}: such a history with one read's value swapped for another written one.
 */
import fc from 'fast-check'
import type { OpFunction, OpOutcome } from '../../common/contracts/history.ts'
import type { RegisterOp } from '../models/register-history.ts'

/** One op as drawn, before times and values are laid out. */
type Draw = {
  process: number
  key: number
  f: OpFunction
  /** ok, info or fail: what the client saw (for simulations: its fate). */
  fate: OpOutcome
  gap: number
  duration: number
  /** In [0, 1): where in its interval (or after, for info) it takes effect; which value it picks. */
  at: number
  pick: number
}

export type HistoryShape = {
  /** At most this many ops (default 8). */
  ops?: number
  /** At most this many processes (default 3). */
  processes?: number
  /** At most this many keys (default 2). */
  keys?: number
  /** Writes write unique values (default true); else from a pool of two. */
  unique?: boolean
  /** Gets and puts only (default false: deletes and cas too). */
  readsAndWrites?: boolean
}

const drawArbitrary = (shape: Required<HistoryShape>): fc.Arbitrary<Draw> =>
  fc.record({
    process: fc.nat(shape.processes - 1),
    key: fc.nat(shape.keys - 1),
    f: shape.readsAndWrites
      ? fc.constantFrom<OpFunction>('get', 'put')
      : fc.constantFrom<OpFunction>('get', 'get', 'put', 'put', 'delete', 'cas'),
    fate: fc.constantFrom<OpOutcome>('ok', 'ok', 'ok', 'ok', 'info', 'fail'),
    gap: fc.nat(3),
    duration: fc.nat(4),
    at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    pick: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  })

const draws = (shape: HistoryShape): fc.Arbitrary<{ list: Draw[]; shape: Required<HistoryShape> }> => {
  const full = { ops: 8, processes: 3, keys: 2, unique: true, readsAndWrites: false, ...shape }
  return fc.array(drawArbitrary(full), { minLength: 1, maxLength: full.ops }).map((list) => ({ list, shape: full }))
}

const pickFrom = <T>(items: T[], u: number): T => items[Math.floor(u * items.length)]

/** Per-process sequential times: each op starts a gap after the process's previous one ended (a timed-out one too). */
function times(list: Draw[]): [number, number][] {
  const free = new Map<number, number>()
  return list.map((d) => {
    const invoke = (free.get(d.process) ?? 0) + d.gap
    const complete = invoke + d.duration
    free.set(d.process, complete)
    return [invoke, complete]
  })
}

const written = (d: Draw, i: number, unique: boolean): string =>
  unique ? `${d.f === 'cas' ? 'c' : 'v'}${i}` : pickFrom(['a', 'b'], d.pick)

/** Any history: reads return values from what was written (any outcome), absent, a phantom, or siblings. */
export function anyHistory(shape: HistoryShape = {}): fc.Arbitrary<RegisterOp[]> {
  return draws(shape).map(({ list, shape }) => {
    const at = times(list)
    const pool: (string | null)[] = [
      null,
      'phantom',
      ...list.filter((d) => d.f === 'put' || d.f === 'cas').map((d, i) => written(d, i, shape.unique)),
    ]
    const values = list.map((d, i) => written(d, i, shape.unique))
    return list.map((d, i): RegisterOp => {
      let value: unknown = null
      if (d.f === 'put') value = values[i]
      else if (d.f === 'cas') value = [pickFrom(pool, d.at), values[i]]
      else if (d.f === 'get' && d.fate === 'ok') {
        const seen = pickFrom(pool, d.pick)
        value = seen === null ? [] : d.at < 0.1 ? [seen, pickFrom(pool.slice(1), d.at * 10)] : [seen]
      }
      return { index: i, process: d.process, type: d.fate, f: d.f, key: `k${d.key}`, value, invoke: at[i][0], complete: at[i][1] }
    })
  })
}

/** Runs ops in the order given by `order` on one register per key, setting what reads return and whether cas swapped. */
function run(list: Draw[], unique: boolean, order: number[], applies: (i: number) => boolean): RegisterOp[] {
  const state = new Map<number, string | null>()
  const everWritten = new Map<number, string[]>()
  const out: RegisterOp[] = list.map((d, i) => ({
    index: i,
    process: d.process,
    type: d.fate,
    f: d.f,
    key: `k${d.key}`,
    value: null,
    invoke: 0,
    complete: 0,
  }))
  for (const i of order) {
    const d = list[i]
    const current = state.get(d.key) ?? null
    const seen = everWritten.get(d.key) ?? []
    const value = written(d, i, unique)
    if (d.f === 'get') {
      if (d.fate === 'ok') out[i].value = current === null ? [] : [current]
      continue
    }
    if (d.f === 'cas') {
      // Expect the current value most of the time, so that some swap.
      const expected = d.pick < 0.6 ? current : pickFrom([null, ...seen], d.at)
      out[i].value = [expected, value]
      if (expected !== current) {
        if (d.fate === 'ok') out[i].type = 'fail'
        continue
      }
    }
    if (!applies(i)) continue
    const next = d.f === 'delete' ? null : value
    if (d.f === 'put') out[i].value = value
    state.set(d.key, next)
    if (next !== null) everWritten.set(d.key, [...seen, next])
  }
  for (const [i, d] of list.entries()) if (d.f === 'put') out[i].value = written(d, i, unique)
  return out
}

/** A linearizable history: each op takes effect at a point within its interval (an applied info op: any time after its invocation). */
export function linearizableHistory(shape: HistoryShape = {}): fc.Arbitrary<RegisterOp[]> {
  return draws(shape).map(({ list, shape }) => {
    const at = times(list)
    const applied = (i: number): boolean => list[i].fate === 'ok' || (list[i].fate === 'info' && list[i].pick < 0.5)
    const point = (i: number): number => {
      const [invoke, complete] = at[i]
      return list[i].fate === 'info' ? invoke + list[i].at * 20 : invoke + list[i].at * (complete - invoke)
    }
    const order = list.map((_, i) => i).sort((x, y) => point(x) - point(y) || x - y)
    return run(list, shape.unique, order, applied).map((op, i) => ({ ...op, invoke: at[i][0], complete: at[i][1] }))
  })
}

/** A sequentially consistent history: the processes' programs run in one random interleaving; times are drawn per process, ignoring it. */
export function sequentialHistory(shape: HistoryShape = {}): fc.Arbitrary<RegisterOp[]> {
  return fc.tuple(draws(shape), fc.array(fc.nat(10), { minLength: 8, maxLength: 8 })).map(([{ list, shape }, schedule]) => {
    const programs = new Map<number, number[]>()
    for (const [i, d] of list.entries()) programs.set(d.process, [...(programs.get(d.process) ?? []), i])
    const queues = [...programs.values()]
    const order: number[] = []
    for (let s = 0; order.length < list.length; s++) {
      const live = queues.filter((q) => q.length > 0)
      order.push((live[schedule[s % schedule.length] % live.length].shift() as number) ?? 0)
    }
    const applied = (i: number): boolean => list[i].fate === 'ok' || (list[i].fate === 'info' && list[i].pick < 0.5)
    const at = times(list)
    return run(list, shape.unique, order, applied).map((op, i) => ({ ...op, invoke: at[i][0], complete: at[i][1] }))
  })
}

/** The history with one ok single-value (or absent) read's value swapped for another value its key had written, or absent. */
export function mutated(history: fc.Arbitrary<RegisterOp[]>): fc.Arbitrary<RegisterOp[]> {
  return fc.tuple(history, fc.nat(), fc.nat()).map(([ops, which, to]) => {
    const reads = ops.filter((op) => op.f === 'get' && op.type === 'ok')
    if (reads.length === 0) return ops
    const read = reads[which % reads.length]
    const shown = JSON.stringify(read.value)
    const others = [
      [],
      ...ops
        .filter((op) => op.key === read.key && op.f !== 'get' && op.f !== 'delete')
        .map((op) => [op.f === 'cas' ? (op.value as unknown[])[1] : op.value]),
    ].filter((v) => JSON.stringify(v) !== shown)
    if (others.length === 0) return ops
    const value = others[to % others.length]
    return ops.map((op) => (op === read ? { ...op, value } : op))
  })
}
