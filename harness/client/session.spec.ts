/**
 * A session against a scripted client (no store, no process): what it sends through the
 * adapter's Client and what it records, for a store with version metadata (the context a
 * read returned rides on the next write) and one without (blind writes, no versions in
 * the history), and for each outcome.
 */
import { test } from '@japa/runner'
import type { OpRecord } from '../../common/contracts/history.ts'
import { KINDS } from '../../workloads/kinds.ts'
import { PRESETS, prepareWorkload } from '../../workloads/workload.ts'
import type { Client, Op, OpResult } from '../adapter/index.ts'
import { RunClock } from '../history/clock.ts'
import { Session } from './session.ts'

/** A client that answers each op with the next scripted result and remembers what it was sent. */
function scriptedClient(results: OpResult[]): Client & { sent: Op[] } {
  const sent: Op[] = []
  return {
    sent,
    invoke: async (op) => {
      sent.push(op)
      const result = results.shift()
      if (!result) throw new Error(`no scripted result for ${op.f} ${op.key}`)
      return result
    },
    close: async () => {},
  }
}

function sessionWith(client: Client, carryContext = false): { session: Session; records: Omit<OpRecord, 'index'>[] } {
  const records: Omit<OpRecord, 'index'>[] = []
  const workload = prepareWorkload({ ...PRESETS.distributed, keys: 4 })
  const session = new Session({
    process: 3,
    client,
    workload,
    clock: new RunClock(),
    phase: () => 'heal',
    record: (op) => records.push(op),
    carryContext,
  })
  return { session, records }
}

/** The register value the session writes for an element (32 bytes, the preset's size). */
const written = (element: string): unknown => KINDS.register.write(element, undefined, 32).value

const versions = [{ dot: { node: 'n2', counter: 7 }, clock: { n2: 7 } }]
const dot = { node: 'n1', counter: 8 }

