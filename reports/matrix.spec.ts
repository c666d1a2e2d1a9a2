/**
 * The scenario matrix's data from its plan and its runs' summaries: statuses, the spread
 * over repeats (complete runs only), every check any run reported (models included, by
 * whatever name), the exit code; matrix.csv's rows; the terminal table within 100
 * columns; rebuilding from matrix.json.
 */
import { test } from '@japa/runner'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { matrixCsvColumns, matrixCsvRows } from './matrix-csv.ts'
import { buildMatrixData, planOf, spreadOf, type MatrixCellPlan, type MatrixPlan, type MatrixRunPlan } from './matrix-data.ts'
import { reportMatrix, writeMatrix } from './matrix.ts'
import { matrixTable } from './matrix-table.ts'
import { reportRun } from './report-run.ts'
import type { RunSummary } from './summary.ts'
import { tempDir } from './testing/analyse.ts'
import { writeSyntheticHistory } from './testing/synthetic-history.ts'

let base: RunSummary | undefined

/** One real summary (a synthetic history, analysed), made once. */
async function baseSummary(): Promise<RunSummary> {
  if (base) return base
  const { dir, remove } = await tempDir()
  try {
    await writeSyntheticHistory(join(dir, 'history.jsonl'), { ops: 800, rate: 400, seed: 5, r: 1, w: 1, faultPeriodS: 1, warmupS: 0 })
    const report = await reportRun(dir, { quiet: true, workers: 0 })
    if (report.kind !== 'analysed') throw new Error('the synthetic run did not analyse')
    // The tests add the model checks they need; the run's own would stand beside them.
    base = {
      ...report.summary,
      verdict: { ...report.summary.verdict, checks: report.summary.verdict.checks.filter((c) => c.kind !== 'model') },
    }
    return base
  } finally {
    await remove()
  }
}

/** A copy of the base summary with another stale fraction and exit code, and optionally a model check. */
async function summary(staleFraction: number, exitCode: 0 | 1 | 2 = 0, model?: 'ok' | 'violated'): Promise<RunSummary> {
  const s = structuredClone(await baseSummary())
  s.staleness.staleFraction = staleFraction
  s.exitCode = exitCode
  if (model) {
    s.verdict.checks.push({
      name: 'sequential',
      kind: 'model',
      checked: 10,
      checkedWhat: 'keys',
      violations: model === 'ok' ? 0 : 1,
      examples: [],
      valid: model === 'ok',
      promised: true,
      why: 'test',
      status: model,
    })
  }
  return s
}

const run = (
  repeat: number,
  folder: string | null,
  state: MatrixRunPlan['state'] = 'done',
  error: string | null = null,
): MatrixRunPlan => ({
  repeat,
  seed: repeat,
  folder,
  state,
  error,
})

function plan(cells: MatrixCellPlan[], axes = [{ name: 'r', flag: '--r', values: ['1', '2', '3'] }]): MatrixPlan {
  return {
    name: 'matrix-test',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: null,
    command: 'quorumlab matrix --vary r=1,2,3 --repeat 3',
    seed: 1,
    repeat: 3,
    axes,
    fixed: [],
    timeS: [30],
    warmupS: [2],
    rate: [200],
    cells,
    skipped: [],
    interrupted: false,
  }
}

const cell = (id: string, r: string, runs: MatrixRunPlan[]): MatrixCellPlan => ({
  id,
  config: { r },
  settings: [{ flag: '--r', value: r }],
  runs,
})

