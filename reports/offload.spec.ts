/**
 * The checks a big history hands to the report's pool (offload.ts) find what they find in
 * this thread: the op table arrives in a worker with its interners as plain objects, so a
 * check that read them unrebuilt would count differently, or not at all.
 */
import { join } from 'node:path'
import { test } from '@japa/runner'
import { analyseHistory } from './analysis.ts'
import { TaskPool } from './task-pool.ts'
import { tempDir } from './testing/analyse.ts'
import { writeSyntheticHistory } from './testing/synthetic-history.ts'

test.group('checks in a worker', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('the session guarantees and the models of a 100k-op history are the same in a worker as in this thread', async ({
    assert,
    cleanup,
  }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const path = join(dir, 'history.jsonl')
    // One-node quorums under faults: sessions see anomalies, so the counts compared are not all zero.
    await writeSyntheticHistory(path, { ops: 100_000, rate: 5_000, seed: 11, keys: 32, r: 1, w: 1, concurrency: 32 })
    const pool = new TaskPool({ size: 2, depth: 3 })
    cleanup(() => pool.close())
    const inWorkers = await analyseHistory(path, { pool })
    const here = await analyseHistory(path, { workers: 0 })
    assert.isAbove(inWorkers.table.length, 100_000, 'big enough for the pool')
    assert.isAbove(
      Object.values(here.sessions).reduce((sum, check) => sum + check.violations, 0),
      0,
      'some session guarantee is violated',
    )
    assert.deepEqual(inWorkers.sessions, here.sessions)
    assert.deepEqual(inWorkers.models, here.models)
  }).timeout(120_000)
})
