/**
 * The model checkers' plumbing: what the register histories keep and drop, the search
 * budget turning a search too big to finish into `unknown` (or into `invalid` when an
 * anomaly proves it anyway), and worker threads giving the same result as one thread on
 * a simulated history with planted stale reads.
 */
import { test } from '@japa/runner'
import { plantStaleRead, simulateRegister } from '../testing/register-simulation.ts'
import { checkLinearizable, registerHistories } from './index.ts'
import type { RegisterOp } from './register-history.ts'

/** Many concurrent writes, then reads no order explains; a concurrent delete keeps the zones out, so only the search decides. */
function hardHistory(writers: number): RegisterOp[] {
  const ops: RegisterOp[] = []
  const at = (process: number, f: RegisterOp['f'], value: unknown, invoke: number, complete: number, type: RegisterOp['type'] = 'ok') =>
    ops.push({ index: ops.length, process, type, f, key: 'hot', value, invoke, complete })
  for (let p = 0; p < writers; p++) at(p, 'put', `v${p}`, 0, 100)
  at(writers, 'delete', null, 0, 100)
  at(writers + 1, 'get', ['v0'], 200, 210)
  at(writers + 1, 'get', ['v1'], 220, 230)
  return ops
}

test.group('model checkers: register histories', () => {
  test('fail ops, info reads and info writes nobody saw are dropped; a cas without [expected, new] is malformed', ({ assert }) => {
    const ops: RegisterOp[] = [
      { index: 0, process: 0, type: 'fail', f: 'put', key: 'k', value: 'a', invoke: 0, complete: 1 },
      { index: 1, process: 0, type: 'info', f: 'get', key: 'k', value: null, invoke: 2, complete: 3 },
      { index: 2, process: 0, type: 'info', f: 'put', key: 'k', value: 'b', invoke: 4, complete: 5 },
      { index: 3, process: 0, type: 'ok', f: 'cas', key: 'k', value: 'c', invoke: 6, complete: 7 },
      { index: 4, process: 1, type: 'info', f: 'put', key: 'k', value: 'd', invoke: 8, complete: 9 },
      { index: 5, process: 1, type: 'ok', f: 'get', key: 'k', value: ['d'], invoke: 20, complete: 30 },
    ]
    const h = registerHistories(ops)
    assert.deepEqual(h.dropped, { fail: 1, infoReads: 1, unobservedInfoWrites: 1, malformed: 1 })
    assert.deepEqual(Array.from(h.index), [4, 5])
    // The info write a read showed must have taken effect by the time that read completed.
    assert.deepEqual(Array.from(h.deadline), [30, 30])
    assert.deepEqual(Array.from(h.complete), [Number.POSITIVE_INFINITY, 30])
  })
})

test.group('model checkers: budget and threads', () => {
  test('a search that exhausts its budget makes the key unknown, never a hang', async ({ assert }) => {
    const ops = hardHistory(20)
    const bySteps = await checkLinearizable(ops, { budget: { steps: 50_000 } })
    assert.deepInclude(bySteps, { valid: 'unknown', violations: 0, keys: { valid: 0, invalid: 0, unknown: 1 } })
    assert.equal(
      bySteps.valid === 'unknown' && bySteps.reason,
      'the search of key "hot" did not finish: the search budget of 50,000 steps ran out',
    )
    const byTime = await checkLinearizable(ops, { budget: { ms: 1 } })
    assert.equal(byTime.valid === 'unknown' && byTime.reason, 'the search of key "hot" did not finish: the search budget of 1 ms ran out')
    const byMemory = await checkLinearizable(ops, { budget: { memoMegaInts: 0.01 } })
    assert.match(byMemory.valid === 'unknown' ? byMemory.reason : '', /more states than its memory budget \(0\.04 MB\)/)
    // The same with fewer writers is decided: invalid.
    assert.equal((await checkLinearizable(hardHistory(6))).valid, false)
  })

  test('a key whose search ran out of budget is invalid when an anomaly proves it', async ({ assert }) => {
    const ops = hardHistory(20)
    ops.push({ index: ops.length, process: 30, type: 'ok', f: 'put', key: 'hot', value: 'late', invoke: 300, complete: 310 })
    ops.push({ index: ops.length, process: 31, type: 'ok', f: 'get', key: 'hot', value: ['v1'], invoke: 320, complete: 330 })
    const result = await checkLinearizable(ops, { budget: { steps: 50_000 } })
    assert.equal(result.valid, false)
    assert.match(
      result.examples[0].summary,
      /^read 24 \(process 31\) of "v1" \(written by write 1 \(process 1\) of "v1"\) is stale: write 23/,
    )
  })

  test('worker threads find what one thread finds', async ({ assert }) => {
    const ops = simulateRegister({ ops: 30_000, keys: 300, processes: 60, seed: 3 })
    const planted = ['k7', 'k150', 'k299'].map((key) => plantStaleRead(ops, key))
    assert.notInclude(planted, -1)
    const h = registerHistories(ops, { shared: true })
    const one = await checkLinearizable(h, { workers: 0 })
    const two = await checkLinearizable(h, { workers: 2 })
    assert.deepEqual(two, one)
    assert.deepEqual(one.keys, { valid: 297, invalid: 3, unknown: 0 })
    assert.sameMembers(
      one.examples.map((e) => e.key),
      ['k7', 'k150', 'k299'],
    )
    for (const example of one.examples) assert.include(planted, example.ops[0], example.summary)
  }).timeout(60_000)
})
