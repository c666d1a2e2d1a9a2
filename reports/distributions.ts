/** Distributions over reads: k-staleness and sibling counts, as summaries and histograms. */
import type { ReadRanks } from './coverage.ts'
import { FINAL, GET, MEASURED_PHASES, OK, PHASES, type OpTable } from './op-table.ts'
import type { StalenessResult } from './staleness.ts'
import type { Phase } from '../common/contracts/history.ts'

/** Counts of the integers from `from` to `to`, both included. */
export type HistogramBin = { from: number; to: number; count: number }

/**
 * Exact bins (one per integer) up to `exactUpTo`, then bins doubling in width, so any
 * range of values gives a few dozen bins at most.
 */
function integerHistogram(values: ArrayLike<number>, exactUpTo = 100): HistogramBin[] {
  let max = -1
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i]
  if (max < 0) return []
  const bins: HistogramBin[] = []
  for (let v = 0; v <= Math.min(max, exactUpTo); v++) bins.push({ from: v, to: v, count: 0 })
  for (let from = exactUpTo + 1, width = exactUpTo + 1; from <= max; from += width, width *= 2)
    bins.push({ from, to: from + width - 1, count: 0 })
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v < 0) continue
    if (v <= exactUpTo) bins[v].count += 1
    else {
      let b = exactUpTo + 1
      while (bins[b].to < v) b++
      bins[b].count += 1
    }
  }
  return bins
}

/** The nearest-rank q-quantile (0 < q <= 1) of ascending `sorted`; null when it is empty. */
export function nearestRank(sorted: ArrayLike<number>, q: number): number | null {
  return sorted.length === 0 ? null : sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]
}

/**
 * What {@link nearestRank} gives of `values` sorted, found without sorting them (expected
 * O(n): a quickselect, ~10x faster than sorting 1M latencies); `values` is reordered. With a
 * NaN or -0 among them (which comparisons do not order as `sort` does) they are sorted.
 */
export function selectNearestRank(values: Float64Array, q: number): number | null {
  return selectNearestRanks(values, [q])[0]
}

/** {@link selectNearestRank} of each of `qs` (ascending), one selection narrowing the next. */
export function selectNearestRanks(values: Float64Array, qs: readonly number[]): (number | null)[] {
  const n = values.length
  if (n === 0) return qs.map(() => null)
  for (let i = 0; i < n; i++) {
    const v = values[i]
    if (Number.isNaN(v) || Object.is(v, -0)) {
      values.sort()
      return qs.map((q) => nearestRank(values, q))
    }
  }
  let from = 0
  return qs.map((q) => {
    const k = Math.max(0, Math.ceil(q * n) - 1)
    const value = select(values, from, n - 1, k)
    // values[0..k] are at most values[k] now, and the rest at least it: the next rank is among the rest.
    from = k
    return value
  })
}

/** Reorders values[lo..hi] so that the value of sorted rank k (lo <= k <= hi) is at k, smaller ones before it and larger ones after; returns it. */
function select(values: Float64Array, lo: number, hi: number, k: number): number {
  while (lo < hi) {
    const pivot = medianOfThree(values[lo], values[(lo + hi) >>> 1], values[hi])
    let i = lo
    let j = hi
    while (i <= j) {
      while (values[i] < pivot) i++
      while (values[j] > pivot) j--
      if (i <= j) {
        const t = values[i]
        values[i++] = values[j]
        values[j--] = t
      }
    }
    // values[lo..j] <= pivot <= values[i..hi], and every value between j and i equals the pivot.
    if (k <= j) hi = j
    else if (k >= i) lo = i
    else return values[k]
  }
  return values[k]
}

const medianOfThree = (a: number, b: number, c: number): number => Math.max(Math.min(a, b), Math.min(Math.max(a, b), c))

/** Headline figures over the reads of {@link MEASURED_PHASES}; `byPhase` has every phase. */
export type StalenessSummary = {
  /** The phases the headline figures (reads to histogram) cover. */
  phases: readonly Phase[]
  /** ok reads with a context (the reads staleness is defined for). */
  reads: number
  /** ok reads whose context was missing or could not be decoded (not analysed). */
  readsWithoutContext: number
  staleReads: number
  staleFraction: number | null
  meanK: number | null
  p50K: number | null
  p99K: number | null
  maxK: number | null
  /** Every phase with reads, `final` included. */
  byPhase: { phase: Phase; reads: number; staleReads: number; staleFraction: number | null; meanK: number | null }[]
  histogram: HistogramBin[]
}

export function summariseStaleness(table: OpTable, ranks: ReadRanks, staleness: StalenessResult): StalenessSummary {
  let okReads = 0
  for (let r = 0; r < table.length; r++) if (table.f[r] === GET && table.type[r] === OK && table.phase[r] !== FINAL) okReads++
  const perPhase = PHASES.map(() => ({ reads: 0, stale: 0, sumK: 0 }))
  const measured = new Int32Array(ranks.reads.length)
  let count = 0
  for (let i = 0; i < ranks.reads.length; i++) {
    const k = staleness.k[i]
    const phase = table.phase[ranks.reads[i]]
    const p = perPhase[phase]
    p.reads += 1
    p.sumK += k
    if (k > 0) p.stale += 1
    if (phase !== FINAL) measured[count++] = k
  }
  const ks = measured.subarray(0, count)
  let stale = 0
  let sumK = 0
  for (const k of ks) {
    if (k > 0) stale += 1
    sumK += k
  }
  const sorted = ks.slice().sort()
  return {
    phases: MEASURED_PHASES,
    reads: count,
    readsWithoutContext: okReads - count,
    staleReads: stale,
    staleFraction: count > 0 ? stale / count : null,
    meanK: count > 0 ? sumK / count : null,
    p50K: nearestRank(sorted, 0.5),
    p99K: nearestRank(sorted, 0.99),
    maxK: nearestRank(sorted, 1),
    byPhase: PHASES.map((phase, i) => ({
      phase,
      reads: perPhase[i].reads,
      staleReads: perPhase[i].stale,
      staleFraction: perPhase[i].reads > 0 ? perPhase[i].stale / perPhase[i].reads : null,
      meanK: perPhase[i].reads > 0 ? perPhase[i].sumK / perPhase[i].reads : null,
    })).filter((p) => p.reads > 0),
    histogram: integerHistogram(ks),
  }
}

export type SiblingSummary = {
  /** ok reads. */
  reads: number
  /** Reads returning two or more values (concurrent writes kept as siblings). */
  readsWithSiblings: number
  mean: number | null
  max: number | null
  histogram: HistogramBin[]
}

export function summariseSiblings(table: OpTable): SiblingSummary {
  const counts: number[] = []
  for (let r = 0; r < table.length; r++) if (table.f[r] === GET && table.type[r] === OK) counts.push(table.siblings[r])
  let sum = 0
  let max = 0
  let multi = 0
  for (const c of counts) {
    sum += c
    if (c > max) max = c
    if (c >= 2) multi++
  }
  return {
    reads: counts.length,
    readsWithSiblings: multi,
    mean: counts.length > 0 ? sum / counts.length : null,
    max: counts.length > 0 ? max : null,
    histogram: integerHistogram(counts),
  }
}