test.group('session', () => {
  test('with version metadata: a read records it, and the next write sends the context read', async ({ assert }) => {
    const client = scriptedClient([
      { type: 'ok', values: ['0-0'], version: { context: 'ctx-1', versions, coordinator: 'n2' } },
      { type: 'ok', version: { context: 'ctx-2', dot, coordinator: 'n1' } },
    ])
    const { session, records } = sessionWith(client)
    await session.run({ f: 'get', key: 'k1', node: 'n2' }, 0)
    await session.run({ f: 'put', key: 'k1', node: 'n1', element: '3-0' }, 0)
    assert.deepEqual(client.sent[0], { f: 'get', key: 'k1', node: 'n2' })
    assert.include(client.sent[1] as object, { f: 'put', key: 'k1', node: 'n1', context: 'ctx-1' })
    assert.include(records[0], {
      process: 3,
      type: 'ok',
      f: 'get',
      node: 'n2',
      coordinator: 'n2',
      context: 'ctx-1',
      error: null,
      phase: 'heal',
    })
    assert.deepEqual(records[0].value, ['0-0'])
    assert.deepEqual(records[0].versions, versions)
    assert.include(records[1], { type: 'ok', f: 'put', coordinator: 'n1', context: 'ctx-1', error: null })
    assert.deepEqual(records[1].dot, dot)
  })

  test('carrying its context (causal): every op sends the last context any op returned, whatever the key', async ({ assert }) => {
    const client = scriptedClient([
      { type: 'ok', values: [], version: { context: 'after-read-k1' } },
      { type: 'ok', version: { context: 'after-write-k2', dot } },
      { type: 'ok', values: ['x'], version: { context: 'after-read-k3' } },
    ])
    const { session, records } = sessionWith(client, true)
    await session.run({ f: 'get', key: 'k1', node: 'n2' }, 0)
    await session.run({ f: 'put', key: 'k2', node: 'n2', element: '3-0' }, 0)
    await session.run({ f: 'get', key: 'k3', node: 'n2' }, 0)
    assert.deepEqual(client.sent[0], { f: 'get', key: 'k1', node: 'n2' }, 'nothing to carry yet')
    assert.include(client.sent[1] as object, { f: 'put', key: 'k2', context: 'after-read-k1' }, 'a context from another key')
    assert.deepEqual(client.sent[2], { f: 'get', key: 'k3', node: 'n2', context: 'after-write-k2' }, 'reads carry it too')
    assert.equal(records[1].context, 'after-read-k1', 'a write records the context it sent')
    assert.equal(records[2].context, 'after-read-k3', 'a read records the context it got')
  })

  test('without version metadata: blind writes, and no versions, dot or coordinator in the history', async ({ assert }) => {
    const client = scriptedClient([{ type: 'ok', values: ['0-0'] }, { type: 'ok' }])
    const { session, records } = sessionWith(client)
    await session.run({ f: 'get', key: 'k1', node: 'n2' }, 0)
    await session.run({ f: 'put', key: 'k1', node: 'n1', element: '3-0' }, 0)
    assert.include(client.sent[1] as object, { f: 'put', context: null })
    for (const record of records) {
      assert.equal(record.type, 'ok')
      assert.isNull(record.context)
      for (const field of ['versions', 'dot', 'coordinator']) assert.isUndefined(record[field as keyof typeof record], field)
    }
  })

  test('a failed or unknown op is recorded with its error and no values', async ({ assert }) => {
    const cases: { f: 'get' | 'put'; result: OpResult }[] = [
      { f: 'get', result: { type: 'fail', error: 'timeout' } },
      { f: 'put', result: { type: 'info', error: 'timeout' } },
      { f: 'put', result: { type: 'fail', error: 'connection_refused' } },
    ]
    for (const { f, result } of cases) {
      const { session, records } = sessionWith(scriptedClient([result]))
      await session.run(f === 'get' ? { f, key: 'k1', node: 'n1' } : { f, key: 'k1', node: 'n1', element: '3-0' }, 0)
      assert.lengthOf(records, 1)
      assert.include(records[0], { type: result.type, f, error: (result as { error: string }).error })
      if (f === 'get') assert.isNull(records[0].value)
      assert.isUndefined(records[0].dot)
    }
  })

  test('siblings a read returns are merged and written back with the read context', async ({ assert }) => {
    const client = scriptedClient([
      { type: 'ok', values: ['a', 'b'], version: { context: 'ctx-both', versions: [...versions, ...versions], coordinator: 'n1' } },
      { type: 'ok', version: { context: 'ctx-merged', dot, coordinator: 'n1' } },
    ])
    const { session, records } = sessionWith(client)
    await session.run({ f: 'get', key: 'k1', node: 'n1' }, 0)
    assert.lengthOf(client.sent, 2)
    assert.include(client.sent[1] as object, { f: 'put', key: 'k1', context: 'ctx-both' })
    assert.include(records[1], { f: 'put', resolution: true, context: 'ctx-both', type: 'ok' })
  })

  test('compare-and-set: expects the one value the session last saw, records [expected, new], and learns the new value', async ({
    assert,
  }) => {
    const client = scriptedClient([
      { type: 'fail', error: 'cas_mismatch' },
      { type: 'ok', values: ['0-0'] },
      { type: 'ok' },
      { type: 'ok', values: ['a', 'b'] },
      { type: 'ok' },
      { type: 'fail', error: 'cas_mismatch' },
    ])
    const { session, records } = sessionWith(client)
    // Nothing seen yet: a cas from null, which a store cannot match (the key is missing or holds a value).
    await session.run({ f: 'cas', key: 'k1', node: 'n1', element: '3-0' }, 0)
    await session.run({ f: 'get', key: 'k1', node: 'n2' }, 0)
    await session.run({ f: 'cas', key: 'k1', node: 'n3', element: '3-1' }, 0)
    assert.deepEqual(client.sent[0], { f: 'cas', key: 'k1', node: 'n1', expected: null, value: written('3-0') })
    assert.deepInclude(client.sent[2], { f: 'cas', expected: '0-0' })
    assert.include(records[0], { f: 'cas', type: 'fail', error: 'cas_mismatch', context: null })
    assert.deepEqual(records[0].value, [null, written('3-0')])
    assert.include(records[2], { f: 'cas', type: 'ok', error: null, node: 'n3' })
    assert.deepEqual(records[2].value, ['0-0', written('3-1')])
    // Siblings read are resolved by a put: the next cas expects what that put wrote.
    await session.run({ f: 'get', key: 'k2', node: 'n1' }, 0)
    await session.run({ f: 'cas', key: 'k2', node: 'n1', element: '3-2' }, 0)
    assert.deepInclude(client.sent[5], { f: 'cas', key: 'k2', expected: written('3-r0') })
  })
})
