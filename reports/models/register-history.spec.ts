import { test } from '@japa/runner'
import { OK } from '../op-table.ts'
import { opAsRecorded, RegisterHistoryBuilder, type RegisterOp, registerHistories } from './register-history.ts'

/** An ok op of process 0 at `[at, at + 1]` µs. */
const op = (index: number, key: string, f: RegisterOp['f'], value: unknown): RegisterOp => ({
  index,
  process: 0,
  type: 'ok',
  f,
  key,
  value,
  invoke: 10 * index,
  complete: 10 * index + 1,
})

test.group('register histories', () => {
  test('every row reads back as recorded, its values by ids local to its key, after a key with far more values', ({ assert }) => {
    const ops: RegisterOp[] = []
    // "a" first (keys are laid out by name): 3,000 values, so the next keys' ids start afresh in a smaller table.
    for (let i = 0; i < 3000; i++) ops.push(op(ops.length, 'a', 'put', `a${i}`))
    ops.push(op(ops.length, 'a', 'get', ['a2999']))
    ops.push(op(ops.length, 'b', 'put', 'x'))
    ops.push(op(ops.length, 'b', 'get', ['x']))
    ops.push(op(ops.length, 'b', 'cas', ['x', { y: [1] }]))
    ops.push(op(ops.length, 'b', 'delete', null))
    ops.push(op(ops.length, 'b', 'get', []))
    // Values "a" and "b" showed too: a table not cleared between keys would give them those keys' ids.
    ops.push(op(ops.length, 'c', 'get', ['p', 'x', 'a0']))
    const h = registerHistories(ops)
    assert.deepEqual(h.keys, ['a', 'b', 'c'])
    // Each key's values: absent, then those its rows show, first seen first.
    assert.deepEqual(Array.from(h.values[1]), [null, 'x', { y: [1] }])
    assert.deepEqual(Array.from(h.values[2]), [null, 'p', 'x', 'a0'])
    let rows = 0
    for (let k = 0; k < h.keys.length; k++) {
      for (let row = h.keyStart[k]; row < h.keyStart[k + 1]; row++) {
        const recorded = ops[h.index[row]]
        assert.deepEqual(opAsRecorded(h, k, row), { f: recorded.f, value: recorded.value }, `op #${recorded.index}`)
        rows++
      }
    }
    assert.equal(rows, ops.length)
  })

  test('keys laid out a chunk of keys at a time read back as recorded, one key larger than a chunk too', ({ assert }) => {
    const ops: RegisterOp[] = []
    // 40 keys of 3,000 ops (two chunks of 65,536 ops and a part), then one of 70,000 (a chunk of its own).
    const keys = [...Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(2, '0')}`), 'z-big']
    for (const key of keys) {
      const n = key === 'z-big' ? 70_000 : 3000
      for (let i = 0; i < n; i++)
        ops.push(op(ops.length, key, i % 3 === 2 ? 'get' : 'put', i % 3 === 2 ? [`${key}-${i - 1}`] : `${key}-${i}`))
    }
    const h = registerHistories(ops)
    assert.deepEqual(h.keys, keys)
    let wrong = 0
    let rows = 0
    for (let k = 0; k < h.keys.length; k++) {
      for (let row = h.keyStart[k]; row < h.keyStart[k + 1]; row++, rows++) {
        const recorded = ops[h.index[row]]
        if (
          recorded.key !== keys[k] ||
          JSON.stringify(opAsRecorded(h, k, row)) !== JSON.stringify({ f: recorded.f, value: recorded.value })
        )
          wrong++
      }
    }
    assert.equal(rows, ops.length)
    assert.equal(wrong, 0)
  })

  test('a builder takes ops with values or rows with hashes, not both', ({ assert }) => {
    const row = { index: 0, process: 0, key: 0, f: 1, outcome: OK, invoke: 0, complete: 1, hashes: [42] }
    const withValues = new RegisterHistoryBuilder({ keys: ['k'] })
    withValues.push(op(0, 'k', 'put', 'v'))
    assert.throws(() => withValues.pushRow(row, 1), /after ops with values/)
    const withHashes = new RegisterHistoryBuilder({ keys: ['k'] })
    withHashes.pushRow(row, 1)
    assert.throws(() => withHashes.push(op(1, 'k', 'put', 'v')), /after rows with hashes/)
  })
})
