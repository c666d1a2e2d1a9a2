/**
 * The data behind the HTML report's charts, prepared from an analysis. Per-second series,
 * histograms and curves are small whatever the run's size; the one per-op chart (latency
 * of every op) is thinned to at most one point per outcome per screen cell (a grid over
 * time and log latency), which draws the same picture with a bounded number of points.
 * Only what is drawn is thinned: every number the report states comes from all ops.
 */
import type { Analysis } from '../analysis.ts'
import type { HistogramBin } from '../distributions.ts'
import { FINAL, OUTCOMES } from '../op-table.ts'

export type ChartData = {
  /** Fault periods, s since the run started. */
  periods: { nemesis: string; startS: number; stopS: number }[]
  /** The final reads (after the heal and convergence), s since the run started; null without any. */
  final: { startS: number; stopS: number } | null
  /** Latency (invoke to complete) of ops, thinned; sorted by time. */
  scatter: { total: number; drawn: number; x: number[]; ok: (number | null)[]; fail: (number | null)[]; info: (number | null)[] }
  /** Per-second series, aligned on `second`. */
  series: {
    second: number[]
    ok: number[]
    fail: number[]
    info: number[]
    p50: (number | null)[]
    p90: (number | null)[]
    p99: (number | null)[]
    max: (number | null)[]
    staleFraction: (number | null)[]
    meanK: (number | null)[]
    /** perNode[n][i]: ops sent to node n in second i. */
    perNode: number[][]
  }
  nodes: string[]
  /** Requests sent to and coordinated by each node, over the whole run. */
  load: { node: string; sent: number; coordinated: number; ok: number; fail: number; info: number }[]
  visibility: { fromMs: number; toMs: number | null; reads: number; probability: number | null }[]
  kHistogram: HistogramBin[]
  siblingHistogram: HistogramBin[]
}

export type ChartDataOptions = {
  /** Grid of the thinned scatter: time columns and log-latency rows. */
  columns?: number
  rows?: number
}

export function buildChartData(analysis: Analysis, options: ChartDataOptions = {}): ChartData {
  const { table } = analysis
  const columns = options.columns ?? 1200
  const rows = options.rows ?? 160
  const series = analysis.timeseries.rows
  return {
    periods: analysis.periods.map((p) => ({ nemesis: p.nemesis, startS: p.startMs / 1000, stopS: p.stopMs / 1000 })),
    final: finalWindow(table),
    scatter: thinScatter(analysis, columns, rows),
    series: {
      second: series.map((r) => r.second),
      ok: series.map((r) => r.ok),
      fail: series.map((r) => r.fail),
      info: series.map((r) => r.info),
      p50: series.map((r) => r.p50Ms),
      p90: series.map((r) => r.p90Ms),
      p99: series.map((r) => r.p99Ms),
      max: series.map((r) => r.maxMs),
      staleFraction: series.map((r) => r.staleFraction),
      meanK: series.map((r) => r.meanK),
      perNode: table.nodes.names.map((_, n) => series.map((r) => r.perNode[n] ?? 0)),
    },
    nodes: table.nodes.names,
    load: nodeLoad(analysis),
    visibility: analysis.visibility.buckets.map((b) => ({ fromMs: b.fromMs, toMs: b.toMs, reads: b.reads, probability: b.probability })),
    kHistogram: analysis.stalenessSummary.histogram,
    siblingHistogram: analysis.siblings.histogram,
  }
}

/** Smallest latency drawn, ms (a log scale has no zero). */
const FLOOR_MS = 0.001

function thinScatter(analysis: Analysis, columns: number, rows: number): ChartData['scatter'] {
  const { table } = analysis
  let t0 = Number.POSITIVE_INFINITY
  let t1 = Number.NEGATIVE_INFINITY
  // The log of the extreme latencies: the log scale is monotonic, so only two logs are taken here.
  let shortest = Number.POSITIVE_INFINITY
  let longest = Number.NEGATIVE_INFINITY
  for (let r = 0; r < table.length; r++) {
    const t = table.invoke[r]
    const latency = table.complete[r] - t
    if (t < t0) t0 = t
    if (t > t1) t1 = t
    if (latency < shortest) shortest = latency
    if (latency > longest) longest = latency
  }
  const l0 = table.length === 0 ? Number.POSITIVE_INFINITY : Math.log10(Math.max(FLOOR_MS, shortest / 1000))
  const l1 = table.length === 0 ? Number.NEGATIVE_INFINITY : Math.log10(Math.max(FLOOR_MS, longest / 1000))
  const spanT = Math.max(1, t1 - t0)
  const spanL = Math.max(1e-9, l1 - l0)
  const taken = new Uint8Array(columns * rows * OUTCOMES.length)
  const kept: number[] = []
  for (let r = 0; r < table.length; r++) {
    const t = table.invoke[r]
    const l = Math.log10(Math.max(FLOOR_MS, (table.complete[r] - t) / 1000))
    const cx = Math.min(columns - 1, Math.floor(((t - t0) / spanT) * columns))
    const cy = Math.min(rows - 1, Math.floor(((l - l0) / spanL) * rows))
    const cell = (cx * rows + cy) * OUTCOMES.length + table.type[r]
    if (taken[cell]) continue
    taken[cell] = 1
    kept.push(r)
  }
  kept.sort((a, b) => table.invoke[a] - table.invoke[b])
  const x: number[] = []
  const ys: (number | null)[][] = [[], [], []]
  for (const r of kept) {
    x.push(round(table.invoke[r] / 1e6, 6))
    const ms = round(Math.max(FLOOR_MS, (table.complete[r] - table.invoke[r]) / 1000), 3)
    for (let o = 0; o < 3; o++) ys[o].push(table.type[r] === o ? ms : null)
  }
  return { total: table.length, drawn: kept.length, x, ok: ys[0], fail: ys[1], info: ys[2] }
}

function finalWindow(table: Analysis['table']): ChartData['final'] {
  let start = Number.POSITIVE_INFINITY
  let stop = Number.NEGATIVE_INFINITY
  for (let r = 0; r < table.length; r++) {
    if (table.phase[r] !== FINAL) continue
    if (table.invoke[r] < start) start = table.invoke[r]
    if (table.complete[r] > stop) stop = table.complete[r]
  }
  return start > stop ? null : { startS: round(start / 1e6, 6), stopS: round(stop / 1e6, 6) }
}

function nodeLoad(analysis: Analysis): ChartData['load'] {
  const { table } = analysis
  const load = table.nodes.names.map((node) => ({ node, sent: 0, coordinated: 0, ok: 0, fail: 0, info: 0 }))
  for (let r = 0; r < table.length; r++) {
    const entry = load[table.node[r]]
    entry.sent += 1
    if (table.type[r] === 0) entry.ok += 1
    else if (table.type[r] === 1) entry.fail += 1
    else entry.info += 1
    if (table.coordinator[r] >= 0) load[table.coordinator[r]].coordinated += 1
  }
  return load
}

const round = (value: number, digits: number): number => {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
