/**
 * Which writes a causal context covers, answered in O(log n) per (context, node).
 * "Node" here is the actor dots are issued under (`OpTable.actors`: a node, or a node's
 * incarnation).
 *
 * Dot counters are per node, shared by all keys, so a context's clock entry `n: 40` covers
 * the writes *of this key* through n whose counters are <= 40, however sparse. The write
 * index keeps, per (key, node), the counters of the key's dotted writes sorted; a context
 * then becomes, per node, a *rank*: how many of those writes its clock covers, extended
 * over loose dots that continue that prefix. A context covers write w (through node n, at
 * position p in that order) exactly when p < rank[n], or w's dot is one of the context's
 * remaining ("gap") loose dots, which are rare and checked one by one.
 *
 * With ranks, "everything r1 saw, r2 saw too" is a per-node comparison, and counting the
 * covered writes acknowledged before a time is a prefix sum (see staleness.ts).
 */
import { shared } from './columns.ts'
import { GET, isDottedWrite, OK, type OpTable } from './op-table.ts'

export type WriteIndex = {
  nodes: number
  /** Group g = key * nodes + node holds positions groupStart[g] .. groupStart[g + 1] - 1. */
  groupStart: Int32Array
  /** The writes' counters and rows, sorted by counter within each group. */
  counters: Float64Array
  rows: Int32Array
  /** For a dotted write's row, its position (absolute) in `rows`; -1 for other rows. */
  positionOf: Int32Array
}

/** Indexes every ok put/delete with a dot by (key, dot node), sorted by dot counter. */
export function buildWriteIndex(table: OpTable): WriteIndex {
  const nodes = Math.max(1, table.actors.size)
  const groups = table.keys.size * nodes
  // In shared memory, as the ranks below: the sessions task in a worker reads them without a copy.
  const groupStart = shared.int32(groups + 1)
  for (let r = 0; r < table.length; r++) {
    if (isDottedWrite(table, r)) groupStart[table.key[r] * nodes + table.dotNode[r] + 1] += 1
  }
  for (let g = 0; g < groups; g++) groupStart[g + 1] += groupStart[g]
  const total = groupStart[groups]
  const rows = shared.int32(total)
  const fill = groupStart.slice(0, groups)
  for (let r = 0; r < table.length; r++) {
    if (isDottedWrite(table, r)) rows[fill[table.key[r] * nodes + table.dotNode[r]]++] = r
  }
  // Rows are in completion order; dot counters of one node rise with time, so groups are
  // nearly sorted already and insertion sort (stable: equal dots keep completion order)
  // is linear in practice, with a general sort for groups that are not.
  const counters = shared.float64(total)
  for (let i = 0; i < total; i++) counters[i] = table.dotCounter[rows[i]]
  for (let g = 0; g < groups; g++) sortGroup(counters, rows, groupStart[g], groupStart[g + 1])
  const positionOf = shared.int32(table.length).fill(-1)
  for (let i = 0; i < total; i++) positionOf[rows[i]] = i
  return { nodes, groupStart, counters, rows, positionOf }
}

function sortGroup(counters: Float64Array, rows: Int32Array, start: number, end: number): void {
  let inversions = 0
  for (let i = start + 1; i < end; i++) if (counters[i] < counters[i - 1]) inversions++
  if (inversions === 0) return
  if (inversions <= 64) {
    for (let i = start + 1; i < end; i++) {
      const c = counters[i]
      const r = rows[i]
      let j = i - 1
      while (j >= start && counters[j] > c) {
        counters[j + 1] = counters[j]
        rows[j + 1] = rows[j]
        j--
      }
      counters[j + 1] = c
      rows[j + 1] = r
    }
    return
  }
  const order = Array.from({ length: end - start }, (_, i) => start + i)
  order.sort((a, b) => counters[a] - counters[b] || a - b)
  const c = order.map((i) => counters[i])
  const r = order.map((i) => rows[i])
  counters.set(c, start)
  rows.set(r, start)
}

/** Number of entries in [start, end) of `counters` that are <= value. */
function upperBound(counters: Float64Array, start: number, end: number, value: number): number {
  let lo = start
  let hi = end
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (counters[mid] <= value) lo = mid + 1
    else hi = mid
  }
  return lo - start
}

/**
 * {@link upperBound} searched outward from `hint` (a position from `start` to `end`): a few
 * steps when the answer is near it, as for reads in time order, whose contexts move up their
 * groups a little at a time. Exported for the specs.
 */
export function upperBoundFrom(counters: Float64Array, start: number, end: number, value: number, hint: number): number {
  let lo: number
  let hi: number
  let step = 1
  if (hint < end && counters[hint] <= value) {
    // The first counter above `value` is past the hint: gallop up.
    lo = hint + 1
    hi = lo
    while (hi < end && counters[hi] <= value) {
      lo = hi + 1
      hi = lo + step
      step *= 2
    }
    hi = Math.min(hi, end)
  } else {
    // At or before the hint: gallop down.
    hi = hint
    lo = hi
    while (lo > start && counters[lo - 1] > value) {
      hi = lo - 1
      lo = hi - step
      step *= 2
    }
    lo = Math.max(lo, start)
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (counters[mid] <= value) lo = mid + 1
    else hi = mid
  }
  return lo - start
}

