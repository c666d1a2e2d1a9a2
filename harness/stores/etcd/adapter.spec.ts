/**
 * etcd behind the adapter seam: what it offers and promises by read mode, and a real run
 * of a 3-member cluster under crashes and pauses with compare-and-set ops, recorded
 * without version metadata and judged valid.
 */
import { test } from '@japa/runner'
import { analyseHistory } from '../../../reports/analysis.ts'
import { PRESETS } from '../../../workloads/workload.ts'
import { runWorkload } from '../../run/run.ts'
import { nemesisEventsOf, opsOf, readHistory, shortRunOptions } from '../../run/testing.ts'
import { etcdAdapter, etcdCapabilities, etcdUnavailableReason } from './index.ts'

const unavailable = await etcdUnavailableReason()

test.group('etcd adapter', () => {
  test('linearizable reads promise linearizability; serializable reads promise nothing', ({ assert }) => {
    assert.deepEqual(etcdCapabilities('linearizable'), {
      cas: true,
      versionMetadata: false,
      promises: ['linearizable'],
      nemeses: { proxy: ['crash', 'pause'], netns: ['crash', 'pause', 'partition', 'drop', 'latency'] },
      placement: 'everywhere',
    })
    assert.deepEqual(etcdCapabilities('serializable').promises, [])
    assert.equal(etcdAdapter({ reads: 'serializable' }).name, 'etcd')
  })
})

test.group('etcd adapter (real processes)', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.each.timeout(240_000)

  test('a run under crashes and pauses with cas ops: recorded without versions, cas mismatches are fails, exit 0', async ({
    assert,
    cleanup,
  }) => {
    const options = await shortRunOptions(cleanup, {
      store: etcdAdapter({ reads: 'linearizable' }),
      workload: { ...PRESETS.clustered, casFraction: 0.25 },
      nemeses: ['crash', 'pause'],
      timeS: 10,
      nemesisIntervalS: 2,
      requestTimeoutMs: 3000,
    })
    const result = await runWorkload(options)
    assert.isTrue(result.completed, result.error)
    const history = readHistory(result.history)
    const ops = opsOf(history)
    assert.isAtLeast(nemesisEventsOf(history).filter((e) => e.f === 'start').length, 2)
    const cas = ops.filter((op) => op.f === 'cas')
    assert.isTrue(
      cas.some((op) => op.type === 'ok'),
      'some cas held',
    )
    assert.isTrue(
      cas.some((op) => op.type === 'fail' && op.error === 'cas_mismatch'),
      'some cas found another value',
    )
    for (const op of cas) assert.lengthOf(op.value as unknown[], 2)
    assert.isFalse(ops.some((op) => op.versions !== undefined || op.dot !== undefined || op.context !== null))
    // Every key written is read back through every member once faults are healed.
    const finals = ops.filter((op) => op.phase === 'final')
    assert.isAbove(finals.length, 0)
    assert.isTrue(finals.every((op) => op.type === 'ok'))
    const analysis = await analyseHistory(result.history, { workers: 0 })
    assert.deepInclude(analysis.run!.store!, { name: 'etcd', versionMetadata: false, promises: ['linearizable'] })
    assert.match(analysis.run!.store!.summary, /^etcd 3\.6\.\d+, 3 members, linearizable reads$/)
    assert.include(
      analysis.verdict.checks.find((c) => c.name === 'no-phantom-values'),
      { valid: true, promised: true },
    )
    assert.equal(analysis.verdict.exitCode, 0, analysis.verdict.reason)
  }).skip(unavailable !== undefined, unavailable)
})
