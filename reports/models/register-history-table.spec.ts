import { test } from '@japa/runner'
import type { OpRecord } from '../../common/contracts/history.ts'
import { OpTableBuilder } from '../op-table.ts'
import { plantStaleRead, simulateRegister } from '../testing/register-simulation.ts'
import { checkLinearizable } from './index.ts'
import type { RegisterHistories, RegisterOp } from './register-history.ts'
import { registerHistories } from './register-history.ts'
import { registerHistoriesFromTable } from './register-history-table.ts'
import { fillHashTokens, hashesIn } from './value-text.ts'

/** The ops as history records in an op table (the fields the table needs beside a model checker's). */
function tableOf(ops: readonly RegisterOp[]) {
  const builder = new OpTableBuilder('register', ops.length)
  for (const op of ops) {
    const record = { ...op, node: 'n1', phase: 'fault', intended: op.invoke, context: null } as unknown as OpRecord
    builder.push(record, 0, 0)
  }
  return builder.finish()
}

const COLUMNS = ['keyStart', 'index', 'process', 'lane', 'op', 'f', 'info', 'a', 'b', 'invoke', 'complete', 'deadline', 'siblings'] as const

test.group('register histories from the op table', () => {
  test('lay out every op as the records do, values by hash (cas, info and fail ops, siblings included)', ({ assert }) => {
    const ops = simulateRegister({ ops: 3000, keys: 12, processes: 8, seed: 7, infoRate: 0.05 })
    ops[10] = { ...ops[10], type: 'fail' }
    // A key whose only op failed: it has no register.
    ops[11] = { ...ops[11], key: 'only-failed', type: 'fail' }
    const read = ops.findIndex((op) => op.f === 'get' && op.type === 'ok' && Array.isArray(op.value) && op.value.length === 1)
    const sibling = ops.find((op, i) => i > read && op.key === ops[read].key && op.f === 'put')
    ops[read] = { ...ops[read], value: [...(ops[read].value as unknown[]), sibling?.value] }
    const fromRecords = registerHistories(ops)
    const fromTable = registerHistoriesFromTable(tableOf(ops))
    assert.isTrue(fromTable.hashed)
    assert.isFalse(fromRecords.hashed)
    assert.deepEqual(fromTable.keys, fromRecords.keys)
    assert.deepEqual(fromTable.dropped, fromRecords.dropped)
    assert.isAbove(fromRecords.dropped.fail + fromRecords.dropped.infoReads, 0)
    for (const column of COLUMNS) assert.deepEqual(Array.from(fromTable[column]), Array.from(fromRecords[column]), column)
    assert.deepEqual(
      fromTable.values.map((v) => v.length),
      fromRecords.values.map((v) => v.length),
    )
    assert.isAbove(fromRecords.siblings.length, 0)
    assert.isTrue(Array.from(fromRecords.op).includes(2), 'the history has compare-and-sets')
  })

  test('a stale read is found from hashes alone, and its sentence names the values once filled in', async ({ assert }) => {
    const ops = simulateRegister({ ops: 2000, keys: 4, processes: 6, seed: 3, casFraction: 0 })
    const planted = plantStaleRead(ops, 'k1')
    assert.isAtLeast(planted, 0)
    const histories: RegisterHistories = registerHistoriesFromTable(tableOf(ops))
    const result = await checkLinearizable(histories, { maxExamples: 5 })
    assert.equal(result.valid, false)
    const [example] = result.examples
    assert.include(example.ops, planted)
    const hashes = hashesIn(example.summary)
    assert.isAbove(hashes.length, 0, example.summary)
    const [stale] = ops[ops.findIndex((op) => op.index === planted)].value as unknown[]
    const texts = new Map(hashes.map((h) => [h, JSON.stringify(stale)]))
    const filled = fillHashTokens(example.summary, texts)
    assert.include(filled, JSON.stringify(stale))
    assert.deepEqual(hashesIn(filled), [])
    assert.equal(fillHashTokens(example.summary, new Map()).includes('(value not found)'), true)
  })
})
