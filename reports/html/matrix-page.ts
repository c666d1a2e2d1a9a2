/**
 * Renders a scenario matrix's `index.html`: the self-contained page (script-page.ts) with
 * the matrix data (matrix-data.ts), drawn by matrix-app.js: the cells side by side with
 * every check's verdict and every measure (mean and min–max over repeats), and small
 * multiples of a measure against an axis the reader picks.
 */
import type { MatrixData } from '../matrix-data.ts'
import { renderScriptPage } from './script-page.ts'

export function renderMatrixPage(data: MatrixData): Promise<string> {
  return renderScriptPage({
    title: `quorumlab matrix ${data.name}`,
    styles: ['report.css', 'matrix.css'],
    app: ['matrix-app.js'],
    dataId: 'matrix-data',
    data,
  })
}
