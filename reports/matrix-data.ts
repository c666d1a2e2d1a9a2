/**
 * The scenario matrix's data contract: the plan the harness records (axes, cells, the runs
 * each cell made and how they ended) and what the reports add to it from every run's
 * summary.json (each run's measures and checks, each cell's mean and min–max over its
 * repeats, the statuses). `matrix.json` holds it; the terminal table, `matrix.csv` and
 * the page (html/matrix-app.js, type-checked against these types) read it.
 */
import type { CheckKind, CheckStatus, ExitCode } from '../common/contracts/checker.ts'
import { MATRIX_MEASURES, measureInfos, type MeasureInfo } from './matrix-measures.ts'
import type { RunSummary } from './summary.ts'

/** The file that makes a folder a matrix folder. */
export const MATRIX_FILE = 'matrix.json'

/** One varied flag: `--vary r=1,2,3` is `{ name: 'r', flag: '--r', values: ['1', '2', '3'] }`. */
export type MatrixAxis = { name: string; flag: string; values: string[] }

/** A flag and its value as the user would type it: `{ flag: '--time', value: '30' }`. */
export type MatrixSetting = { flag: string; value: string }

/** `done`: the run went through its stages; `failed`: it stopped on an error; `interrupted`: Ctrl-C. */
export type MatrixRunState = 'done' | 'failed' | 'interrupted'

export type MatrixRunPlan = {
  /** 1-based. */
  repeat: number
  seed: number
  /** The run folder, relative to the matrix folder; null when the run never got one. */
  folder: string | null
  state: MatrixRunState
  /** Why the run failed. */
  error: string | null
}

export type MatrixCellPlan = {
  /** `c01`, `c02`... in the order the cross product gives. */
  id: string
  /** The cell's value of every axis, as typed. */
  config: Record<string, string>
  /** Every workload flag of the cell with its value, the varied ones first. */
  settings: MatrixSetting[]
  runs: MatrixRunPlan[]
}

/** What the harness records of a matrix. */
export type MatrixPlan = {
  /** The matrix folder's name. */
  name: string
  startedAt: string
  finishedAt: string | null
  /** The command line, as typed. */
  command: string
  /** Repeat k of every cell runs with seed + k − 1. */
  seed: number
  repeat: number
  axes: MatrixAxis[]
  /** Flags every cell shares (not varied); `explicit` when typed rather than defaulted. */
  fixed: (MatrixSetting & { explicit: boolean })[]
  /** The distinct measured run lengths (s), warm-ups (s) and offered rates (ops/s; 0: closed loop) of the cells. */
  timeS: number[]
  warmupS: number[]
  rate: number[]
  cells: MatrixCellPlan[]
  /** Cells of the cross product that were not run because their flags are invalid together (`--skip-invalid`). */
  skipped: { config: Record<string, string>; reason: string }[]
  /** Ctrl-C stopped the matrix before every run was made. */
  interrupted: boolean
}

/**
 * How a run ended: `passed`, `violated` and `incomplete` are its report's exit code 0, 1
 * and 2; `failed`: it could not run (its error says why); `interrupted`: Ctrl-C.
 */
export type MatrixRunStatus = 'passed' | 'violated' | 'incomplete' | 'failed' | 'interrupted'

/** A cell's status: the most telling of its runs' (`violated` first), or `not-run`. */
export type MatrixCellStatus = MatrixRunStatus | 'not-run'

/** One check of one run, as its verdict judged it. */
export type MatrixRunCheck = { status: CheckStatus; promised: boolean; violations: number }

export type MatrixRun = MatrixRunPlan & {
  status: MatrixRunStatus
  exitCode: ExitCode | null
  /** The run's verdict in one sentence, or why there is none (its error, or no summary). */
  verdict: string
  /** The run's report page, relative to the matrix folder; null without one. */
  report: string | null
  /** Measure id -> value; null where the run had nothing to measure. */
  measures: Record<string, number | null>
  /** Check name -> result; every check the run's summary has, guarantees and models alike. */
  checks: Record<string, MatrixRunCheck>
}

/** A measure over a cell's complete runs: their mean, min and max, and how many there were. */
export type Spread = { mean: number; min: number; max: number; runs: number }

/** One check over a cell's runs: the most telling status, and how many runs had each. */
export type MatrixCellCheck = { status: CheckStatus; promised: boolean; counts: Partial<Record<CheckStatus, number>> }

export type MatrixCell = Omit<MatrixCellPlan, 'runs'> & {
  status: MatrixCellStatus
  runs: MatrixRun[]
  /** Measure id -> spread over the complete runs (passed, violated, incomplete); null without a value. */
  measures: Record<string, Spread | null>
  checks: Record<string, MatrixCellCheck>
}

/** `matrix.json`, and what the page draws. */
export type MatrixData = Omit<MatrixPlan, 'cells'> & {
  format: 1
  generatedAt: string
  /** 0: every run passed; 1: a run violated a promised check; 2: a run incomplete, failed, interrupted or not made. */
  exitCode: ExitCode
  measures: MeasureInfo[]
  /** Every check any run reported, in the order first seen. */
  checks: { name: string; kind: CheckKind }[]
  cells: MatrixCell[]
}

