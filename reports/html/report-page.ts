/**
 * Renders `index.html`: one self-contained file that opens with no network. uPlot, its
 * CSS and the page script are inlined; the report data sits in a JSON script block with
 * every `<` escaped, and the page script renders it with textContent only, so a stored
 * value is always shown as text. A Content-Security-Policy allows exactly the two inline
 * scripts (by hash) and no network at all.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { RunSummary } from '../summary.ts'
import type { ChartData } from './chart-data.ts'

export type ReportPageData = { summary: RunSummary; charts: ChartData }

type Assets = { uplot: string; uplotCss: string; app: string; css: string }
let assets: Promise<Assets> | undefined

function loadAssets(): Promise<Assets> {
  const read = (url: string | URL): Promise<string> => readFile(typeof url === 'string' ? fileURLToPath(url) : url, 'utf8')
  assets ??= Promise.all([
    read(import.meta.resolve('uplot/dist/uPlot.iife.min.js')),
    read(import.meta.resolve('uplot/dist/uPlot.min.css')),
    read(new URL('./report-app.js', import.meta.url)),
    read(new URL('./report.css', import.meta.url)),
  ]).then(([uplot, uplotCss, app, css]) => {
    for (const [name, code] of [
      ['uPlot', uplot],
      ['report-app.js', app],
    ] as const) {
      // Inlined script text must not be able to end its own <script> element.
      if (/<\/script|<!--/i.test(code)) throw new Error(`${name} cannot be inlined: it contains </script or <!--`)
    }
    return { uplot, uplotCss, app, css }
  })
  return assets
}

/** JSON that is safe as the text of a <script> element (and stays valid JSON). */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`

export async function renderReportPage(data: ReportPageData): Promise<string> {
  const { uplot, uplotCss, app, css } = await loadAssets()
  const csp = ["default-src 'none'", `script-src ${sha256(uplot)} ${sha256(app)}`, "style-src 'unsafe-inline'", 'img-src data:'].join('; ')
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>quorumlab report</title>',
    '<link rel="icon" href="data:,">',
    `<style>${uplotCss}\n${css}</style>`,
    '</head>',
    '<body>',
    '<main id="app"></main>',
    `<script type="application/json" id="report-data">${scriptSafeJson(data)}</script>`,
    `<script>${uplot}</script>`,
    // A module script: its top-level names stay out of the page's globals, and it runs after uPlot's.
    `<script type="module">${app}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n')
}
