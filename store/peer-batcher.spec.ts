/** The peer batcher: one batch per peer and turn, each write encoded once for all its replicas, results matched to their calls. */
import { test } from '@japa/runner'
import { BATCH_PATH, type BatchResult } from './api.ts'
import { PeerBatcher } from './peer-batcher.ts'
import { PeerError, type PeerClient, type PeerRequest } from './peers.ts'
import { applyWrite, emptyObject, type VersionedObject } from './versioning.ts'

type Sent = { peer: string; call: PeerRequest }

/** A peer client that records each batch and answers every op with `answer(op index)`. */
function fakePeers(answer: (index: number) => BatchResult | undefined = () => ({ ok: true })): { peers: PeerClient; sent: Sent[] } {
  const sent: Sent[] = []
  const peers = {
    batch: (peer: string, json: string, timeoutMs: number) => {
      const call: PeerRequest = { method: 'POST', path: BATCH_PATH, json, timeoutMs }
      sent.push({ peer, call })
      const { ops } = JSON.parse(json) as { ops: unknown[] }
      return Promise.resolve({ node: peer, results: ops.map((_, i) => answer(i)).filter((r) => r !== undefined) })
    },
  }
  return { peers: peers as unknown as PeerClient, sent }
}

const objectOf = (value: unknown, counter = 1): VersionedObject =>
  applyWrite('dvv', emptyObject(), { node: 'n1.a', counter, context: { clock: {}, dots: [] }, value, deleted: false, ts: 5 }).object

const opsOf = (s: Sent): unknown[] => (JSON.parse(s.call.json ?? JSON.stringify(s.call.body)) as { ops: unknown[] }).ops

test.group('peer batcher', () => {
  test('a write sent to two replicas is encoded once, and each gets it in one batch', async ({ assert }) => {
    const { peers, sent } = fakePeers()
    const batcher = new PeerBatcher({ peers, timeoutMs: 1000 })
    let encodings = 0
    const object = objectOf({
      toJSON: () => {
        encodings += 1
        return 'v'
      },
    })
    await Promise.all([batcher.merge('n2', 'k', object), batcher.merge('n3', 'k', object)])
    assert.equal(encodings, 1)
    assert.deepEqual(
      sent.map((s) => s.peer),
      ['n2', 'n3'],
    )
    for (const s of sent) {
      assert.equal(s.call.path, '/internal/batch')
      assert.deepEqual(opsOf(s), [{ op: 'merge', key: 'k', object: JSON.parse(JSON.stringify(object)) }])
    }
  })

  test('ops of one turn for one peer travel together, each with its own key, object and owner', async ({ assert }) => {
    const { peers, sent } = fakePeers()
    const batcher = new PeerBatcher({ peers, timeoutMs: 1000 })
    const first = objectOf('first', 1)
    const second = objectOf('second', 2)
    await Promise.all([
      batcher.merge('n2', 'k', first),
      batcher.merge('n2', 'k', second),
      batcher.merge('n2', 'other', second),
      batcher.hint('n2', 'n3', 'k', second),
      batcher.hint('n2', 'n4', 'k', second),
      batcher.read('n2', 'k'),
    ])
    assert.lengthOf(sent, 1)
    const plain = (o: VersionedObject): unknown => JSON.parse(JSON.stringify(o))
    assert.deepEqual(opsOf(sent[0]), [
      { op: 'merge', key: 'k', object: plain(first) },
      { op: 'merge', key: 'k', object: plain(second) },
      { op: 'merge', key: 'other', object: plain(second) },
      { op: 'hint', owner: 'n3', key: 'k', object: plain(second) },
      { op: 'hint', owner: 'n4', key: 'k', object: plain(second) },
      { op: 'read', key: 'k' },
    ])
  })

  test('an op the peer failed, or left out of its answer, rejects its own call only', async ({ assert }) => {
    const { peers } = fakePeers((i) => (i === 0 ? { ok: true } : i === 1 ? { ok: false, error: 'refused' } : undefined))
    const batcher = new PeerBatcher({ peers, timeoutMs: 1000 })
    const calls = [objectOf('a'), objectOf('b'), objectOf('c')].map((o, i) => batcher.merge('n2', `k${i}`, o))
    const [ok, refused, missing] = await Promise.allSettled(calls)
    assert.equal(ok.status, 'fulfilled')
    assert.equal(refused.status, 'rejected')
    assert.instanceOf((refused as PromiseRejectedResult).reason, PeerError)
    assert.include(((refused as PromiseRejectedResult).reason as Error).message, 'refused')
    assert.include(((missing as PromiseRejectedResult).reason as Error).message, 'missing from the batch answer')
  })
})
