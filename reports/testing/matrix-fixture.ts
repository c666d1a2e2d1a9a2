/**
 * A scenario matrix on disk without a cluster, for the matrix report tests: synthetic
 * histories (synthetic-history.ts) that really differ by R, W and concurrency, each
 * analysed by reportRun, put together as a matrix plan with repeats, a failed run, an
 * interrupted one, a cell never run, a planted model check and a hostile axis value.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { MatrixAxis, MatrixCellPlan, MatrixPlan, MatrixRunPlan } from '../matrix-data.ts'
import { writeMatrix } from '../matrix.ts'
import { reportRun } from '../report-run.ts'
import type { RunSummary } from '../summary.ts'
import { writeSyntheticHistory } from './synthetic-history.ts'

/** A label that must stay text on the page. */
export const HOSTILE_VALUE = '<img src=x onerror=alert(1)>'

export const FIXTURE_AXES: MatrixAxis[] = [
  { name: 'r', flag: '--r', values: ['1', '2'] },
  { name: 'w', flag: '--w', values: ['1', '2'] },
  { name: 'concurrency', flag: '--concurrency', values: ['4', '16'] },
]

/** The model check planted into every run of the first cell: a check the page must show without knowing its name. */
export const PLANTED_MODEL = 'linearizable'

export type MatrixFixture = { plan: MatrixPlan; summaries: Map<string, RunSummary> }

/** Runs of one cell: `repeat` synthetic histories analysed, with the first cell's runs carrying a violated model check. */
async function cellRuns(dir: string, cell: number, config: Record<string, string>, repeat: number, summaries: Map<string, RunSummary>) {
  const runs: MatrixRunPlan[] = []
  for (let k = 1; k <= repeat; k++) {
    const folder = `c0${cell + 1}-rep${k}`
    const options = { ops: 1500, rate: 500, seed: k, r: Number(config.r), w: Number(config.w), concurrency: Number(config.concurrency) }
    await mkdir(join(dir, folder), { recursive: true })
    await writeSyntheticHistory(join(dir, folder, 'history.jsonl'), { ...options, faultPeriodS: 1, warmupS: 0 })
    const report = await reportRun(join(dir, folder), { quiet: true, workers: 0 })
    if (report.kind !== 'analysed') throw new Error(`fixture run ${folder} did not analyse`)
    if (cell === 0) {
      const base = { name: PLANTED_MODEL, kind: 'model' as const, checkedWhat: 'keys', promised: false, why: 'planted by the fixture' }
      report.summary.verdict.checks.push({ ...base, checked: 16, violations: 2, examples: [], valid: false, status: 'anomaly' })
    }
    summaries.set(folder, report.summary)
    runs.push({ repeat: k, seed: k, folder, state: 'done', error: null })
  }
  return runs
}

/**
 * Writes a 2×2×2 matrix (r × w × concurrency, `repeat` runs a cell) into `dir` and returns
 * its plan and summaries: cell c02 also has a failed run, c07 an interrupted one, c08 was
 * never run; c03's concurrency value is hostile HTML.
 */
export async function writeMatrixFixture(dir: string, repeat = 2): Promise<MatrixFixture> {
  const summaries = new Map<string, RunSummary>()
  const cells: MatrixCellPlan[] = []
  const combos = FIXTURE_AXES[0].values.flatMap((r) =>
    FIXTURE_AXES[1].values.flatMap((w) => FIXTURE_AXES[2].values.map((concurrency) => ({ r, w, concurrency }))),
  )
  for (const [i, config] of combos.entries()) {
    const runs = i === 7 ? [] : await cellRuns(dir, i, config, i === 6 ? 1 : repeat, summaries)
    if (i === 1) runs.push({ repeat: repeat + 1, seed: 99, folder: null, state: 'failed', error: 'the cluster did not start: port in use' })
    if (i === 6) runs.push({ repeat: 2, seed: 2, folder: null, state: 'interrupted', error: null })
    const shown = i === 2 ? { ...config, concurrency: HOSTILE_VALUE } : config
    const settings = Object.entries(shown).map(([name, value]) => ({ flag: `--${name}`, value }))
    cells.push({ id: `c0${i + 1}`, config: shown, settings: [...settings, { flag: '--time', value: '3' }], runs })
  }
  const axes = FIXTURE_AXES.map((a) => (a.name === 'concurrency' ? { ...a, values: [...a.values, HOSTILE_VALUE] } : a))
  const plan: MatrixPlan = {
    name: 'matrix-20260101T000000',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:10:00.000Z',
    command: 'quorumlab matrix --vary r=1,2 --vary w=1,2 --vary concurrency=4,16 --repeat 2',
    seed: 1,
    repeat,
    axes,
    fixed: [{ flag: '--time', value: '3', explicit: true }],
    timeS: [3],
    warmupS: [0],
    rate: [500],
    cells,
    skipped: [{ config: { r: '3', w: '1', concurrency: '4' }, reason: 'r=3 must be from 1 to n=2' }],
    interrupted: true,
  }
  await writeMatrix(dir, plan, summaries)
  return { plan, summaries }
}
