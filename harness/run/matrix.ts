/**
 * The scenario matrix: every cell (one configuration of the varied flags) run `repeat`
 * times, each run in its own folder inside one matrix folder and analysed, with
 * `matrix.json`, `matrix.csv` and the comparison page rewritten after every run. Repeats
 * go round the cells (every cell once, then again), so an interrupted matrix has compared
 * every cell it could. A run that fails is recorded with its error and the matrix goes
 * on; Ctrl-C stops the running cell (which heals and cleans up as any run does), and the
 * page still shows what finished.
 */
import { mkdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import {
  reportRunAtScale,
  writeMatrix,
  type MatrixData,
  type MatrixPlan,
  type MatrixRunPlan,
  type MatrixSetting,
} from '../../reports/index.ts'
import type { RunSummary } from '../../reports/summary.ts'
import { repeatSeed, runFolderName } from './matrix-cells.ts'
import { stamp } from './run-folder.ts'
import { runWorkload, type RunHooks } from './run.ts'
import type { RunOptions } from './run-options.ts'

/** A cell ready to run: its axis values, every flag's value, and the run they describe. */
export type MatrixCellRun = { id: string; config: Record<string, string>; settings: MatrixSetting[]; options: RunOptions }

export type MatrixOptions = {
  cells: MatrixCellRun[]
  /** Runs per cell; repeat k runs with seed `seed + k − 1` (matrix-cells.ts). */
  repeat: number
  seed: number
  axes: MatrixPlan['axes']
  fixed: MatrixPlan['fixed']
  skipped: MatrixPlan['skipped']
  /** The command line, recorded for the page. */
  command: string
  /** Folder that receives the matrix folder. */
  out: string
  signal?: AbortSignal
  log?: (line: string) => void
}

export type MatrixResult = { dir: string; data: MatrixData; completed: boolean }

const distinct = (values: number[]): number[] => [...new Set(values)].sort((a, b) => a - b)

export async function runMatrix(options: MatrixOptions): Promise<MatrixResult> {
  const { cells, signal, log = () => {} } = options
  const started = new Date()
  const name = `matrix-${stamp(started)}`
  const dir = join(options.out, name)
  await mkdir(dir, { recursive: true })
  const plan: MatrixPlan = {
    name,
    startedAt: started.toISOString(),
    finishedAt: null,
    command: options.command,
    seed: options.seed,
    repeat: options.repeat,
    axes: options.axes,
    fixed: options.fixed,
    timeS: distinct(cells.map((c) => c.options.timeS)),
    warmupS: distinct(cells.map((c) => c.options.warmupS)),
    rate: distinct(cells.map((c) => c.options.rate)),
    cells: cells.map(({ id, config, settings }) => ({ id, config, settings, runs: [] })),
    skipped: options.skipped,
    interrupted: false,
  }
  const summaries = new Map<string, RunSummary>()
  const total = cells.length * options.repeat
  let made = 0
  for (let repeat = 1; repeat <= options.repeat; repeat++) {
    for (const [i, cell] of cells.entries()) {
      if (signal?.aborted) break
      const seed = repeatSeed(options.seed, repeat)
      const config = Object.entries(cell.config).map(([k, v]) => `${k}=${v}`)
      log(`run ${++made}/${total}: ${cell.id} ${config.join(' ')} (repeat ${repeat}, seed ${seed})`)
      const { run, summary } = await runCell(dir, cell, repeat, seed, { signal, log: (line) => log(`  ${line}`) })
      log(`  ${run.state === 'done' ? (summary?.verdict.reason ?? 'no summary') : `${run.state}: ${run.error ?? 'interrupted'}`}`)
      plan.cells[i].runs.push(run)
      if (run.folder && summary) summaries.set(run.folder, summary)
      await writeMatrix(dir, plan, summaries)
    }
  }
  plan.interrupted = signal?.aborted ?? false
  plan.finishedAt = new Date().toISOString()
  const data = await writeMatrix(dir, plan, summaries)
  return { dir, data, completed: made === total && !plan.interrupted }
}

/**
 * One run of a cell, analysed. Resolves whatever happens: a run that throws, stops on an
 * error or cannot be analysed is `failed` with the error.
 */
async function runCell(
  dir: string,
  cell: MatrixCellRun,
  repeat: number,
  seed: number,
  hooks: RunHooks,
): Promise<{ run: MatrixRunPlan; summary?: RunSummary }> {
  const options: RunOptions = { ...cell.options, seed, out: dir, folder: runFolderName(cell.id, cell.config, repeat) }
  const failed = (folder: string | null, error: unknown): { run: MatrixRunPlan } => ({
    run: { repeat, seed, folder, state: 'failed', error: error instanceof Error ? error.message : String(error) },
  })
  let result: Awaited<ReturnType<typeof runWorkload>>
  try {
    result = await runWorkload(options, hooks)
  } catch (error) {
    return failed(null, error)
  }
  const folder = relative(dir, result.dir)
  try {
    const report = await reportRunAtScale(result.dir, { quiet: true })
    const state = result.interrupted ? 'interrupted' : result.error ? 'failed' : 'done'
    const summary = report.kind === 'analysed' ? report.summary : undefined
    return { run: { repeat, seed, folder, state, error: result.error ?? null }, summary }
  } catch (error) {
    return failed(folder, `analysing the run: ${(error as Error).message}`)
  }
}