/** Most telling first: a violation found beats a run that could not run, which beats a clean pass. */
const RUN_STATUS_ORDER: MatrixRunStatus[] = ['violated', 'failed', 'interrupted', 'incomplete', 'passed']
const CHECK_STATUS_ORDER: CheckStatus[] = ['violated', 'anomaly', 'unknown', 'ok']
/** Runs whose figures count towards a cell's spread. */
const COMPLETE: MatrixRunStatus[] = ['passed', 'violated', 'incomplete']

const RUN_STATUS_OF_EXIT: Record<ExitCode, MatrixRunStatus> = { 0: 'passed', 1: 'violated', 2: 'incomplete' }

function runData(run: MatrixRunPlan, summary: RunSummary | undefined): MatrixRun {
  const status: MatrixRunStatus =
    run.state === 'failed'
      ? 'failed'
      : run.state === 'interrupted'
        ? 'interrupted'
        : summary
          ? RUN_STATUS_OF_EXIT[summary.exitCode]
          : 'failed'
  const verdict = summary
    ? summary.verdict.reason
    : (run.error ?? (run.folder ? `no summary.json in ${run.folder}` : 'the run never started'))
  return {
    ...run,
    status,
    exitCode: summary?.exitCode ?? null,
    verdict,
    report: summary && run.folder ? `${run.folder}/index.html` : null,
    measures: Object.fromEntries(MATRIX_MEASURES.map((m) => [m.id, summary ? m.of(summary) : null])),
    checks: Object.fromEntries(
      (summary?.verdict.checks ?? []).map((c) => [c.name, { status: c.status, promised: c.promised, violations: c.violations }]),
    ),
  }
}

/** Mean, min and max of the values that exist; null when none does. */
export function spreadOf(values: (number | null)[]): Spread | null {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v))
  if (present.length === 0) return null
  return {
    mean: present.reduce((a, b) => a + b, 0) / present.length,
    min: Math.min(...present),
    max: Math.max(...present),
    runs: present.length,
  }
}

function cellChecks(runs: MatrixRun[]): Record<string, MatrixCellCheck> {
  const checks: Record<string, MatrixCellCheck> = {}
  for (const run of runs) {
    for (const [name, check] of Object.entries(run.checks)) {
      checks[name] ??= { status: check.status, promised: check.promised, counts: {} }
      const cell = checks[name]
      cell.counts[check.status] = (cell.counts[check.status] ?? 0) + 1
      cell.promised ||= check.promised
      if (CHECK_STATUS_ORDER.indexOf(check.status) < CHECK_STATUS_ORDER.indexOf(cell.status)) cell.status = check.status
    }
  }
  return checks
}

function cellData(cell: MatrixCellPlan, summaries: ReadonlyMap<string, RunSummary>): MatrixCell {
  const runs = cell.runs.map((run) => runData(run, run.folder ? summaries.get(run.folder) : undefined))
  const complete = runs.filter((r) => COMPLETE.includes(r.status))
  const status = runs.length === 0 ? 'not-run' : RUN_STATUS_ORDER.find((s) => runs.some((r) => r.status === s))!
  return {
    ...cell,
    status,
    runs,
    measures: Object.fromEntries(MATRIX_MEASURES.map((m) => [m.id, spreadOf(complete.map((r) => r.measures[m.id]))])),
    checks: cellChecks(runs),
  }
}

/** Every check name any run reported, first seen first, with its kind. */
function checksOf(summaries: Iterable<RunSummary>): MatrixData['checks'] {
  const seen = new Map<string, CheckKind>()
  for (const summary of summaries) for (const c of summary.verdict.checks) if (!seen.has(c.name)) seen.set(c.name, c.kind)
  return [...seen].map(([name, kind]) => ({ name, kind }))
}

/**
 * The matrix data from the plan and the summaries of its runs (`summaries` maps a run
 * folder to its summary; a run without one is `failed` unless interrupted).
 */
export function buildMatrixData(plan: MatrixPlan, summaries: ReadonlyMap<string, RunSummary>): MatrixData {
  const cells = plan.cells.map((cell) => cellData(cell, summaries))
  const ordered = plan.cells.flatMap((c) => c.runs.flatMap((r) => (r.folder && summaries.get(r.folder)) || []))
  const statuses = cells.map((c) => c.status)
  const exitCode: ExitCode = statuses.includes('violated') ? 1 : plan.interrupted || statuses.some((s) => s !== 'passed') ? 2 : 0
  return {
    ...plan,
    format: 1,
    generatedAt: new Date().toISOString(),
    exitCode,
    measures: measureInfos(),
    checks: checksOf(ordered),
    cells,
  }
}

/** The plan back out of matrix data (what `quorumlab report MATRIX_DIR` rebuilds from). */
export function planOf(data: MatrixData): MatrixPlan {
  const { format: _f, generatedAt: _g, exitCode: _e, measures: _m, checks: _c, cells, ...plan } = data
  return {
    ...plan,
    cells: cells.map(({ id, config, settings, runs }) => ({
      id,
      config,
      settings,
      runs: runs.map(({ repeat, seed, folder, state, error }) => ({ repeat, seed, folder, state, error })),
    })),
  }
}
