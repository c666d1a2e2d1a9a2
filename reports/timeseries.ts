/**
 * Per-second series of a run, by invoke time: throughput by outcome, exact latency
 * quantiles (from intended time; each second's found by selection, O(n) overall),
 * staleness of the reads invoked in that second, load per node, active nemeses.
 */
import type { ReadRanks } from './coverage.ts'
import { selectNearestRanks } from './distributions.ts'
import type { NemesisPeriod } from './faults.ts'
import { FAIL, INFO, OK, type OpTable } from './op-table.ts'
import type { StalenessResult } from './staleness.ts'

export type TimeseriesRow = {
  /** Start of the bucket, s since the run started. */
  second: number
  ops: number
  ok: number
  fail: number
  info: number
  /** Latency from intended time of the ops invoked in this second, ms; null without ops. */
  p50Ms: number | null
  p90Ms: number | null
  p99Ms: number | null
  maxMs: number | null
  /** ok reads with a context invoked in this second. */
  reads: number
  /** Of those, reads with k > 0. */
  staleReads: number
  staleFraction: number | null
  meanK: number | null
  maxK: number | null
  /** Ops sent to each node (index: node id). */
  perNode: number[]
  /** Nemeses active at any time in this second, e.g. `partition+latency`; '' when none. */
  nemeses: string
}

/** The latency quantiles of each row, ascending: p50, p90, p99, max. */
const QUANTILES = [0.5, 0.9, 0.99, 1]

/** Upper bound on rows: a history spanning longer gets wider buckets. */
const MAX_BUCKETS = 100_000

export type Timeseries = { bucketS: number; rows: TimeseriesRow[] }

export function timeseries(table: OpTable, ranks: ReadRanks, staleness: StalenessResult, periods: readonly NemesisPeriod[]): Timeseries {
  if (table.length === 0) return { bucketS: 1, rows: [] }
  let first = Number.POSITIVE_INFINITY
  let last = Number.NEGATIVE_INFINITY
  for (let r = 0; r < table.length; r++) {
    const s = table.invoke[r] / 1e6
    if (s < first) first = s
    if (s > last) last = s
  }
  const bucketS = Math.max(1, Math.ceil((Math.floor(last) - Math.floor(first) + 1) / MAX_BUCKETS))
  const origin = Math.floor(first / bucketS) * bucketS
  const buckets = Math.floor((last - origin) / bucketS) + 1
  const bucketOf = (us: number): number => Math.min(buckets - 1, Math.max(0, Math.floor((us / 1e6 - origin) / bucketS)))

  const nodes = table.nodes.size
  const counts = new Float64Array(buckets * 3)
  const perNode = new Float64Array(buckets * nodes)
  const starts = new Int32Array(buckets + 1)
  for (let r = 0; r < table.length; r++) {
    const b = bucketOf(table.invoke[r])
    const o = table.type[r] === OK ? 0 : table.type[r] === FAIL ? 1 : table.type[r] === INFO ? 2 : -1
    if (o >= 0) counts[b * 3 + o] += 1
    perNode[b * nodes + table.node[r]] += 1
    starts[b + 1] += 1
  }
  for (let b = 0; b < buckets; b++) starts[b + 1] += starts[b]
  const latencies = new Float64Array(table.length)
  const fill = starts.slice(0, buckets)
  for (let r = 0; r < table.length; r++) latencies[fill[bucketOf(table.invoke[r])]++] = table.complete[r] - table.intended[r]

  const reads = new Float64Array(buckets)
  const stale = new Float64Array(buckets)
  const sumK = new Float64Array(buckets)
  const maxK = new Float64Array(buckets)
  for (let i = 0; i < ranks.reads.length; i++) {
    const b = bucketOf(table.invoke[ranks.reads[i]])
    const k = staleness.k[i]
    reads[b] += 1
    if (k > 0) stale[b] += 1
    sumK[b] += k
    if (k > maxK[b]) maxK[b] = k
  }

  // Active nemeses per bucket: +1 where a period starts, -1 after it ends, summed along.
  const names = [...new Set(periods.map((p) => p.nemesis))]
  const active = new Int32Array((buckets + 1) * names.length)
  for (const p of periods) {
    const from = bucketOf(p.startMs * 1000)
    const to = bucketOf(Math.max(p.startMs, p.stopMs - 1e-3) * 1000)
    if (p.stopMs * 1000 < origin * 1e6 || p.startMs * 1000 > (origin + buckets * bucketS) * 1e6) continue
    const n = names.indexOf(p.nemesis)
    active[from * names.length + n] += 1
    active[(to + 1) * names.length + n] -= 1
  }
  for (let b = 1; b <= buckets; b++)
    for (let n = 0; n < names.length; n++) active[b * names.length + n] += active[(b - 1) * names.length + n]

  const rows: TimeseriesRow[] = []
  for (let b = 0; b < buckets; b++) {
    const slice = latencies.subarray(starts[b], starts[b + 1])
    const [p50, p90, p99, max] = selectNearestRanks(slice, QUANTILES).map((us) => (us === null ? null : us / 1000))
    rows.push({
      second: origin + b * bucketS,
      ops: slice.length,
      ok: counts[b * 3],
      fail: counts[b * 3 + 1],
      info: counts[b * 3 + 2],
      p50Ms: p50,
      p90Ms: p90,
      p99Ms: p99,
      maxMs: max,
      reads: reads[b],
      staleReads: stale[b],
      staleFraction: reads[b] > 0 ? stale[b] / reads[b] : null,
      meanK: reads[b] > 0 ? sumK[b] / reads[b] : null,
      maxK: reads[b] > 0 ? maxK[b] : null,
      perNode: Array.from(perNode.subarray(b * nodes, (b + 1) * nodes)),
      nemeses: names.filter((_, n) => active[b * names.length + n] > 0).join('+'),
    })
  }
  return { bucketS, rows }
}
