/**
 * The linearizable and sequential checkers on hand-made histories, one anomaly each: what
 * each model allows and forbids, the sentence that explains a violation, and the failing
 * window (its ops, the linearized prefix within it).
 */
import { test } from '@japa/runner'
import type { OpFunction, OpOutcome } from '../../common/contracts/history.ts'
import { checkLinearizable, checkSequential, type ModelCheckResult } from './index.ts'
import type { RegisterOp } from './register-history.ts'

/** Ops in the order written; times in ms (stored in µs, as the harness does). */
function history(
  ...specs: [process: number, f: OpFunction, value: unknown, at: [number, number], type?: OpOutcome, key?: string][]
): RegisterOp[] {
  return specs.map(([process, f, value, [invoke, complete], type, key], index) => ({
    index,
    process,
    type: type ?? 'ok',
    f,
    key: key ?? 'x',
    value,
    invoke: invoke * 1000,
    complete: complete * 1000,
  }))
}

const both = async (ops: RegisterOp[]): Promise<{ lin: ModelCheckResult; seq: ModelCheckResult }> => ({
  lin: await checkLinearizable(ops),
  seq: await checkSequential(ops),
})

test.group('model checkers: anomalies', () => {
  test('a stale read after a completed write fails linearizability, passes sequential consistency', async ({ assert }) => {
    const ops = history([0, 'put', 'a', [0, 10]], [0, 'put', 'b', [20, 30]], [1, 'get', ['a'], [40, 50]])
    const { lin, seq } = await both(ops)
    assert.equal(lin.valid, false)
    assert.deepInclude(lin, { name: 'linearizable', kind: 'model', checked: 1, checkedWhat: 'keys', violations: 1 })
    assert.deepEqual(lin.keys, { valid: 0, invalid: 1, unknown: 0 })
    assert.equal(
      lin.examples[0].summary,
      'read 2 (process 1) of "a" (written by write 0 (process 0) of "a") is stale: write 1 (process 0) of "b" began after 0 completed and completed before 2 began',
    )
    assert.deepEqual(lin.examples[0].ops, [2, 0, 1])
    const [window] = lin.windows
    assert.deepEqual(
      window.ops.map((o) => o.index),
      [0, 1, 2],
    )
    // Both writes linearize; the read cannot follow.
    assert.deepEqual(window.linearized, [0, 1])
    assert.deepInclude(window.ops[2], { process: 1, type: 'ok', f: 'get', key: 'x', value: ['a'], invoke: 40_000, complete: 50_000 })
    assert.equal(seq.valid, true)
    assert.deepEqual(seq.windows, [])
  })

  test('a read of a concurrent write, before or after it takes effect, passes', async ({ assert }) => {
    for (const seen of [['a'], ['b']]) {
      const { lin, seq } = await both(history([0, 'put', 'a', [0, 10]], [0, 'put', 'b', [20, 40]], [1, 'get', seen, [25, 30]]))
      assert.equal(lin.valid, true, JSON.stringify(seen))
      assert.equal(seq.valid, true)
    }
  })

  test('reading a new value, then the older one, fails both (one process sees the writes out of order)', async ({ assert }) => {
    const ops = history([0, 'put', 'a', [0, 10]], [0, 'put', 'b', [20, 30]], [1, 'get', ['b'], [40, 50]], [1, 'get', ['a'], [60, 70]])
    const { lin, seq } = await both(ops)
    assert.equal(lin.valid, false)
    assert.equal(seq.valid, false)
    assert.equal(
      seq.examples[0].summary,
      'read 3 (process 1) of "a" came after read 2 (process 1) of "b", but write 0 (process 0) of "a" came before write 1 (process 0) of "b" in its process\'s order',
    )
    assert.deepEqual(seq.examples[0].ops, [2, 3, 0, 1])
    assert.deepEqual(
      seq.windows[0].ops.map((o) => o.index),
      [0, 1, 2, 3],
    )
  })

  test('two readers see two writes in opposite orders: no order of the writes explains both (fails both)', async ({ assert }) => {
    const ops = history(
      [0, 'put', 'a', [0, 100]],
      [1, 'put', 'b', [0, 100]],
      [2, 'get', ['a'], [10, 20]],
      [2, 'get', ['b'], [30, 40]],
      [3, 'get', ['b'], [10, 20]],
      [3, 'get', ['a'], [30, 40]],
    )
    const { lin, seq } = await both(ops)
    assert.equal(lin.valid, false)
    assert.equal(seq.valid, false)
    assert.equal(
      seq.examples[0].summary,
      'no order of the writes explains what the processes saw: process 2 saw "a" (2) before "b" (3); process 3 saw "b" (4) before "a" (5)',
    )
    assert.sameMembers(seq.examples[0].ops, [0, 1, 2, 3, 4, 5])
    // One reader alone sees an order the writes could have had.
    assert.equal((await checkSequential(ops.slice(0, 4))).valid, true)
  })

  test('a lost update (two compare-and-sets from the same value both swap) fails both', async ({ assert }) => {
    const ops = history(
      [0, 'get', [], [0, 5]],
      [1, 'get', [], [0, 5]],
      [0, 'cas', [null, 'a'], [10, 20]],
      [1, 'cas', [null, 'b'], [10, 20]],
      [2, 'get', ['b'], [30, 40]],
    )
    const { lin, seq } = await both(ops)
    assert.equal(lin.valid, false)
    assert.equal(seq.valid, false)
    // The same with one of them failed is fine.
    const failed = ops.map((op) => (op.index === 2 ? { ...op, type: 'fail' as const } : op))
    assert.equal((await checkLinearizable(failed)).valid, true)
  })

  test('lost update through concurrent blind writes: the overwritten value comes back', async ({ assert }) => {
    const ops = history(
      [0, 'put', 'a', [0, 10]],
      [1, 'put', 'b', [0, 10]],
      [2, 'get', ['a'], [20, 30]],
      [2, 'get', ['b'], [40, 50]],
      [2, 'get', ['a'], [60, 70]],
    )
    const { lin, seq } = await both(ops)
    assert.equal(lin.valid, false)
    assert.equal(seq.valid, false)
  })

  test('a phantom value fails both, named as such', async ({ assert }) => {
    const ops = history([0, 'put', 'a', [0, 10]], [1, 'get', ['z'], [20, 30]])
    const { lin, seq } = await both(ops)
    for (const result of [lin, seq]) {
      assert.equal(result.valid, false)
      assert.equal(result.examples[0].summary, 'read 1 (process 1) of "z": no write of key x wrote "z" (a phantom value)')
    }
  })

  test('a read of siblings fails both: a register returns one value', async ({ assert }) => {
    const ops = history([0, 'put', 'a', [0, 10]], [1, 'put', 'b', [0, 10]], [2, 'get', ['a', 'b'], [20, 30]])
    const { lin, seq } = await both(ops)
    for (const result of [lin, seq]) {
      assert.equal(result.valid, false)
      assert.equal(
        result.examples[0].summary,
        'read 2 (process 2) returned 2 concurrent values ("a", "b"): a register holds one value at a time',
      )
      assert.deepEqual(result.examples[0].ops, [2])
      assert.includeMembers(
        result.windows[0].ops.map((o) => o.index),
        [0, 1, 2],
      )
    }
  })

  test('a read completing before its value was written fails linearizability', async ({ assert }) => {
    const { lin, seq } = await both(history([0, 'get', ['a'], [0, 10]], [1, 'put', 'a', [20, 30]]))
    assert.equal(lin.valid, false)
    assert.equal(
      lin.examples[0].summary,
      'read 0 (process 0) of "a" completed at 10.000 ms, before write 1 (process 1) of "a" was invoked at 20.000 ms',
    )
    assert.equal(seq.valid, true)
  })

  test('info writes: one a read showed took effect; one nobody read may never have; one read before it was sent is a violation', async ({
    assert,
  }) => {
    const shown = history([0, 'put', 'a', [0, 5], 'info'], [1, 'get', ['a'], [100, 110]], [1, 'get', ['a'], [120, 130]])
    assert.equal((await checkLinearizable(shown)).valid, true)
    const unseen = history([0, 'put', 'a', [0, 10]], [1, 'put', 'b', [20, 25], 'info'], [2, 'get', ['a'], [100, 110]])
    assert.equal((await checkLinearizable(unseen)).valid, true)
    // Once "a" was read, the info write of it took effect: reading absent later is stale.
    const thenAbsent = history([0, 'put', 'a', [0, 5], 'info'], [1, 'get', ['a'], [100, 110]], [1, 'get', [], [120, 130]])
    assert.equal((await checkLinearizable(thenAbsent)).valid, false)
    assert.equal((await checkSequential(thenAbsent)).valid, false)
    const early = history([1, 'get', ['a'], [0, 10]], [0, 'put', 'a', [20, 25], 'info'])
    assert.equal((await checkLinearizable(early)).valid, false)
  })

  test('fail ops never happened; info reads say nothing', async ({ assert }) => {
    const ops = history(
      [0, 'put', 'a', [0, 10]],
      [0, 'put', 'b', [20, 30], 'fail'],
      [1, 'get', null, [40, 50], 'info'],
      [1, 'get', ['a'], [60, 70]],
    )
    assert.equal((await checkLinearizable(ops)).valid, true)
    const readFailed = history([0, 'put', 'a', [0, 10]], [0, 'put', 'b', [20, 30], 'fail'], [1, 'get', ['b'], [60, 70]])
    assert.equal((await checkLinearizable(readFailed)).valid, false)
  })

  test('deletes and not-found reads are the same "absent"', async ({ assert }) => {
    const ops = history(
      [0, 'put', 'a', [0, 10]],
      [0, 'delete', null, [20, 30]],
      [1, 'get', [], [40, 50]],
      [1, 'cas', [null, 'b'], [60, 70]],
      [1, 'get', ['b'], [80, 90]],
    )
    assert.equal((await checkLinearizable(ops)).valid, true)
  })

  test("an info op does not hold its session back: the session's next op may take effect first (sequential)", async ({ assert }) => {
    // Process 0's write of "a" timed out; its next write, of "b", completed. A reader sees
    // "b" then "a": the timed-out write landed late. Jepsen would have retired process 0
    // (the later write from a new process); our sessions go on, and the same holds.
    const ops = history(
      [0, 'put', 'a', [0, 5], 'info'],
      [0, 'put', 'b', [10, 20]],
      [1, 'get', ['b'], [30, 40]],
      [1, 'get', ['a'], [50, 60]],
    )
    const { lin, seq } = await both(ops)
    assert.equal(seq.valid, true)
    assert.equal(lin.valid, true)
    // An ok write does hold its session back.
    const ok = ops.map((op) => (op.index === 0 ? { ...op, type: 'ok' as const } : op))
    assert.equal((await checkSequential(ok)).valid, false)
  })

  test('keys are independent: one invalid key among valid ones is the one reported', async ({ assert }) => {
    const ops = history(
      [0, 'put', 'a', [0, 10], 'ok', 'k1'],
      [1, 'get', ['a'], [20, 30], 'ok', 'k1'],
      [0, 'put', 'a', [0, 10], 'ok', 'k2'],
      [0, 'put', 'b', [20, 30], 'ok', 'k2'],
      [1, 'get', ['a'], [40, 50], 'ok', 'k2'],
    )
    const lin = await checkLinearizable(ops)
    assert.deepInclude(lin, { checked: 2, violations: 1, keys: { valid: 1, invalid: 1, unknown: 0 } })
    assert.equal(lin.examples[0].key, 'k2')
    assert.equal(lin.windows[0].key, 'k2')
    const one = await checkLinearizable(ops, { key: 'k1' })
    assert.deepInclude(one, { valid: true, checked: 1 })
    const none = await checkLinearizable(ops, { key: 'k3' })
    assert.deepInclude(none, { valid: 'unknown', checked: 0, reason: 'the history has no ops of key "k3"' })
  })
})
