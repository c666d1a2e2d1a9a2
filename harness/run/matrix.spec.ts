/**
 * The matrix runner with real runs: a cell whose store cannot start is recorded as failed
 * with its error and the matrix goes on to the next cell, which runs a real cluster; the
 * outputs (matrix.json, matrix.csv, the page) cover both.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from '@japa/runner'
import type { StoreAdapter } from '../adapter/index.ts'
import { PRESETS } from '../../workloads/workload.ts'
import { runMatrix } from './matrix.ts'
import { shortRunOptions } from './testing.ts'

/** A store whose cluster never starts: what a cell with a broken store does. */
const brokenStore: StoreAdapter = {
  name: 'broken',
  capabilities: { cas: false, versionMetadata: false, promises: [], nemeses: { proxy: [] } },
  startCluster: () => Promise.reject(new Error('no cluster for you: the store binary is missing')),
  openClient: () => Promise.reject(new Error('unreachable')),
}

test.group('matrix runner', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.each.timeout(120_000)

  test('a cell that fails to run is recorded with its error and the matrix goes on', async ({ assert, cleanup }) => {
    const base = await shortRunOptions(cleanup, { timeS: 2, warmupS: 0, workload: { ...PRESETS.clustered, keys: 8 } })
    const result = await runMatrix({
      cells: [
        { id: 'c01', config: { store: 'broken' }, settings: [], options: { ...base, store: brokenStore } },
        { id: 'c02', config: { store: 'quorumlab' }, settings: [], options: base },
      ],
      repeat: 1,
      seed: 7,
      axes: [{ name: 'store', flag: '--store', values: ['broken', 'quorumlab'] }],
      fixed: [],
      skipped: [],
      command: 'test',
      out: base.out,
    })
    const [broken, good] = result.data.cells
    assert.equal(broken.status, 'failed')
    assert.equal(broken.runs[0].state, 'failed')
    assert.match(broken.runs[0].error ?? '', /no cluster for you/)
    assert.equal(good.status, 'passed', good.runs[0]?.verdict)
    assert.equal(good.runs[0].seed, 7)
    assert.isAbove(good.measures.ops?.mean ?? 0, 0)
    assert.isTrue(existsSync(join(result.dir, good.runs[0].report ?? 'none')), 'the good cell has its run report')
    assert.equal(result.data.exitCode, 2, 'a failed cell makes the matrix incomplete')
    assert.isTrue(result.completed, 'every run was made, failed or not')

    const csv = readFileSync(join(result.dir, 'matrix.csv'), 'utf8').trim().split('\n')
    assert.lengthOf(csv, 5, 'a header, then a run and a cell row per cell')
    assert.match(csv[1], /^run,c01,broken,1,7,failed,/)
    assert.match(csv[1], /no cluster for you/)
    assert.match(csv[3], /^run,c02,quorumlab,1,7,passed,0,1,c02-store=quorumlab-rep1,/)
    const stored = JSON.parse(readFileSync(join(result.dir, 'matrix.json'), 'utf8'))
    assert.equal(stored.cells[0].runs[0].error, broken.runs[0].error)
    assert.include(readFileSync(join(result.dir, 'index.html'), 'utf8'), 'id="matrix-data"')
  })
})
