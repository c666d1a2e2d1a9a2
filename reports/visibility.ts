/**
 * The t-visibility curve: for reads bucketed by the time since the latest write to their
 * key was acknowledged, the fraction that saw that write, P(saw it | time since). Over the
 * reads of the measured phases: final reads, long after the heal, would flatten it.
 */
import type { ReadRanks } from './coverage.ts'
import { FINAL, type OpTable } from './op-table.ts'
import type { StalenessResult } from './staleness.ts'

/** Bucket edges, ms: a roughly logarithmic scale from sub-millisecond to a minute. */
const VISIBILITY_EDGES_MS = [
  0, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000,
] as const

export type VisibilityBucket = {
  /** Time since the latest acknowledged write, ms: [fromMs, toMs). `toMs` null for the last. */
  fromMs: number
  toMs: number | null
  reads: number
  saw: number
  /** saw / reads; null when the bucket is empty. */
  probability: number | null
}

export type Visibility = {
  buckets: VisibilityBucket[]
  /** Reads (outside the final phase) that had an earlier acknowledged write to their key. */
  reads: number
  saw: number
  /**
   * The smallest time since the write from which every bucket (with reads) has
   * P(saw) >= 0.99, ms; null when the curve never gets there.
   */
  p99VisibleAfterMs: number | null
}

export function visibilityCurve(table: OpTable, ranks: ReadRanks, staleness: StalenessResult): Visibility {
  const edges = VISIBILITY_EDGES_MS
  const reads = new Float64Array(edges.length)
  const saw = new Float64Array(edges.length)
  let total = 0
  let totalSaw = 0
  for (let i = 0; i < staleness.latest.length; i++) {
    if (staleness.latest[i] < 0 || table.phase[ranks.reads[i]] === FINAL) continue
    const ms = staleness.sinceLatest[i] / 1000
    let b = upperEdge(ms) - 1
    if (b < 0) b = 0
    reads[b] += 1
    saw[b] += staleness.sawLatest[i]
    total += 1
    totalSaw += staleness.sawLatest[i]
  }
  const buckets: VisibilityBucket[] = edges.map((fromMs, b) => ({
    fromMs,
    toMs: b + 1 < edges.length ? edges[b + 1] : null,
    reads: reads[b],
    saw: saw[b],
    probability: reads[b] > 0 ? saw[b] / reads[b] : null,
  }))
  let p99VisibleAfterMs: number | null = null
  for (let b = buckets.length - 1; b >= 0; b--) {
    const p = buckets[b].probability
    if (p === null) continue
    if (p < 0.99) break
    p99VisibleAfterMs = buckets[b].fromMs
  }
  return { buckets, reads: total, saw: totalSaw, p99VisibleAfterMs }
}

/** Index of the first edge greater than ms. */
function upperEdge(ms: number): number {
  const edges: readonly number[] = VISIBILITY_EDGES_MS
  let lo = 0
  let hi = edges.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (edges[mid] <= ms) lo = mid + 1
    else hi = mid
  }
  return lo
}
