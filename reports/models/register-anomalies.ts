/**
 * Anomalies of one key's register history that prove it invalid on their own, each
 * found without a search, in O(n log n): a key showing one needs no search (which could
 * run out of budget on it), and its sentence is plainer than a search's dead end. The
 * zones decide linearizability outright where they apply.
 *
 * Zones (Gibbons and Korach, "Testing shared memories", 1997): with one writer per value
 * and reads and writes only, a value's cluster (its write and its reads) spans from the
 * earliest completion among them to the latest invocation. When that is a forward span
 * (earliest completion before latest invocation) the value must stay in the register
 * throughout it. The history is linearizable if and only if no read completes before its
 * write is invoked, no two forward spans overlap, and no backward span lies inside a
 * forward one. O(n log n) whatever the concurrency, where the search is exponential in it.
 */
import { ABSENT, CAS, type KeyOps, READ, SIBLINGS, WRITE } from './register-history.ts'

/** A value's cluster: its writer (-1: the initial absent), the op that completed first and the one invoked last (rows; -1: the initial). */
export type Zone = { value: number; writer: number; first: number; last: number }

/**
 * Why write `before` must come before write `after` in every order keeping program
 * order: op `saw` of a lane saw the first's value (read it, or wrote it), and a later op
 * of that lane, `later`, saw the second's. Rows.
 */
export type WriteOrder = { before: number; after: number; saw: number; later: number }

/** Rows of the key; -1 stands for the register's initial absent. */
export type Anomaly =
  | { kind: 'siblings'; read: number }
  | { kind: 'phantom'; read: number }
  | { kind: 'read-before-write'; read: number; write: number }
  | { kind: 'stale-read'; read: number; write: number; overwrite: number }
  | { kind: 'out-of-order'; saw: number; read: number; write: number; overwrite: number }
  | { kind: 'overlapping-values'; zones: [Zone, Zone] }
  | { kind: 'write-order-cycle'; edges: WriteOrder[] }
  | { kind: 'value-within-value'; outer: Zone; inner: Zone }

/** The rows an anomaly names, without the initial absent. */
export function anomalyRows(a: Anomaly): number[] {
  const zoneRows = (z: Zone): number[] => [z.writer, z.first, z.last]
  let rows: number[]
  switch (a.kind) {
    case 'siblings':
    case 'phantom':
      rows = [a.read]
      break
    case 'read-before-write':
      rows = [a.read, a.write]
      break
    case 'stale-read':
      rows = [a.read, a.write, a.overwrite]
      break
    case 'out-of-order':
      rows = [a.saw, a.read, a.write, a.overwrite]
      break
    case 'overlapping-values':
      rows = [...zoneRows(a.zones[0]), ...zoneRows(a.zones[1])]
      break
    case 'value-within-value':
      rows = [...zoneRows(a.outer), ...zoneRows(a.inner)]
      break
    case 'write-order-cycle':
      rows = a.edges.flatMap((e) => [e.saw, e.later, e.before, e.after])
  }
  return [...new Set(rows.filter((r) => r >= 0))]
}

/** Per value id, the rows that write it. */
export function writersByValue(ops: KeyOps): number[][] {
  const writers: number[][] = Array.from({ length: ops.values }, () => [])
  for (let r = 0; r < ops.length; r++) {
    if (ops.op[r] === WRITE) writers[ops.a[r]].push(r)
    else if (ops.op[r] === CAS) writers[ops.b[r]].push(r)
  }
  return writers
}

const observed = (ops: KeyOps, r: number): number => (ops.op[r] === READ || ops.op[r] === CAS ? ops.a[r] : -1)
const required = (ops: KeyOps, r: number): boolean => ops.deadline[r] < Number.POSITIVE_INFINITY
const written = (ops: KeyOps, r: number): number => (ops.op[r] === WRITE ? ops.a[r] : ops.op[r] === CAS ? ops.b[r] : -1)

/** A read of siblings, or a required read of a value no op of the key writes. */
export function siblingsOrPhantom(ops: KeyOps, writers: number[][]): Anomaly | undefined {
  for (let r = 0; r < ops.length; r++) if (ops.op[r] === SIBLINGS) return { kind: 'siblings', read: r }
  for (let r = 0; r < ops.length; r++) {
    const v = observed(ops, r)
    if (v > ABSENT && required(ops, r) && writers[v].length === 0) return { kind: 'phantom', read: r }
  }
  return undefined
}

