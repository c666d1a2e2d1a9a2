/**
 * `matrix.csv`: one row per run (`row` = `run`: its figures) and one per cell (`row` =
 * `cell`: the mean over its complete runs, with `_min` and `_max` columns for the spread),
 * the axes as columns, then the measures, then one column per check (`check_<name>`: the
 * run's status, or the cell's most telling one).
 */
import csvWriter from 'csv-writer/dist/index.js'
import type { MatrixCell, MatrixData, MatrixRun } from './matrix-data.ts'

type Column = { id: string; title: string }
type Row = Record<string, string | number>

export const MATRIX_CSV = 'matrix.csv'

/** The columns of a matrix's CSV file, in order. */
export function matrixCsvColumns(data: MatrixData): Column[] {
  const plain = (...ids: string[]): Column[] => ids.map((id) => ({ id, title: id }))
  return [
    ...plain('row', 'cell'),
    ...data.axes.map((a) => ({ id: `axis:${a.name}`, title: a.name })),
    ...plain('repeat', 'seed', 'status', 'exit_code', 'runs', 'run'),
    ...data.measures.flatMap((m) => plain(m.csv, `${m.csv}_min`, `${m.csv}_max`)),
    ...data.checks.map((c) => ({ id: `check:${c.name}`, title: `check_${c.name}` })),
    ...plain('error'),
  ]
}

const value = (v: number | null | undefined): string | number => (v === null || v === undefined ? '' : v)

function axesOf(data: MatrixData, cell: MatrixCell): Row {
  return Object.fromEntries(data.axes.map((a) => [`axis:${a.name}`, cell.config[a.name] ?? '']))
}

function runRow(data: MatrixData, cell: MatrixCell, run: MatrixRun): Row {
  return {
    row: 'run',
    cell: cell.id,
    ...axesOf(data, cell),
    repeat: run.repeat,
    seed: run.seed,
    status: run.status,
    exit_code: value(run.exitCode),
    runs: 1,
    run: run.folder ?? '',
    ...Object.fromEntries(data.measures.map((m) => [m.csv, value(run.measures[m.id])])),
    ...Object.fromEntries(data.checks.map((c) => [`check:${c.name}`, run.checks[c.name]?.status ?? ''])),
    error: run.error ?? '',
  }
}

function cellRow(data: MatrixData, cell: MatrixCell): Row {
  const complete = cell.runs.filter((r) => r.status === 'passed' || r.status === 'violated' || r.status === 'incomplete')
  return {
    row: 'cell',
    cell: cell.id,
    ...axesOf(data, cell),
    repeat: '',
    seed: '',
    status: cell.status,
    exit_code: '',
    runs: complete.length,
    run: '',
    ...Object.fromEntries(
      data.measures.flatMap((m) => {
        const spread = cell.measures[m.id]
        return [
          [m.csv, value(spread?.mean)],
          [`${m.csv}_min`, value(spread?.min)],
          [`${m.csv}_max`, value(spread?.max)],
        ]
      }),
    ),
    ...Object.fromEntries(data.checks.map((c) => [`check:${c.name}`, cell.checks[c.name]?.status ?? ''])),
    error: '',
  }
}

/** The rows of matrix.csv: each cell's runs, then the cell. */
export function matrixCsvRows(data: MatrixData): Row[] {
  return data.cells.flatMap((cell) => [...cell.runs.map((run) => runRow(data, cell, run)), cellRow(data, cell)])
}

export async function writeMatrixCsv(path: string, data: MatrixData): Promise<void> {
  const csv = csvWriter.createObjectCsvWriter({ path, header: matrixCsvColumns(data) })
  await csv.writeRecords(matrixCsvRows(data))
}
