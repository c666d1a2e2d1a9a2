/**
 * PBS against a real run: local node processes behind the proxy time the WARS legs of
 * their replica calls, the run stores them in wars.json, and the calm reads of an R = W = 1
 * run without faults are no staler than the report predicts beyond the documented tolerance
 * (5 points, or 3 standard errors of the observed fraction), and no fresher than the model's
 * known bias on one host allows.
 */
import { test } from '@japa/runner'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { WARS_FILE, WARS_LEGS, type WarsRunFile } from '../../common/contracts/wars.ts'
import { reportRun } from '../../reports/report-run.ts'
import { PRESETS } from '../../workloads/workload.ts'
import { quorumlabAdapter } from '../stores/quorumlab/index.ts'
import { runWorkload } from './run.ts'
import { SHORT_RUN_SETTINGS, shortRunOptions } from './testing.ts'

/**
 * How much fresher than predicted the calm reads may be. The model draws every leg
 * independently, where a busy node or proxy hands messages on in the order they came, so on
 * one busy host it over-predicts staleness (README, "PBS in a run"): by 1-6 points in 35 calm
 * runs of this kind on the 2-core machine, the more the busier, for the store with and without
 * the thirteenth session's faster commits alike. Twice that is a fault of the pipeline.
 */
const SHARED_QUEUE_BIAS = 0.12

test.group('PBS prediction of a real run', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.each.timeout(120_000)

  test('R = W = 1, no fault: nodes time every leg, and the calm reads are no staler than predicted', async ({ assert, cleanup }) => {
    const options = await shortRunOptions(cleanup, {
      // Few keys, so many reads come soon after a write to their key, where staleness lives.
      workload: { ...PRESETS.distributed, keys: 2 },
      // HTTP batches: with streamed batches a replica applies a write so soon that a calm run
      // at this rate may see no stale read at all, and then there is nothing to compare.
      store: quorumlabAdapter({ settings: { ...SHORT_RUN_SETTINGS, r: 1, w: 1, peerConnections: 'pooled' } }),
      rate: 600,
      timeS: 6,
      seed: 7,
    })
    const result = await runWorkload(options)
    assert.isTrue(result.completed, result.error)

    const wars = JSON.parse(await readFile(join(result.dir, WARS_FILE), 'utf8')) as WarsRunFile
    assert.deepEqual(wars.nodes, ['n1', 'n2', 'n3'])
    assert.isAbove(wars.commit?.samples.length ?? 0, 50, "the coordinators' own commits")
    for (const leg of WARS_LEGS) {
      assert.isAbove(wars.legs[leg].samples.length, 50, `${leg} samples`)
      // On the run's clock: after the run started, before the report.
      for (const [atMs, ms] of wars.legs[leg].samples) {
        assert.isAbove(atMs, 0)
        assert.isAtLeast(ms, 0)
      }
    }

    const report = await reportRun(result.dir, { quiet: true, workers: 0 })
    assert.equal(report.kind, 'analysed')
    if (report.kind !== 'analysed') return
    const pbs = report.summary.pbs
    assert.equal(pbs.kind, 'fitted', pbs.kind === 'unavailable' ? pbs.reason : '')
    if (pbs.kind !== 'fitted') return
    assert.deepEqual(
      pbs.phases.map((p) => p.phase),
      ['calm'],
      'no fault, no fault phase',
    )
    const [calm] = pbs.phases
    assert.isAbove(calm.reads, 100)
    assert.equal(calm.prediction.kind, 'sampled')
    if (calm.prediction.kind !== 'sampled') return
    assert.isBelow(calm.observed!, 1, 'some reads were stale: the comparison is not of two certainties')
    assert.isAbove(calm.moments, 1, 'latencies fitted per moment of the run')
    const seen = `observed ${calm.observed}, predicted ${calm.prediction.predicted}, tolerance ${calm.tolerance}`
    // Staler than predicted is what the comparison exists to show (lost or late replication).
    assert.isAtLeast(calm.gap!, -calm.tolerance, `staler than predicted: ${seen}`)
    assert.isAtMost(calm.gap!, SHARED_QUEUE_BIAS, `fresher than predicted beyond the model's known bias: ${seen}`)
    if (calm.agreement === 'differ') assert.match(calm.reason, /share a queue/)
  })

  test('a partition: the fault phase is staler than its latencies predict, and the report says why', async ({ assert, cleanup }) => {
    const options = await shortRunOptions(cleanup, {
      workload: { ...PRESETS.distributed, keys: 5 },
      store: quorumlabAdapter({ settings: { ...SHORT_RUN_SETTINGS, r: 1, w: 1 } }),
      nemeses: ['partition'],
      nemesis: { ...(await shortRunOptions(cleanup)).nemesis, partition: 'isolate' },
      rate: 150,
      timeS: 8,
      seed: 7,
    })
    const result = await runWorkload(options)
    assert.isTrue(result.completed, result.error)
    const report = await reportRun(result.dir, { quiet: true, workers: 0 })
    if (report.kind !== 'analysed' || report.summary.pbs.kind !== 'fitted') throw new Error('no PBS fit')
    const fault = report.summary.pbs.phases.find((p) => p.phase === 'fault')
    assert.exists(fault)
    assert.equal(fault!.agreement, 'differ', `observed ${fault!.observed}, gap ${fault!.gap}`)
    assert.isBelow(fault!.gap!, 0, 'staler than predicted')
    assert.match(fault!.reason, /partition: lost messages or unreachable replicas/)
  })
})
