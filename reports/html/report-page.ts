/**
 * Renders a run's `index.html`: the self-contained report page (script-page.ts) with the
 * run's summary and chart data, drawn by report-app.js (with timeline.js for the failing windows).
 */
import type { RunSummary } from '../summary.ts'
import type { ChartData } from './chart-data.ts'
import { renderScriptPage } from './script-page.ts'

export type ReportPageData = { summary: RunSummary; charts: ChartData }

export function renderReportPage(data: ReportPageData): Promise<string> {
  return renderScriptPage({
    title: 'quorumlab report',
    styles: ['report.css'],
    app: ['timeline.js', 'report-app.js'],
    dataId: 'report-data',
    data,
  })
}
