/**
 * reportRun end to end: every file is written into the run folder (CSV files with their
 * documented columns and one row per op / read / second, summary.json, index.html), the
 * terminal summary is printed unless quiet, and a missing history is exit 2.
 */
import { test } from '@japa/runner'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { LATENCY_COLUMNS, OPS_COLUMNS, STALENESS_COLUMNS, TIMESERIES_COLUMNS, VISIBILITY_COLUMNS } from './csv.ts'
import { reportRun } from './report-run.ts'
import type { RunSummary } from './summary.ts'
import { tempDir } from './testing/analyse.ts'
import { HistoryBuilder } from './testing/history-builder.ts'

const csvLines = async (dir: string, file: string): Promise<string[]> => (await readFile(join(dir, file), 'utf8')).trimEnd().split('\n')

function history(): HistoryBuilder {
  // R + W = N: the stale read below is measured, not a violation.
  const h = new HistoryBuilder({ r: 1 })
  h.put({ process: 0, key: 'k,with "comma"', value: 'a', dot: ['n1', 1], at: [0, 10] })
  h.get({ process: 1, key: 'k,with "comma"', context: {}, at: [20, 21] })
  h.get({ process: 1, key: 'k,with "comma"', values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, at: [1500, 1502] })
  h.put({ process: 2, value: 'b', type: 'info', at: [30, 5030] })
  h.get({ process: 5, key: 'k,with "comma"', values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, phase: 'final', at: [1600, 1601] })
  return h.end()
}

test.group('reportRun', () => {
  test('writes every CSV file, summary.json and index.html; returns the verdict', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    await history().writeRun(dir)
    const printed: string[] = []
    const report = await reportRun(dir, { print: (text) => printed.push(text), workers: 0 })
    assert.equal(report.kind, 'analysed')
    assert.equal(report.exitCode, 0)
    assert.sameMembers(await readdir(dir), [
      'history.jsonl',
      'ops.csv',
      'latency.csv',
      'staleness.csv',
      'visibility.csv',
      'timeseries.csv',
      'summary.json',
      'index.html',
    ])

    const ops = await csvLines(dir, 'ops.csv')
    assert.equal(ops[0], OPS_COLUMNS.join(','))
    assert.lengthOf(ops, 1 + 5)
    assert.equal(ops[1], '1,0,ok,put,"k,with ""comma""",n1,n1,heal,0,0,10000,10000,10000,,n1:1,')
    assert.equal(ops[5], '5,2,info,put,k,n1,,heal,30000,30000,5030000,5000000,5000000,timeout,,')

    const staleness = await csvLines(dir, 'staleness.csv')
    assert.equal(staleness[0], STALENESS_COLUMNS.join(','))
    assert.deepEqual(staleness.slice(1), [
      '2,1,"k,with ""comma""",n1,heal,20000,21000,1,1,1,0,1,10000,0',
      '3,1,"k,with ""comma""",n1,heal,1500000,1502000,0,1,0,1,1,1490000,1',
      '4,5,"k,with ""comma""",n1,final,1600000,1601000,0,1,0,1,1,1590000,1',
    ])
    assert.equal((await csvLines(dir, 'latency.csv'))[0], LATENCY_COLUMNS.join(','))
    assert.equal((await csvLines(dir, 'visibility.csv'))[0], VISIBILITY_COLUMNS.join(','))
    const series = await csvLines(dir, 'timeseries.csv')
    assert.equal(series[0], [...TIMESERIES_COLUMNS, 'ops_n1', 'ops_n2', 'ops_n3'].join(','))
    assert.lengthOf(series, 1 + 2, 'seconds 0 and 1')

    const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as RunSummary
    assert.equal(summary.exitCode, 0)
    assert.equal(summary.history.ops, 5)
    assert.equal(summary.staleness.staleReads, 1)
    assert.equal(summary.staleness.reads, 2, 'the final read is not in the headline figures')

    assert.includeMembers(summary.files, ['ops.csv', 'index.html'])
    assert.include(printed.join('\n'), 'exit 0: no promised guarantee violated')
    assert.include(printed.join('\n'), 'guarantee')
  })

  test("ops.csv writes a dot as one field: `actor:counter`, quoted as a whole when the actor's name needs it", async ({
    assert,
    cleanup,
  }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const h = new HistoryBuilder({ r: 1 })
    h.put({ process: 0, value: 'a', dot: ['n,"2"', 7], at: [0, 10] })
    h.put({ process: 1, value: 'b', dot: ['n1', 2 ** 31], at: [20, 30] })
    h.put({ process: 2, value: 'c', dot: ['n1', 3], at: [40, 50] })
    await h.end().writeRun(dir)
    await reportRun(dir, { quiet: true, workers: 0 })
    // The dot is the last field but one (siblings, empty for a put, is the last).
    const ops = (await csvLines(dir, 'ops.csv')).slice(1)
    assert.lengthOf(ops, 3)
    assert.match(ops[0], /,10000,,"n,""2"":7",$/)
    assert.match(ops[1], /,10000,,n1:2147483648,$/)
    assert.match(ops[2], /,10000,,n1:3,$/)
  })

  test('quiet prints nothing; a folder without a history is exit 2 and gets no files', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const printed: string[] = []
    const missing = await reportRun(dir, { print: (text) => printed.push(text) })
    assert.deepInclude(missing, { kind: 'unreadable', exitCode: 2 })
    assert.match(printed.join('\n'), /no history/)
    assert.deepEqual(await readdir(dir), [])

    await history().writeRun(dir)
    const silent: string[] = []
    const report = await reportRun(dir, { quiet: true, print: (text) => silent.push(text), workers: 0 })
    assert.equal(report.exitCode, 0)
    assert.deepEqual(silent, [])
  })
})
