/**
 * The scenario matrix's data: one row of figures per cell (workload x nemesis), read from
 * the cell's summary.json, and the columns of matrix.csv. matrix.ts writes them;
 * html/matrix-page.ts draws them.
 */
import type { LatencyRow } from './latency.ts'
import type { RunSummary } from './summary.ts'

export type MatrixCell = {
  workload: string
  /** The cell's nemeses joined by '+', or `none`. */
  nemesis: string
  /** The cell's run folder, relative to the matrix folder. */
  run: string
  summary: RunSummary | undefined
}

/**
 * One cell's figures; null where the run had nothing to measure. Staleness and t-visibility
 * cover the measured phases (final reads left out); ops, ok rate and latencies cover the
 * whole run.
 */
export type MatrixRow = {
  workload: string
  nemesis: string
  run: string
  exitCode: number | null
  verdict: string
  ops: number | null
  okRate: number | null
  faultOkRate: number | null
  staleFraction: number | null
  meanK: number | null
  p99K: number | null
  p99VisibleAfterMs: number | null
  readP50Ms: number | null
  readP99Ms: number | null
  writeP50Ms: number | null
  writeP99Ms: number | null
  lostWrites: number | null
  convergenceMs: number | null
}

/** Columns of matrix.csv, in order, with what they mean (the README repeats them). */
export const MATRIX_COLUMNS: { id: keyof MatrixRow; title: string }[] = [
  { id: 'workload', title: 'workload' },
  { id: 'nemesis', title: 'nemesis' },
  { id: 'run', title: 'run' },
  { id: 'exitCode', title: 'exit_code' },
  { id: 'verdict', title: 'verdict' },
  { id: 'ops', title: 'ops' },
  { id: 'okRate', title: 'ok_rate' },
  { id: 'faultOkRate', title: 'fault_ok_rate' },
  { id: 'staleFraction', title: 'stale_fraction' },
  { id: 'meanK', title: 'mean_k' },
  { id: 'p99K', title: 'p99_k' },
  { id: 'p99VisibleAfterMs', title: 'p99_visible_after_ms' },
  { id: 'readP50Ms', title: 'read_p50_ms' },
  { id: 'readP99Ms', title: 'read_p99_ms' },
  { id: 'writeP50Ms', title: 'write_p50_ms' },
  { id: 'writeP99Ms', title: 'write_p99_ms' },
  { id: 'lostWrites', title: 'lost_writes' },
  { id: 'convergenceMs', title: 'convergence_ms' },
]

/** Latency of ok ops of one kind over the whole run, from intended time. */
const latencyOf = (rows: LatencyRow[], f: 'get' | 'put'): LatencyRow | undefined =>
  rows.find((r) => r.from === 'intended' && r.f === f && r.outcome === 'ok' && r.phase === 'all')

export function matrixRow({ workload, nemesis, run, summary }: MatrixCell): MatrixRow {
  if (!summary) {
    return {
      workload,
      nemesis,
      run,
      exitCode: null,
      verdict: 'no summary (the run did not produce one)',
      ops: null,
      okRate: null,
      faultOkRate: null,
      staleFraction: null,
      meanK: null,
      p99K: null,
      p99VisibleAfterMs: null,
      readP50Ms: null,
      readP99Ms: null,
      writeP50Ms: null,
      writeP99Ms: null,
      lostWrites: null,
      convergenceMs: null,
    }
  }
  const all = summary.availability.find((a) => a.phase === 'all')
  const fault = summary.availability.find((a) => a.phase === 'fault')
  const read = latencyOf(summary.latency, 'get')
  const write = latencyOf(summary.latency, 'put')
  return {
    workload,
    nemesis,
    run,
    exitCode: summary.exitCode,
    verdict: summary.verdict.reason,
    ops: all?.ops ?? 0,
    okRate: all?.okRate ?? null,
    faultOkRate: fault?.okRate ?? null,
    staleFraction: summary.staleness.staleFraction,
    meanK: summary.staleness.meanK,
    p99K: summary.staleness.p99K,
    p99VisibleAfterMs: summary.visibility.p99VisibleAfterMs,
    readP50Ms: read?.p50Ms ?? null,
    readP99Ms: read?.p99Ms ?? null,
    writeP50Ms: write?.p50Ms ?? null,
    writeP99Ms: write?.p99Ms ?? null,
    lostWrites: summary.lostWrites ? (summary.verdict.checks.find((c) => c.name === 'no-lost-writes')?.violations ?? null) : null,
    convergenceMs: summary.convergence.ms,
  }
}
