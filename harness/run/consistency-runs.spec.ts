/**
 * The consistency modes on short real runs (node processes, Toxiproxy links, clients,
 * nemeses), judged by the run's own verdict (what `workload` exits with): each mode's
 * promised checks hold under no fault, a partition, crashes and pauses (exit 0, the mode's
 * model judged from values and promised); and the next stronger model fails where it
 * should (causal is not sequential across a partition with clients on both sides,
 * sequential reads are stale in real time, eventual with R = W = 1 is not causal).
 */
import { test } from '@japa/runner'
import type { JudgedCheck } from '../../common/contracts/checker.ts'
import type { ConsistencyMode, NemesisName } from '../../common/contracts/history.ts'
import { reportRun } from '../../reports/report-run.ts'
import type { StoreSettings } from '../../store/config.ts'
import { PRESETS } from '../../workloads/workload.ts'
import { quorumlabAdapter } from '../stores/quorumlab/index.ts'
import { runWorkload } from './run.ts'
import { SHORT_RUN_SETTINGS, shortRunOptions } from './testing.ts'

type Cleanup = Parameters<typeof shortRunOptions>[0]

/** A run's verdict: its exit code and every check, promised or not. */
type Judged = { exitCode: number; checks: JudgedCheck[]; reason: string }

/**
 * A short run on few keys (so sessions meet on them), sessions on every node, faults 2 s on
 * and 2 s off (a partition isolates one node), analysed as `workload` analyses it.
 */
async function modeRun(
  cleanup: Cleanup,
  consistency: ConsistencyMode,
  nemesis: NemesisName | 'none',
  settings: Partial<StoreSettings> = {},
): Promise<Judged> {
  const defaults = await shortRunOptions(cleanup)
  const options = await shortRunOptions(cleanup, {
    workload: { ...PRESETS.distributed, keys: 4, kind: 'register' },
    store: quorumlabAdapter({ settings: { ...SHORT_RUN_SETTINGS, replicaTimeoutMs: 400, consistency, ...settings } }),
    nemeses: nemesis === 'none' ? [] : [nemesis],
    nemesis: { ...defaults.nemesis, partition: 'isolate' },
    concurrency: 6,
    rate: 120,
    timeS: 6,
  })
  const result = await runWorkload(options)
  if (!result.completed) throw new Error(`${consistency} under ${nemesis}: the run did not complete: ${result.error}`)
  const report = await reportRun(result.dir, { quiet: true, workers: 0 })
  if (report.kind !== 'analysed') throw new Error(`${consistency} under ${nemesis}: no report: ${report.reason}`)
  return { exitCode: report.exitCode, checks: report.summary.verdict.checks, reason: report.summary.verdict.reason }
}

function check(judged: Judged, name: string): JudgedCheck {
  const found = judged.checks.find((c) => c.name === name)
  if (!found) throw new Error(`no ${name} check in the verdict (checks: ${judged.checks.map((c) => c.name).join(', ')})`)
  return found
}

/** What a check found, for assertion messages. */
const describe = (c: JudgedCheck): string =>
  `${c.name}: valid ${c.valid}, ${c.violations} violations of ${c.checked} ${c.checkedWhat}${c.reason ? ` (${c.reason})` : ''}; ${c.examples[0]?.summary ?? 'no example'}`

/** Each mode's promised checks: the model judged from values, or (eventual) the guarantees dvv keeps. */
const PROMISED: [ConsistencyMode, string[]][] = [
  ['linearizable', ['linearizable', 'no-phantom-values', 'final-reads-agree']],
  ['sequential', ['sequential', 'no-phantom-values', 'final-reads-agree']],
  ['causal', ['causal', 'no-lost-writes', 'no-phantom-values', 'final-reads-agree']],
  ['eventual', ['no-lost-writes', 'no-phantom-values', 'final-reads-agree', 'replicas-hold-writes']],
]

const NEMESES = ['none', 'partition', 'crash', 'pause'] as const

test.group('consistency modes on real runs', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.each.timeout(300_000)

  for (const [consistency, names] of PROMISED) {
    test(`${consistency}: the verdict confirms ${names[0]} with no fault, a partition, crashes and pauses`, async ({ assert, cleanup }) => {
      for (const nemesis of NEMESES) {
        const judged = await modeRun(cleanup, consistency, nemesis)
        for (const name of names) {
          const c = check(judged, name)
          assert.isTrue(c.promised, `${consistency} promises ${name}: ${c.why}`)
          assert.isAbove(c.checked, 0, `${consistency} under ${nemesis}: ${name} judged something`)
          assert.isTrue(c.valid === true, `${consistency} under ${nemesis}: ${describe(c)}`)
        }
        assert.equal(judged.exitCode, 0, `${consistency} under ${nemesis}: ${judged.reason}`)
      }
    })
  }

  test('sequential is not linearizable: across a partition a replica serves reads the sequencer has moved past', async ({
    assert,
    cleanup,
  }) => {
    const judged = await modeRun(cleanup, 'sequential', 'partition')
    assert.isTrue(check(judged, 'sequential').valid === true, describe(check(judged, 'sequential')))
    const lin = check(judged, 'linearizable')
    assert.isTrue(lin.valid === false, describe(lin))
    assert.isFalse(lin.promised, 'an anomaly, not a failure: sequential does not promise it')
    assert.equal(judged.exitCode, 0, judged.reason)
  })

  test('causal is not sequential: across a partition each side orders its own writes', async ({ assert, cleanup }) => {
    const judged = await modeRun(cleanup, 'causal', 'partition')
    assert.isTrue(check(judged, 'causal').valid === true, describe(check(judged, 'causal')))
    const seq = check(judged, 'sequential')
    assert.isTrue(seq.valid === false, describe(seq))
    assert.equal(judged.exitCode, 0, judged.reason)
  })

  test('eventual with R = W = 1 is not causal: a read can miss what its session already saw', async ({ assert, cleanup }) => {
    const judged = await modeRun(cleanup, 'eventual', 'partition', { r: 1, w: 1 })
    const causal = check(judged, 'causal')
    assert.isTrue(causal.valid === false, describe(causal))
    assert.equal(judged.exitCode, 0, judged.reason)
  })
})
