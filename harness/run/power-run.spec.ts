/**
 * The power nemesis in real runs: node processes on lazyfs disks, every node's power cut
 * at once, then restarted. The correct store (every commit fsynced before its ack) loses
 * nothing acknowledged; the `skip-fsync` mutant (acks before fsync) is caught by
 * no-lost-writes. Skipped, saying why, where lazyfs cannot run.
 */
import { test } from '@japa/runner'
import { MUTANT_ENV } from '../../store/mutants.ts'
import { reportRun } from '../../reports/index.ts'
import { ALL_NODES } from '../nemesis/index.ts'
import { skipReason } from '../nemesis/power/testing/scratch-mount.ts'
import { runWorkload } from './run.ts'
import { nemesisEventsOf, opsOf, readHistory, shortRunOptions } from './testing.ts'

type Cleanup = Parameters<typeof shortRunOptions>[0]

/** A 6 s run with every node's power cut at 0 s and 4 s (2 s each), analysed quietly. */
async function powerRun(cleanup: Cleanup) {
  const base = await shortRunOptions(cleanup)
  const options = { ...base, nemeses: ['power' as const], nemesis: { ...base.nemesis, targets: ALL_NODES } }
  const result = await runWorkload(options)
  const report = await reportRun(result.dir, { quiet: true, workers: 0 })
  if (report.kind !== 'analysed') throw new Error(`the run was not analysed: ${report.reason}`)
  const check = (name: string) => report.summary.verdict.checks.find((c) => c.name === name)
  return { result, report, check, history: readHistory(result.history) }
}

test.group('run under the power nemesis', (group) => {
  group.tap((t) => t.tags(['integration']))

  test('every node loses power at once, restarts, and the correct store loses no acknowledged write', async ({ assert, cleanup }) => {
    const { result, report, check, history } = await powerRun(cleanup)
    assert.isTrue(result.completed, result.error)
    const events = nemesisEventsOf(history).filter((e) => e.nemesis === 'power')
    const starts = events.filter((e) => e.f === 'start')
    assert.isAtLeast(starts.length, 1)
    for (const start of starts) {
      assert.sameMembers(start.value.targets as string[], ['n1', 'n2', 'n3'])
      assert.notProperty(start.value, 'error')
      // What each disk dropped is recorded per node.
      assert.sameMembers(Object.keys(start.value.details as object), ['n1', 'n2', 'n3'])
    }
    for (const stop of events.filter((e) => e.f === 'stop')) assert.notProperty(stop.value, 'error')
    // The final phase read each replica's own copy of every written key: all three, all ok.
    const copies = opsOf(history).filter((op) => op.replica)
    const keys = new Set(
      opsOf(history)
        .filter((op) => op.f === 'put')
        .map((op) => op.key),
    )
    assert.isAbove(copies.length, 0)
    assert.isTrue(copies.every((op) => op.type === 'ok' && op.phase === 'final'))
    for (const key of keys)
      assert.sameMembers(
        copies.filter((op) => op.key === key).map((op) => op.node),
        ['n1', 'n2', 'n3'],
        key,
      )
    const lost = check('no-lost-writes')
    assert.equal(lost?.status, 'ok')
    assert.isAbove(lost?.checked ?? 0, 0)
    assert.equal(report.exitCode, 0, report.summary.verdict.reason)
  }).skip(!!skipReason, skipReason)

  test('a store that acknowledges before fsync (mutant skip-fsync) is caught by no-lost-writes', async ({ assert, cleanup }) => {
    // The nodes inherit the harness's environment; this process's own store code is unaffected.
    process.env[MUTANT_ENV] = 'skip-fsync'
    cleanup(() => {
      delete process.env[MUTANT_ENV]
    })
    const { result, report, check } = await powerRun(cleanup)
    assert.isTrue(result.completed, result.error)
    assert.equal(check('no-lost-writes')?.status, 'violated')
    assert.equal(report.exitCode, 1)
  }).skip(!!skipReason, skipReason)
})
