/**
 * The scenario matrix's `index.html`: the cells side by side, one row per run, with bars
 * comparing each column across rows (the longer, the worse). Self-contained and, like the
 * runs server's pages, script-free under the shared page shell's Content-Security-Policy.
 */
import { html } from 'hono/html'
import { ms, num, pct } from '../format.ts'
import type { MatrixRow } from '../matrix-rows.ts'
import { htmlPage } from './page-shell.ts'

type Metric = {
  id: keyof MatrixRow
  label: string
  format: (value: number) => string
  /** Which end is worse: bars grow towards it (red). */
  worse: 'high' | 'low'
}

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

const STYLE = `body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d1d1f; }
table { border-collapse: collapse; }
th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
td { position: relative; }
.bar { position: absolute; left: 0; top: 20%; height: 60%; background: #f3b8b8; z-index: 0; }
.v { position: relative; z-index: 1; }
.none { color: #999; }
.ok { color: #1a7f37; } .violated { color: #c62828; font-weight: 600; } .incomplete { color: #b26a00; }`

export async function renderMatrixPage(rows: MatrixRow[]): Promise<string> {
  const max = new Map(METRICS.map((m) => [m.id, Math.max(0, ...rows.map((r) => (r[m.id] as number | null) ?? 0))]))
  const cell = (row: MatrixRow, m: Metric) => {
    const value = row[m.id] as number | null
    if (value === null) return html`<td class="none">–</td>`
    const top = max.get(m.id) || 1
    const share = m.worse === 'high' ? value / top : 1 - value
    const width = Math.max(0, Math.min(100, share * 100)).toFixed(1)
    return html`<td><span class="bar" style="width:${width}%"></span><span class="v">${m.format(value)}</span></td>`
  }
  const body = html`<h1>Scenario matrix</h1>
<p>Each row is one run (workload x nemesis). Bars compare a column across rows: the longer, the worse.
Staleness and t-visibility are over the measured phases (warmup, fault, heal; the final reads after the heal are left out);
ops, ok rates and latencies are over the whole run, latency measured from the intended send time (ok ops).</p>
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
</table>`
  return String(await htmlPage({ title: 'quorumlab scenario matrix', style: STYLE, body }))
}
