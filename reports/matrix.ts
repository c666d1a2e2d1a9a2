/**
 * The scenario matrix summary: one row per cell (workload x nemesis) out of each cell's
 * summary.json (matrix-rows.ts), written as `matrix.csv` and as a self-contained
 * `index.html` (html/matrix-page.ts) that puts the cells side by side (staleness, latency
 * percentiles, availability, lost writes).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import csvWriter from 'csv-writer/dist/index.js'
import { renderMatrixPage } from './html/matrix-page.ts'
import { MATRIX_COLUMNS, matrixRow, type MatrixCell, type MatrixRow } from './matrix-rows.ts'

/** Writes matrix.csv and index.html into `dir`; returns the rows. */
export async function writeMatrix(dir: string, cells: MatrixCell[]): Promise<MatrixRow[]> {
  const rows = cells.map(matrixRow)
  const csv = csvWriter.createObjectCsvWriter({ path: join(dir, 'matrix.csv'), header: MATRIX_COLUMNS })
  await csv.writeRecords(rows.map((r) => Object.fromEntries(MATRIX_COLUMNS.map(({ id }) => [id, r[id] ?? '']))))
  await writeFile(join(dir, 'index.html'), await renderMatrixPage(rows))
  return rows
}
