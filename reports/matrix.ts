/**
 * The scenario matrix summary: one row per cell (workload x nemesis) out of each cell's
 * summary.json, written as `matrix.csv` and as a self-contained `index.html` that puts
 * the cells side by side (staleness, latency percentiles, availability, lost writes).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { html } from 'hono/html'
import csvWriter from 'csv-writer/dist/index.js'
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

/** One cell's figures; null where the run had nothing to measure. */
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
      workload, nemesis, run, exitCode: null, verdict: 'no summary (the run did not produce one)', ops: null, okRate: null,
      faultOkRate: null, staleFraction: null, meanK: null, p99K: null, p99VisibleAfterMs: null, readP50Ms: null,
      readP99Ms: null, writeP50Ms: null, writeP99Ms: null, lostWrites: null, convergenceMs: null,
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
    lostWrites: summary.lostWrites.checked ? summary.lostWrites.lost : null,
    convergenceMs: summary.convergence.ms,
  }
}

/** Writes matrix.csv and index.html into `dir`; returns the rows. */
export async function writeMatrix(dir: string, cells: MatrixCell[]): Promise<MatrixRow[]> {
  const rows = cells.map(matrixRow)
  const csv = csvWriter.createObjectCsvWriter({ path: join(dir, 'matrix.csv'), header: MATRIX_COLUMNS })
  await csv.writeRecords(rows.map((r) => Object.fromEntries(MATRIX_COLUMNS.map(({ id }) => [id, r[id] ?? '']))))
  await writeFile(join(dir, 'index.html'), await matrixPage(rows))
  return rows
}

type Metric = { id: keyof MatrixRow; label: string; format: (v: number) => string; /** Larger is worse (bars in red). */ worse: 'high' | 'low' }

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`
const ms = (v: number): string => `${v.toFixed(v < 10 ? 2 : 0)} ms`
const num = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2))

const METRICS: Metric[] = [
  { id: 'staleFraction', label: 'stale reads', format: pct, worse: 'high' },
  { id: 'meanK', label: 'mean k', format: num, worse: 'high' },
  { id: 'p99VisibleAfterMs', label: '99% visible after', format: ms, worse: 'high' },
  { id: 'readP50Ms', label: 'read p50', format: ms, worse: 'high' },
  { id: 'readP99Ms', label: 'read p99', format: ms, worse: 'high' },
  { id: 'writeP50Ms', label: 'write p50', format: ms, worse: 'high' },
  { id: 'writeP99Ms', label: 'write p99', format: ms, worse: 'high' },
  { id: 'okRate', label: 'ok (all)', format: pct, worse: 'low' },
  { id: 'faultOkRate', label: 'ok (during faults)', format: pct, worse: 'low' },
  { id: 'lostWrites', label: 'lost writes', format: num, worse: 'high' },
  { id: 'convergenceMs', label: 'convergence', format: ms, worse: 'high' },
]

async function matrixPage(rows: MatrixRow[]): Promise<string> {
  const max = new Map(METRICS.map((m) => [m.id, Math.max(0, ...rows.map((r) => (r[m.id] as number | null) ?? 0))]))
  const cell = (row: MatrixRow, m: Metric) => {
    const value = row[m.id] as number | null
    if (value === null) return html`<td class="none">–</td>`
    const top = max.get(m.id) || 1
    const share = m.worse === 'high' ? value / top : 1 - value
    const width = Math.max(0, Math.min(100, share * 100)).toFixed(1)
    return html`<td><span class="bar" style="width:${width}%"></span><span class="v">${m.format(value)}</span></td>`
  }
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>quorumlab scenario matrix</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d1d1f; }
  table { border-collapse: collapse; }
  th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
  th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
  td { position: relative; }
  .bar { position: absolute; left: 0; top: 20%; height: 60%; background: #f3b8b8; z-index: 0; }
  .v { position: relative; z-index: 1; }
  .none { color: #999; }
  .ok { color: #1a7f37; } .violated { color: #c62828; font-weight: 600; } .incomplete { color: #b26a00; }
  caption { text-align: left; margin-bottom: 8px; color: #555; }
</style>
</head>
<body>
<h1>Scenario matrix</h1>
<p>Each row is one run (workload x nemesis). Bars compare a column across rows: the longer, the worse.
Staleness and latencies are over the whole run; latency is measured from intended send time (ok ops).</p>
<table>
<thead><tr><th>workload</th><th>nemesis</th>${METRICS.map((m) => html`<th>${m.label}</th>`)}<th>verdict</th></tr></thead>
<tbody>
${rows.map(
  (row) => html`<tr>
<td>${row.workload}</td><td><a href="${row.run}/index.html">${row.nemesis}</a></td>
${METRICS.map((m) => cell(row, m))}
<td class="${row.exitCode === 0 ? 'ok' : row.exitCode === 1 ? 'violated' : 'incomplete'}">${row.verdict}</td>
</tr>`,
)}
</tbody>
</table>
</body>
</html>
`
  return String(await page)
}
