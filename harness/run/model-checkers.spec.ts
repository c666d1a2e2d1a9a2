/**
 * The model checkers on short real runs of the reference store (strict quorums, R = W = 2
 * of N = 3, no nemesis, one key): one session's history is linearizable (every read
 * quorum meets the last write's) when every write was acknowledged; ten sessions writing
 * the key at once leave siblings, which no register returns, and the checkers say so.
 */
import { test } from '@japa/runner'
import { checkLinearizable, checkSequential } from '../../reports/models/index.ts'
import { PRESETS } from '../../workloads/workload.ts'
import { runWorkload } from './run.ts'
import { quorumlabAdapter } from '../stores/quorumlab/index.ts'
import { opsOf, readHistory, SHORT_RUN_SETTINGS, shortRunOptions } from './testing.ts'

type Cleanup = Parameters<typeof shortRunOptions>[0]

async function strictOneKeyRun(cleanup: Cleanup, concurrency: number) {
  const options = await shortRunOptions(cleanup, {
    workload: { ...PRESETS.distributed, keys: 1, kind: 'register' },
    store: quorumlabAdapter({ settings: { ...SHORT_RUN_SETTINGS, n: 3, r: 2, w: 2, strict: true } }),
    concurrency,
    rate: 0,
    timeS: 4,
  })
  const result = await runWorkload(options)
  if (!result.completed) throw new Error(`the run did not complete: ${result.error}`)
  return readHistory(result.history)
}

test.group('model checkers on real runs', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('one session on one key of a strict R=2 W=2 cluster: linearizable', async ({ assert, cleanup }) => {
    const history = await strictOneKeyRun(cleanup, 1)
    const ops = opsOf(history).filter((op) => op.type === 'ok' && op.phase !== 'final')
    assert.isAbove(ops.filter((op) => op.f === 'get').length, 20)
    assert.isAbove(ops.filter((op) => op.f === 'put').length, 20)
    const lin = await checkLinearizable(history)
    const seq = await checkSequential(history)
    const all = opsOf(history)
    const outcomes = new Map<string, number>()
    for (const op of all) outcomes.set(`${op.f} ${op.type}`, (outcomes.get(`${op.f} ${op.type}`) ?? 0) + 1)
    const seen = `${lin.examples[0]?.summary ?? 'no example'} (ops: ${[...outcomes].map(([what, n]) => `${what} ${n}`).join(', ')})`
    // A write whose ack was lost may still land; the session's next write, made with the
    // context it had before, is then concurrent with it, and the store rightly keeps both.
    if (all.some((op) => op.f === 'put' && op.type === 'info')) {
      for (const { summary } of [...lin.examples, ...seq.examples]) assert.match(summary, /concurrent values/, seen)
      return
    }
    assert.deepInclude(lin, { valid: true, checked: 1, violations: 0 }, seen)
    assert.deepInclude(seq, { valid: true, checked: 1 }, seen)
  }).timeout(60_000)

  test('ten sessions on one key: reads return siblings, so neither linearizable nor sequential', async ({ assert, cleanup }) => {
    const history = await strictOneKeyRun(cleanup, 10)
    for (const check of [checkLinearizable, checkSequential]) {
      const result = await check(history)
      assert.deepInclude(result, { valid: false, checked: 1, violations: 1 })
      assert.match(result.examples[0].summary, /^read \d+ \(process \d+\) returned \d+ concurrent values \(/)
    }
  }).timeout(60_000)
})
