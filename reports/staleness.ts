/**
 * k-staleness and the latest-write check of every read, in one O(n log n) sweep.
 *
 * k of a read = writes to its key acknowledged (ok, `complete` < the read's `invoke`) whose
 * dots the read's context does not cover. The sweep walks reads in invoke order and
 * writes in completion order; each acknowledged write is added to a Fenwick tree over its
 * (key, node) group's counter order, so "acknowledged and covered" is a prefix sum up to
 * the read's rank on each node (see coverage.ts). For t-visibility it also notes, per read,
 * the latest write to the key acknowledged before it, how long before, and whether the
 * read covers it.
 */
import { shared } from './columns.ts'
import { readCovers, type ReadRanks, type WriteIndex } from './coverage.ts'
import type { OpTable } from './op-table.ts'
import { sortOrder } from './sort-order.ts'

export type StalenessResult = {
  /** Per read i of `ranks.reads`: its k. */
  k: Int32Array
  /** Writes to the key acknowledged before the read was invoked. */
  acked: Int32Array
  /** Row of the latest write to the key acknowledged before the read, -1 when none. */
  latest: Int32Array
  /** 1 when the read covers that write. */
  sawLatest: Uint8Array
  /** µs from that write's completion to the read's invoke; NaN when there is none. */
  sinceLatest: Float64Array
}

/**
 * k-staleness and the latest-write check of every analysed read (`ranks.reads`, ok reads
 * with a decodable context), in one sweep: O(n log n) time in ops, five typed arrays of one
 * entry per read (in shared memory, so a worker can write staleness.csv from them). k
 * counts acknowledged writes; `sinceLatest` is in µs.
 */
export function computeStaleness(table: OpTable, index: WriteIndex, ranks: ReadRanks): StalenessResult {
  const { reads } = ranks
  const nodes = index.nodes
  const count = reads.length
  // Shared memory: staleness.csv is written from these by a worker while checks go on.
  const k = shared.int32(count)
  const acked = shared.int32(count)
  const latest = shared.int32(count).fill(-1)
  const sawLatest = shared.uint8(count)
  const sinceLatest = shared.float64(count).fill(Number.NaN)

  const readOrder = sortedBy(count, (i) => table.invoke[reads[i]])
  const writes = index.rows
  const writeOrder = sortedBy(writes.length, (p) => table.complete[writes[p]])
  const tree = new Int32Array(writes.length)
  const ackedPerKey = new Int32Array(table.keys.size)
  const latestPerKey = new Int32Array(table.keys.size).fill(-1)
  const { groupStart } = index

  let w = 0
  for (let o = 0; o < count; o++) {
    const i = readOrder[o]
    const row = reads[i]
    const t = table.invoke[row]
    for (; w < writeOrder.length && table.complete[writes[writeOrder[w]]] < t; w++) {
      const position = writeOrder[w]
      const wrow = writes[position]
      const g = table.key[wrow] * nodes + table.dotNode[wrow]
      const start = groupStart[g]
      const length = groupStart[g + 1] - start
      for (let j = position - start + 1; j <= length; j += j & -j) tree[start + j - 1] += 1
      ackedPerKey[table.key[wrow]] += 1
      latestPerKey[table.key[wrow]] = wrow
    }
    const key = table.key[row]
    let covered = 0
    for (let n = 0; n < nodes; n++) {
      const start = groupStart[key * nodes + n]
      for (let j = ranks.ranks[i * nodes + n]; j > 0; j -= j & -j) covered += tree[start + j - 1]
    }
    const gaps = ranks.gaps.size > 0 ? ranks.gaps.get(i) : undefined
    if (gaps) for (const q of gaps) if (table.complete[writes[q]] < t) covered += 1
    acked[i] = ackedPerKey[key]
    k[i] = ackedPerKey[key] - covered
    const last = latestPerKey[key]
    if (last >= 0) {
      latest[i] = last
      sawLatest[i] = readCovers(table, index, ranks, i, index.positionOf[last]) ? 1 : 0
      sinceLatest[i] = t - table.complete[last]
    }
  }
  return { k, acked, latest, sawLatest, sinceLatest }
}

/** 0..count-1 ordered by `by` (stable); O(n) when already in order, as history columns mostly are. */
function sortedBy(count: number, by: (i: number) => number): Int32Array {
  const order = new Int32Array(count)
  let sorted = true
  for (let i = 0; i < count; i++) {
    order[i] = i
    if (i > 0 && by(i) < by(i - 1)) sorted = false
  }
  if (sorted) return order
  const keys = new Float64Array(count)
  for (let i = 0; i < count; i++) keys[i] = by(i)
  return sortOrder(keys)
}