/** The one ok writer of value v, or -1 (none, several, only an info one, or v is absent: the initial value is one more). */
const okWriter = (ops: KeyOps, writers: number[][], v: number): number =>
  v !== ABSENT && writers[v].length === 1 && ops.info[writers[v][0]] === 0 ? writers[v][0] : -1

/** An ok read (or cas) that completed before every writer of its value was invoked. */
function readBeforeWrite(ops: KeyOps, writers: number[][]): Anomaly | undefined {
  for (let r = 0; r < ops.length; r++) {
    const v = observed(ops, r)
    if (v <= ABSENT || ops.info[r] === 1 || writers[v].length === 0) continue
    if (writers[v].every((w) => ops.invoke[w] > ops.deadline[r])) return { kind: 'read-before-write', read: r, write: writers[v][0] }
  }
  return undefined
}

/**
 * An ok read (or cas) of a value with one ok writer (or of the initial absent, never
 * written again) after an ok write of another value that began once that writer
 * completed and that completed before the read began. With the ok writes in invocation
 * order (as rows are) and the least completion of each suffix, one binary search a read.
 */
function staleRead(ops: KeyOps, writers: number[][]): Anomaly | undefined {
  const rows: number[] = []
  for (let x = 0; x < ops.length; x++) if (written(ops, x) >= 0 && ops.info[x] === 0) rows.push(x)
  // Per suffix of `rows`: the write that completed first in it.
  const firstDone = new Int32Array(rows.length + 1).fill(-1)
  for (let i = rows.length - 1; i >= 0; i--) {
    const later = firstDone[i + 1]
    firstDone[i] = later >= 0 && ops.deadline[later] <= ops.deadline[rows[i]] ? later : rows[i]
  }
  for (let r = 0; r < ops.length; r++) {
    const v = observed(ops, r)
    if (v < 0 || ops.info[r] === 1) continue
    const w = v === ABSENT ? -1 : okWriter(ops, writers, v)
    if (v === ABSENT ? writers[ABSENT].length > 0 : w < 0) continue
    const after = w < 0 ? Number.NEGATIVE_INFINITY : ops.deadline[w]
    let low = 0
    let high = rows.length
    while (low < high) {
      const mid = (low + high) >> 1
      if (ops.invoke[rows[mid]] > after) high = mid
      else low = mid + 1
    }
    const x = firstDone[low]
    if (x >= 0 && ops.deadline[x] < ops.invoke[r]) return { kind: 'stale-read', read: r, write: w, overwrite: x }
  }
  return undefined
}

/**
 * An ok read (or cas) of x after an earlier ok op of its process saw y (read it, or
 * wrote it), where x and y have one ok writer each, in one process, x's first: in every
 * order that keeps program order, y's write falls between x's write and the read. One
 * pass: per reading process and writing process, the latest write seen.
 */
function outOfOrder(ops: KeyOps, writers: number[][]): Anomaly | undefined {
  const latest = new Map<number, Map<number, { write: number; saw: number }>>()
  const see = (seen: Map<number, { write: number; saw: number }>, value: number, by: number): void => {
    const w = okWriter(ops, writers, value)
    if (w < 0) return
    const before = seen.get(ops.lane[w])
    if (!before || w > before.write) seen.set(ops.lane[w], { write: w, saw: by })
  }
  for (let r = 0; r < ops.length; r++) {
    if (ops.info[r] === 1) continue
    let seen = latest.get(ops.lane[r])
    if (!seen) {
      seen = new Map()
      latest.set(ops.lane[r], seen)
    }
    const x = observed(ops, r)
    const wx = x < 0 ? -1 : okWriter(ops, writers, x)
    const later = wx < 0 ? undefined : seen.get(ops.lane[wx])
    if (later && later.write > wx) return { kind: 'out-of-order', saw: later.saw, read: r, write: wx, overwrite: later.write }
    if (x >= 0) see(seen, x, r)
    if (written(ops, r) >= 0) see(seen, written(ops, r), r)
  }
  return undefined
}

