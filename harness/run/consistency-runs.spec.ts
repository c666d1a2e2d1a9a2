/**
 * The consistency modes on short real runs (node processes, Toxiproxy links, clients,
 * nemeses), judged from values by the model checkers: each mode's promised model holds
 * under no fault, a partition, crashes and pauses; and the next stronger model fails where
 * it should (causal is not sequential across a partition with clients on both sides,
 * sequential reads are stale in real time, eventual with R = W = 1 is not causal).
 */
import { test } from '@japa/runner'
import type { ConsistencyMode, HistoryRecord, NemesisName } from '../../common/contracts/history.ts'
import { MODEL_CHECKERS, type ModelCheckResult, type ModelName } from '../../reports/models/index.ts'
import type { StoreSettings } from '../../store/config.ts'
import { PRESETS } from '../../workloads/workload.ts'
import { quorumlabAdapter } from '../stores/quorumlab/index.ts'
import { runWorkload } from './run.ts'
import { opsOf, readHistory, SHORT_RUN_SETTINGS, shortRunOptions } from './testing.ts'

type Cleanup = Parameters<typeof shortRunOptions>[0]

/** A short run on few keys (so sessions meet on them), sessions on every node, faults 2 s on, 2 s off. */
async function modeRun(
  cleanup: Cleanup,
  consistency: ConsistencyMode,
  nemesis: NemesisName | 'none',
  settings: Partial<StoreSettings> = {},
) {
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
  return readHistory(result.history)
}

async function judge(model: ModelName, history: HistoryRecord[]): Promise<ModelCheckResult> {
  const checker = MODEL_CHECKERS[model]
  if (!checker) throw new Error(`no ${model} checker in this build`)
  return checker(history)
}

/** What a run did, for assertion messages. */
function describe(history: HistoryRecord[], result: ModelCheckResult): string {
  const ops = opsOf(history)
  const ok = ops.filter((op) => op.type === 'ok').length
  return `${result.valid} (${result.violations} violations; ${ok} of ${ops.length} ops ok): ${result.examples[0]?.summary ?? 'no example'}`
}

const PROMISED: [ConsistencyMode, ModelName][] = [
  ['linearizable', 'linearizable'],
  ['sequential', 'sequential'],
  ['causal', 'causal'],
]

test.group('consistency modes on real runs', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.each.timeout(300_000)

  for (const [consistency, model] of PROMISED) {
    test(`${consistency}: the ${model} checker confirms it with no fault, a partition, crashes and pauses`, async ({ assert, cleanup }) => {
      for (const nemesis of ['none', 'partition', 'crash', 'pause'] as const) {
        const history = await modeRun(cleanup, consistency, nemesis)
        const writes = opsOf(history).filter((op) => op.f === 'put' && op.type === 'ok' && op.phase !== 'final')
        assert.isAbove(writes.length, 20, `${nemesis}: the run wrote`)
        const result = await judge(model, history)
        assert.isTrue(result.valid === true, `${consistency} under ${nemesis}: ${describe(history, result)}`)
      }
    })
  }

  test('sequential is not linearizable: across a partition a replica serves reads the sequencer has moved past', async ({
    assert,
    cleanup,
  }) => {
    const history = await modeRun(cleanup, 'sequential', 'partition')
    assert.isTrue((await judge('sequential', history)).valid === true)
    const lin = await judge('linearizable', history)
    assert.isTrue(lin.valid === false, describe(history, lin))
  })

  test('causal is not sequential: across a partition each side orders its own writes', async ({ assert, cleanup }) => {
    const history = await modeRun(cleanup, 'causal', 'partition')
    assert.isTrue((await judge('causal', history)).valid === true)
    const seq = await judge('sequential', history)
    assert.isTrue(seq.valid === false, describe(history, seq))
  })

  test('eventual with R = W = 1 is not causal: a read can miss what its session already saw', async ({ assert, cleanup }) => {
    const history = await modeRun(cleanup, 'eventual', 'partition', { r: 1, w: 1 })
    const causal = await judge('causal', history)
    assert.isTrue(causal.valid === false, describe(history, causal))
  })
})
