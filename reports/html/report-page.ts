/**
 * Renders `index.html`: one self-contained file that opens with no network (page-script.ts).
 * uPlot, its CSS and the page script (the timeline drawing joined with the report's script)
 * are inlined; the report data sits in a JSON script block, and the page script renders it
 * with textContent only, so a stored value is always shown as text. The Content-Security-
 * Policy allows exactly the two inline scripts (by hash) and no network at all.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { RunSummary } from '../summary.ts'
import type { ChartData } from './chart-data.ts'
import { joinPageModules, scriptPage } from './page-script.ts'

export type ReportPageData = { summary: RunSummary; charts: ChartData }

type Assets = { uplot: string; uplotCss: string; app: string; css: string }
let assets: Promise<Assets> | undefined

function loadAssets(): Promise<Assets> {
  const read = (url: string | URL): Promise<string> => readFile(typeof url === 'string' ? fileURLToPath(url) : url, 'utf8')
  assets ??= Promise.all([
    read(import.meta.resolve('uplot/dist/uPlot.iife.min.js')),
    read(import.meta.resolve('uplot/dist/uPlot.min.css')),
    joinPageModules(['timeline.js', 'report-app.js']),
    read(new URL('./report.css', import.meta.url)),
  ]).then(([uplot, uplotCss, app, css]) => {
    // Inlined script text must not be able to end its own <script> element.
    if (/<\/script|<!--/i.test(uplot)) throw new Error('uPlot cannot be inlined: it contains </script or <!--')
    return { uplot, uplotCss, app, css }
  })
  return assets
}

export async function renderReportPage(data: ReportPageData): Promise<string> {
  const { uplot, uplotCss, app, css } = await loadAssets()
  return scriptPage({
    title: 'quorumlab report',
    style: `${uplotCss}\n${css}`,
    dataId: 'report-data',
    data,
    scripts: [
      { code: uplot, module: false },
      { code: app, module: true },
    ],
  })
}