/** The unique writer of value v when it surely took effect (ok, or an info write a read showed), or -1. */
const placedWriter = (ops: KeyOps, writers: number[][], v: number): number =>
  v !== ABSENT && writers[v].length === 1 && required(ops, writers[v][0]) ? writers[v][0] : -1

/**
 * Every lane's sequence of values seen (read, or written; a cas sees its expected value,
 * then its new one) orders the writes of those values: seeing y, then later x, puts y's
 * write before x's in every order that keeps program order (x's write comes after y's, or
 * y's would fall between x's write and the read of it). A cycle among these orders: no
 * single order of the writes explains what the lanes saw. Unique writers only; O(n).
 */
function writeOrderCycle(ops: KeyOps, writers: number[][]): Anomaly | undefined {
  const edges = new Map<number, WriteOrder[]>()
  const last = new Map<number, { value: number; row: number }>()
  const see = (r: number, value: number): void => {
    if (placedWriter(ops, writers, value) < 0) return
    const before = last.get(ops.lane[r])
    if (before && before.value !== value) {
      const from = placedWriter(ops, writers, before.value)
      const list = edges.get(from) ?? []
      list.push({ before: from, after: placedWriter(ops, writers, value), saw: before.row, later: r })
      edges.set(from, list)
    }
    last.set(ops.lane[r], { value, row: r })
  }
  for (let r = 0; r < ops.length; r++) {
    if (ops.info[r] === 1) continue
    if (ops.op[r] === READ || ops.op[r] === CAS) see(r, ops.a[r])
    if (written(ops, r) >= 0) see(r, written(ops, r))
  }
  return findCycle(edges)
}

/** A cycle in the write-order graph (iterative depth-first search), as its edges in order. */
function findCycle(edges: Map<number, WriteOrder[]>): Anomaly | undefined {
  const state = new Map<number, 1 | 2>()
  for (const root of edges.keys()) {
    if (state.has(root)) continue
    const path: WriteOrder[] = []
    const stack: { node: number; next: number }[] = [{ node: root, next: 0 }]
    state.set(root, 1)
    while (stack.length > 0) {
      const top = stack[stack.length - 1]
      const out = edges.get(top.node) ?? []
      if (top.next >= out.length) {
        state.set(top.node, 2)
        stack.pop()
        path.pop()
        continue
      }
      const edge = out[top.next++]
      const seen = state.get(edge.after)
      if (seen === 1) {
        const from = path.findIndex((e) => e.before === edge.after)
        return { kind: 'write-order-cycle', edges: [...path.slice(from < 0 ? path.length : from), edge] }
      }
      if (seen === 2) continue
      state.set(edge.after, 1)
      path.push(edge)
      stack.push({ node: edge.after, next: 0 })
    }
  }
  return undefined
}

type Pattern = (ops: KeyOps, writers: number[][]) => Anomaly | undefined

const PATTERNS: Record<'linearizable' | 'sequential', readonly Pattern[]> = {
  linearizable: [readBeforeWrite, staleRead, outOfOrder, writeOrderCycle],
  sequential: [outOfOrder, writeOrderCycle],
}

/**
 * The anomalies a model forbids, found in O(n log n) without a search; the patterns are
 * tried in turn, each over the whole key, and each pattern's finding is kept for the
 * other model (the sequential patterns are among the linearizable ones).
 */
export class AnomalyPatterns {
  #ops: KeyOps
  #writers: number[][]
  #found = new Map<Pattern, Anomaly | undefined>()

  constructor(ops: KeyOps, writers: number[][]) {
    this.#ops = ops
    this.#writers = writers
  }

