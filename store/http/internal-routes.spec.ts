/**
 * A batch of replica ops against a real replica and storage: its merges go into one
 * storage transaction, and every op's answer and every key's state are what applying the
 * ops one at a time gives.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import type { BatchOp, BatchResult } from '../api.ts'
import { NODE_DEFAULTS, type NodeConfig } from '../config.ts'
import type { HintedHandoff } from '../hinted-handoff.ts'
import { Replica } from '../replica.ts'
import { Storage } from '../storage.ts'
import { applyWrite, emptyObject, type VersionedObject } from '../versioning.ts'
import { answerBatch } from './internal-routes.ts'

const config = { ...NODE_DEFAULTS, id: 'n1' } as NodeConfig

/** A state written by `node` with dot `counter`, seen nothing before it. */
const stateOf = (node: string, counter: number, value: unknown): VersionedObject =>
  applyWrite('dvv', emptyObject(), { node, counter, context: { clock: {}, dots: [] }, value, deleted: false, ts: counter }).object

/** A replica of node `n1.a` over a storage in a fresh dir, counting the storage's transactions of each kind. */
function replicaIn(dirs: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'quorumlab-batch-'))
  dirs.push(dir)
  const storage = Storage.open({ dir })
  const calls = { update: 0, updateMany: 0 }
  const { update, updateMany } = storage
  storage.update = ((...args: Parameters<typeof update>) => {
    calls.update += 1
    return update.apply(storage, args)
  }) as typeof update
  storage.updateMany = ((...args: Parameters<typeof updateMany>) => {
    calls.updateMany += 1
    return updateMany.apply(storage, args)
  }) as typeof updateMany
  const replica = new Replica({ node: 'n1.a', mode: 'dvv', storage })
  return { storage, replica, calls }
}

const handoff = { store: async () => {} } as unknown as HintedHandoff

test.group('replica batch: merges in one transaction', (group) => {
  group.tap((t) => t.tags(['integration']))
  const dirs: string[] = []
  const storages: Storage[] = []
  group.each.teardown(async () => {
    for (const storage of storages.splice(0)) await storage.close()
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  test('answers each op as applying them one at a time does, with one storage transaction for all the merges', async ({ assert }) => {
    const ops: BatchOp[] = [
      { op: 'read', key: 'k1' },
      { op: 'merge', key: 'k1', object: stateOf('n2.b', 1, 'from n2') },
      { op: 'merge', key: 'k2', object: stateOf('n2.b', 2, 'only') },
      // The same key again, concurrent with the first: both values stay, as siblings.
      { op: 'merge', key: 'k1', object: stateOf('n3.c', 1, 'from n3') },
      // A state claiming a dot n1 never issued is refused alone.
      { op: 'merge', key: 'k3', object: stateOf('n1.a', 99, 'forged') },
      { op: 'merge', key: 'k4', object: { siblings: 'no' } } as unknown as BatchOp,
      { op: 'hint', owner: 'n2', key: 'k5', object: stateOf('n2.b', 3, 'held') },
    ]
    const batched = replicaIn(dirs)
    const oneByOne = replicaIn(dirs)
    storages.push(batched.storage, oneByOne.storage)

    const { node, results } = await answerBatch({ config, replica: batched.replica, handoff }, JSON.parse(JSON.stringify({ ops })))

    assert.equal(node, 'n1')
    assert.deepEqual(batched.calls, { update: 0, updateMany: 1 })
    const summary = (result: BatchResult) => (result.ok ? 'ok' : result.error)
    assert.deepEqual(results.map(summary), [
      'ok',
      'ok',
      'ok',
      'ok',
      'the state of "k3" claims dot n1.a:99, which n1.a never issued (it issued 0)',
      'op.object is not a versioned object',
      'ok',
    ])
    for (const result of results.slice(1, 4)) assert.isNumber(result.ok && result.atMs)
    // The read comes before the merges in the batch, and sees none of them.
    assert.isNull(results[0].ok && results[0].object)

    for (const op of ops.slice(1, 5)) {
      if (op.op === 'merge') await oneByOne.replica.mergeIn(op.key, op.object).catch(() => {})
    }
    for (const key of ['k1', 'k2', 'k3', 'k4']) assert.deepEqual(batched.replica.read(key), oneByOne.replica.read(key), key)
    assert.lengthOf(batched.replica.read('k1').siblings, 2)
  })

  test('a read after the first merge sees the batch merged', async ({ assert }) => {
    const { storage, replica } = replicaIn(dirs)
    storages.push(storage)
    const object = stateOf('n2.b', 1, 'v')
    const ops: BatchOp[] = [
      { op: 'merge', key: 'k', object },
      { op: 'read', key: 'k' },
    ]
    const { results } = await answerBatch({ config, replica, handoff }, { ops })
    assert.deepEqual(results[1].ok && results[1].object, replica.read('k'))
    assert.lengthOf(replica.read('k').siblings, 1)
  })
})