test.group('matrix data', () => {
  test('spreads cover complete runs only; statuses, checks and the exit code come from the runs', async ({ assert }) => {
    const summaries = new Map([
      ['a1', await summary(0.1, 0, 'ok')],
      ['a2', await summary(0.3, 1, 'violated')],
      ['a3', await summary(0.2, 0)],
      ['b1', await summary(0.9, 0)],
      ['b2', await summary(0.5, 0)],
    ])
    const data = buildMatrixData(
      plan([
        cell('c01', '1', [run(1, 'a1'), run(2, 'a2'), run(3, 'a3')]),
        cell('c02', '2', [run(1, 'b1'), run(2, 'b2', 'interrupted'), run(3, null, 'failed', 'port in use')]),
        cell('c03', '3', []),
      ]),
      summaries,
    )
    const [a, b, c] = data.cells
    assert.deepEqual(
      a.runs.map((r) => r.status),
      ['passed', 'violated', 'passed'],
    )
    assert.equal(a.status, 'violated', 'a violation is the most telling')
    const stale = a.measures.staleFraction!
    assert.closeTo(stale.mean, 0.2, 1e-9)
    assert.deepInclude(stale, { min: 0.1, max: 0.3, runs: 3 })
    assert.deepEqual(
      b.runs.map((r) => r.status),
      ['passed', 'interrupted', 'failed'],
    )
    assert.equal(b.status, 'failed')
    assert.deepEqual(b.measures.staleFraction, { mean: 0.9, min: 0.9, max: 0.9, runs: 1 }, 'the interrupted and failed runs are left out')
    assert.equal(b.runs[2].error, 'port in use')
    assert.equal(b.runs[0].report, 'b1/index.html')
    assert.isNull(b.runs[2].report)
    assert.equal(c.status, 'not-run')
    assert.isNull(c.measures.staleFraction)

    assert.deepInclude(data.checks, { name: 'sequential', kind: 'model' }, 'a check the matrix code never names is listed')
    assert.deepInclude(data.checks, { name: 'no-lost-writes', kind: 'guarantee' })
    assert.deepEqual(a.checks.sequential, { status: 'violated', promised: true, counts: { ok: 1, violated: 1 } })
    assert.isUndefined(b.checks.sequential)
    assert.equal(data.exitCode, 1)
  })

  test('the exit code: 0 when every cell passed, 2 when one was not run or the matrix was interrupted', async ({ assert }) => {
    const summaries = new Map([['a1', await summary(0, 0)]])
    assert.equal(buildMatrixData(plan([cell('c01', '1', [run(1, 'a1')])]), summaries).exitCode, 0)
    assert.equal(buildMatrixData(plan([cell('c01', '1', [run(1, 'a1')]), cell('c02', '2', [])]), summaries).exitCode, 2)
    assert.equal(buildMatrixData({ ...plan([cell('c01', '1', [run(1, 'a1')])]), interrupted: true }, summaries).exitCode, 2)
    assert.equal(buildMatrixData(plan([cell('c01', '1', [run(1, 'missing')])]), summaries).cells[0].runs[0].status, 'failed')
    assert.isNull(spreadOf([null, Number.NaN]))
  })

  test('matrix.csv has a row per run and one per cell with mean, min and max; a column per axis and per check', async ({ assert }) => {
    const summaries = new Map([
      ['a1', await summary(0.1, 0, 'ok')],
      ['a2', await summary(0.3, 0)],
    ])
    const data = buildMatrixData(
      plan([cell('c01', '1', [run(1, 'a1'), run(2, 'a2')]), cell('c02', '2', [run(1, null, 'failed', 'boom')])]),
      summaries,
    )
    const titles = matrixCsvColumns(data).map((c) => c.title)
    for (const title of [
      'row',
      'cell',
      'r',
      'repeat',
      'seed',
      'status',
      'stale_fraction',
      'stale_fraction_min',
      'stale_fraction_max',
      'check_sequential',
      'error',
    ]) {
      assert.include(titles, title)
    }
    const rows = matrixCsvRows(data)
    assert.deepEqual(
      rows.map((r) => `${r.row}:${r.cell}`),
      ['run:c01', 'run:c01', 'cell:c01', 'run:c02', 'cell:c02'],
    )
    assert.closeTo(Number(rows[2].stale_fraction), 0.2, 1e-9)
    assert.equal(rows[2].stale_fraction_min, 0.1)
    assert.equal(rows[2].stale_fraction_max, 0.3)
    assert.equal(rows[2].runs, 2)
    assert.equal(rows[0]['check:sequential'], 'ok')
    assert.equal(rows[1]['check:sequential'], '', 'a run without the check leaves it empty')
    assert.equal(rows[3].error, 'boom')
    assert.equal(rows[4].stale_fraction, '')
  })

  test('the terminal table fits 100 columns, abbreviating long values and then naming cells by id, with a legend', async ({ assert }) => {
    const summaries = new Map([['a1', await summary(0.123, 0)]])
    const axes = [
      { name: 'write-style', flag: '--write-style', values: ['read-modify-write', 'blind'] },
      { name: 'nemesis', flag: '--nemesis', values: ['partition', 'latency+crash'] },
    ]
    const wide = (config: Record<string, string>) => ({ id: 'c01', config, settings: [], runs: [run(1, 'a1')] })
    const data = buildMatrixData(plan([wide({ 'write-style': 'read-modify-write', nemesis: 'latency+crash' })], axes), summaries)
    const full = matrixTable(data, 200)
    assert.match(full[1], /^c01 +read-modify-write +latency\+crash +ok +12\.3%/, 'wide enough: the values as typed')
    const abbreviated = matrixTable(data)
    for (const line of abbreviated) assert.isAtMost(line.length, 100, line)
    assert.match(abbreviated[1], /^c01 +rmw +l\+c +ok +12\.3%/)
    assert.isTrue(abbreviated.some((l) => l.includes('rmw = read-modify-write')))
    assert.isTrue(abbreviated.some((l) => l.includes('l+c = latency+crash')))

    const many = Array.from({ length: 8 }, (_, i) => ({ name: `long-axis-name-${i}`, flag: `--x${i}`, values: ['some-long-value'] }))
    const config = Object.fromEntries(many.map((a) => [a.name, 'some-long-value']))
    const byId = matrixTable(buildMatrixData(plan([{ id: 'c01', config, settings: [], runs: [run(1, 'a1')] }], many), summaries))
    for (const line of byId) assert.isAtMost(line.length, 100, line)
    assert.match(byId[0], /^cell +status/)
    assert.isTrue(byId.some((l) => l.startsWith('c01: long-axis-name-0=some-long-value')))
    assert.isTrue(byId.some((l) => l.includes('stale = stale reads (%)')))
  })

  test('the plan comes back out of the data, and report rebuilds from matrix.json (or says why it cannot)', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    await mkdir(join(dir, 'h'))
    await writeSyntheticHistory(join(dir, 'h', 'history.jsonl'), { ops: 300, rate: 300, seed: 2, faultPeriodS: 1, warmupS: 0 })
    const original = plan([cell('c01', '1', [run(1, 'h'), run(2, null, 'failed', 'boom')])])
    const written = await writeMatrix(dir, original, new Map())
    assert.deepEqual(planOf(written), original)
    assert.equal(written.cells[0].runs[0].status, 'failed', 'no summary given: failed')

    const printed: string[] = []
    const report = await reportMatrix(dir, { print: (text) => printed.push(text), workers: 0 })
    assert.equal(report.kind, 'rebuilt')
    if (report.kind !== 'rebuilt') return
    assert.equal(report.data.cells[0].runs[0].status, 'passed', 'the run was analysed again')
    assert.equal(report.exitCode, 2, 'the failed run keeps the matrix at 2')
    assert.match(printed.join('\n'), /^cell +r +status/)
    const stored = JSON.parse(await readFile(join(dir, 'matrix.json'), 'utf8'))
    assert.equal(stored.cells[0].runs[0].status, 'passed')

    await writeFile(join(dir, 'matrix.json'), '{"format": 1, "cells": "nope"}')
    const broken = await reportMatrix(dir, { quiet: true })
    assert.deepInclude(broken, { kind: 'unreadable', exitCode: 2, reason: 'matrix.json has no cells or axes' })
  })
})