/**
 * The write-index positions holding dot (node, counter) of `key`, as [start, end): empty when
 * no indexed write has that dot, more than one only when writes share it (the vv collision).
 * `hints` ({@link searchHints}): searched from where the last search in the group ended, for
 * dots looked up in time order.
 */
export function dotPositions(
  index: WriteIndex,
  key: number,
  node: number,
  counter: number,
  hints?: Int32Array,
): [start: number, end: number] {
  const g = key * index.nodes + node
  const from = index.groupStart[g]
  const to = index.groupStart[g + 1]
  const start =
    from + (hints ? upperBoundFrom(index.counters, from, to, counter - 1, hints[g]) : upperBound(index.counters, from, to, counter - 1))
  if (hints) hints[g] = start
  let end = start
  while (end < to && index.counters[end] === counter) end++
  return [start, end]
}

/** Per (key, node) group, where a search starts: where the last one in it ended (updated by each). */
export function searchHints(index: WriteIndex): Int32Array {
  return index.groupStart.slice(0, index.groupStart.length - 1)
}

/** Rows of the ok gets whose context decoded: the reads staleness and sessions are about. */
function contextReadRows(table: OpTable): Int32Array {
  const isRead = (r: number): boolean => table.f[r] === GET && table.type[r] === OK && table.ctxStart[r] >= 0
  let count = 0
  for (let r = 0; r < table.length; r++) if (isRead(r)) count++
  const rows = shared.int32(count)
  let i = 0
  for (let r = 0; r < table.length; r++) if (isRead(r)) rows[i++] = r
  return rows
}

/**
 * The contexts of every ok read (with a context) as ranks. `ranks[i * nodes + n]` is how many writes of
 * read i's key through node n its context covers as a prefix; `gaps` lists, for the rare
 * read whose loose dots cover writes beyond that prefix, those writes' positions.
 */
export type ReadRanks = {
  /** The rows of the ok reads with a context, in file order; read i is `reads[i]`. */
  reads: Int32Array
  nodes: number
  ranks: Int32Array
  /** read i -> absolute positions (in the write index) covered only by loose dots. */
  gaps: Map<number, number[]>
}

export function rankReads(table: OpTable, index: WriteIndex): ReadRanks {
  const reads = contextReadRows(table)
  const nodes = index.nodes
  const ranks = shared.int32(reads.length * nodes)
  const gaps = new Map<number, number[]>()
  const scratch = new Int32Array(nodes)
  const hints = searchHints(index)
  for (let i = 0; i < reads.length; i++) {
    const gap = contextRanks(table, index, reads[i], scratch, hints)
    ranks.set(scratch, i * nodes)
    if (gap) gaps.set(i, gap)
  }
  return { reads, nodes, ranks, gaps }
}

/**
 * Fills `out` with the ranks of `row`'s context (zeros when it has none) against the
 * writes of `row`'s key; returns the gap positions, or undefined when there are none.
 * `hints`: per group, where to start searching (updated).
 */
function contextRanks(table: OpTable, index: WriteIndex, row: number, out: Int32Array, hints: Int32Array): number[] | undefined {
  out.fill(0)
  const start = table.ctxStart[row]
  if (start < 0) return undefined
  const nodes = index.nodes
  const base = table.key[row] * nodes
  const clockEnd = start + table.ctxClock[row]
  for (let e = start; e < clockEnd; e++) {
    const n = table.ctxNode[e]
    const g = base + n
    const from = index.groupStart[g]
    out[n] = upperBoundFrom(index.counters, from, index.groupStart[g + 1], table.ctxCounter[e], hints[g])
    hints[g] = from + out[n]
  }
  const looseEnd = clockEnd + table.ctxLoose[row]
  if (looseEnd === clockEnd) return undefined
  let gaps: number[] | undefined
  // Loose dots come sorted by (node, counter): each either extends its node's prefix
  // (it is the next write's dot) or covers a write past a gap.
  for (let e = clockEnd; e < looseEnd; e++) {
    const n = table.ctxNode[e]
    const counter = table.ctxCounter[e]
    const g = base + n
    const from = index.groupStart[g]
    const to = index.groupStart[g + 1]
    let p = from + out[n]
    if (p < to && index.counters[p] === counter) {
      while (p < to && index.counters[p] === counter) p++
      out[n] = p - from
      continue
    }
    const [at, end] = dotPositions(index, table.key[row], n, counter)
    gaps ??= []
    for (let q = at; q < end; q++) gaps.push(q)
  }
  // A gap dot can turn out to extend the prefix once earlier loose dots have extended it.
  if (gaps) {
    gaps = gaps.filter((q) => {
      const n = table.dotNode[index.rows[q]]
      return q - index.groupStart[base + n] >= out[n]
    })
    if (gaps.length === 0) gaps = undefined
  }
  return gaps
}

/** True when read i's context covers the dotted write at absolute position `position`. */
export function readCovers(table: OpTable, index: WriteIndex, ranks: ReadRanks, i: number, position: number): boolean {
  const row = index.rows[position]
  const n = table.dotNode[row]
  const g = table.key[row] * index.nodes + n
  if (position - index.groupStart[g] < ranks.ranks[i * index.nodes + n]) return true
  return ranks.gaps.get(i)?.includes(position) ?? false
}
