/**
 * The scenario matrix's outputs, written into the matrix folder from the plan the harness
 * recorded and the summaries of its runs: `matrix.json` (matrix-data.ts), `matrix.csv`
 * (matrix-csv.ts) and `index.html` (html/matrix-page.ts). `reportMatrix` rebuilds them
 * from a stored matrix folder, analysing every run again first (`quorumlab report DIR`).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { ExitCode } from '../common/contracts/checker.ts'
import { renderMatrixPage } from './html/matrix-page.ts'
import { MATRIX_CSV, writeMatrixCsv } from './matrix-csv.ts'
import { buildMatrixData, MATRIX_FILE, planOf, type MatrixData, type MatrixPlan } from './matrix-data.ts'
import { matrixTable } from './matrix-table.ts'
import { reportRunAtScale } from './report-process.ts'
import type { RunSummary } from './summary.ts'

/** Writes matrix.json, matrix.csv and index.html into `dir`; `summaries` maps a run folder (relative to `dir`) to its summary. */
export async function writeMatrix(dir: string, plan: MatrixPlan, summaries: ReadonlyMap<string, RunSummary>): Promise<MatrixData> {
  const data = buildMatrixData(plan, summaries)
  await writeFile(join(dir, MATRIX_FILE), `${JSON.stringify(data, null, 2)}\n`)
  await writeMatrixCsv(join(dir, MATRIX_CSV), data)
  await writeFile(join(dir, 'index.html'), await renderMatrixPage(data))
  return data
}

export type MatrixReport =
  | { kind: 'rebuilt'; exitCode: ExitCode; dir: string; data: MatrixData }
  | { kind: 'unreadable'; exitCode: 2; dir: string; reason: string }

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** The plan in a parsed matrix.json, or why it has none. */
function storedPlan(parsed: unknown): MatrixPlan | string {
  if (!isObject(parsed) || parsed.format !== 1) return 'not a matrix.json of format 1'
  if (!Array.isArray(parsed.cells) || !Array.isArray(parsed.axes)) return 'matrix.json has no cells or axes'
  for (const cell of parsed.cells) {
    if (!isObject(cell) || typeof cell.id !== 'string' || !isObject(cell.config) || !Array.isArray(cell.runs)) {
      return 'matrix.json has a cell without an id, config or runs'
    }
  }
  return planOf(parsed as MatrixData)
}

/**
 * Analyses every run of the matrix in `dir` again (its history.jsonl, as `reportRun`),
 * then rewrites matrix.json, matrix.csv and index.html and prints the comparison table
 * unless `quiet`. Never throws for a missing or broken matrix.json: exit 2 with a reason.
 */
export async function reportMatrix(
  dir: string,
  options: { quiet?: boolean; workers?: number; print?: (text: string) => void } = {},
): Promise<MatrixReport> {
  const print = options.quiet ? () => undefined : (options.print ?? ((text: string) => process.stdout.write(`${text}\n`)))
  const root = resolve(dir)
  let plan: MatrixPlan | string
  try {
    plan = storedPlan(JSON.parse(await readFile(join(root, MATRIX_FILE), 'utf8')))
  } catch (error) {
    plan = `cannot read ${MATRIX_FILE}: ${(error as Error).message}`
  }
  if (typeof plan === 'string') {
    print(`quorumlab report: ${root}: ${plan}`)
    return { kind: 'unreadable', exitCode: 2, dir: root, reason: plan }
  }
  const summaries = new Map<string, RunSummary>()
  for (const run of plan.cells.flatMap((c) => c.runs)) {
    if (!run.folder) continue
    const report = await reportRunAtScale(join(root, run.folder), { quiet: true, workers: options.workers })
    if (report.kind === 'analysed') summaries.set(run.folder, report.summary)
  }
  const data = await writeMatrix(root, plan, summaries)
  print([...matrixTable(data), `matrix: ${join(root, 'index.html')} and ${MATRIX_CSV}`].join('\n'))
  return { kind: 'rebuilt', exitCode: data.exitCode, dir: root, data }
}