  /** The first anomaly of `model`'s patterns, or undefined. */
  find(model: keyof typeof PATTERNS): Anomaly | undefined {
    for (const pattern of PATTERNS[model]) {
      let found = this.#found.get(pattern)
      if (!this.#found.has(pattern)) {
        found = pattern(this.#ops, this.#writers)
        this.#found.set(pattern, found)
      }
      if (found) return found
    }
    return undefined
  }
}

/** Times the zones compare: invocations and deadlines, equal times ranked (see {@link zoneTimes}). */
export type ZoneTimes = { invoke: Float64Array; deadline: Float64Array }

/**
 * When the zones decide linearizability (reads and writes only, every op required, one
 * writer per value, none for absent), the times they compare, else undefined. Zones see
 * real time, where equal times are concurrent (an invocation before a completion); but an
 * ok op completing just as its lane's next op begins comes first (program order). Such a
 * tie is ranked within its µs, after the other invocations and before the other
 * completions (integer times only; two lanes tied in one µs cannot be ranked so: then
 * the search decides).
 */
export function zoneTimes(ops: KeyOps, writers: number[][]): ZoneTimes | undefined {
  if (writers[ABSENT].length > 0) return undefined
  for (let v = 1; v < ops.values; v++) if (writers[v].length > 1) return undefined
  const lastOk = new Map<number, number>()
  /** Per tied µs, the pair (the completing op, the next op of its lane). */
  const ties = new Map<number, [number, number]>()
  for (let r = 0; r < ops.length; r++) {
    if ((ops.op[r] !== READ && ops.op[r] !== WRITE) || !required(ops, r)) return undefined
    const before = lastOk.get(ops.lane[r])
    if (before !== undefined && ops.deadline[before] >= ops.invoke[r]) {
      const t = ops.invoke[r]
      if (ties.has(t) || !Number.isInteger(t) || ops.deadline[r] === t) return undefined
      ties.set(t, [before, r])
    }
    if (ops.info[r] === 0) lastOk.set(ops.lane[r], r)
  }
  const invoke = Float64Array.from(ops.invoke)
  // Completions after the invocations of their µs; a tie's pair in between, completion first.
  const deadline = ops.deadline.map((t) => (Number.isFinite(t) && ties.size > 0 ? t + 0.75 : t))
  for (const [before, next] of ties.values()) {
    deadline[before] = ops.deadline[before] + 0.25
    invoke[next] = ops.invoke[next] + 0.5
  }
  return { invoke, deadline }
}

/**
 * Gibbons and Korach's test (see the module comment) on the times {@link zoneTimes} gave:
 * undefined when linearizable, else the anomaly that shows it is not.
 */
export function zoneAnomaly(ops: KeyOps, writers: number[][], times: ZoneTimes): Anomaly | undefined {
  const { invoke, deadline } = times
  const zones: Zone[] = []
  const zoneOf = new Int32Array(ops.values).fill(-1)
  const start = (z: Zone): number => (z.first < 0 ? Number.NEGATIVE_INFINITY : deadline[z.first])
  const end = (z: Zone): number => (z.last < 0 ? Number.NEGATIVE_INFINITY : invoke[z.last])
  for (let v = 0; v < ops.values; v++) {
    const writer = v === ABSENT ? -1 : (writers[v][0] ?? -1)
    if (v !== ABSENT && writer < 0) continue
    zoneOf[v] = zones.length
    zones.push({ value: v, writer, first: writer, last: writer })
  }
  for (let r = 0; r < ops.length; r++) {
    if (ops.op[r] !== READ || zoneOf[ops.a[r]] < 0) continue
    const z = zones[zoneOf[ops.a[r]]]
    if (z.writer >= 0 && deadline[r] < invoke[z.writer]) return { kind: 'read-before-write', read: r, write: z.writer }
    if (z.first >= 0 && deadline[r] < start(z)) z.first = r
    if (invoke[r] > end(z)) z.last = r
  }
  const forward = zones.filter((z) => start(z) < end(z)).sort((x, y) => start(x) - start(y))
  for (let i = 1; i < forward.length; i++) {
    // Sorted by start, disjoint so far: only the previous one can reach past this start.
    if (start(forward[i]) < end(forward[i - 1])) return { kind: 'overlapping-values', zones: [forward[i - 1], forward[i]] }
  }
  for (const inner of zones) {
    const from = end(inner)
    const to = start(inner)
    if (to < from) continue
    // The forward span starting last before this backward one is the only one that can hold it.
    let low = 0
    let high = forward.length - 1
    let found = -1
    while (low <= high) {
      const mid = (low + high) >> 1
      if (start(forward[mid]) < from) {
        found = mid
        low = mid + 1
      } else high = mid - 1
    }
    if (found >= 0 && to < end(forward[found])) return { kind: 'value-within-value', outer: forward[found], inner }
  }
  return undefined
}
