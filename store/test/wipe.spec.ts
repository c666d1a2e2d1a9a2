/**
 * A node that loses its disk (kill -9, data dir deleted, restarted empty) on real node
 * processes: it comes back as a new incarnation, so its new writes get dots nobody has
 * seen, its peers take its heartbeats at once, and anti-entropy gives it its data back.
 */
import { rm } from 'node:fs/promises'
import { test } from '@japa/runner'
import { call, eventually, startTestCluster, type TestCluster } from '../../harness/cluster/testing.ts'
import type { ReadResponse, WriteResponse } from '../api.ts'

const TOKEN = { 'x-quorumlab-token': 'test-token' }

type Member = { node: string; generation: number; state: string }
const memberAt = async (cluster: TestCluster, at: string, of: string): Promise<Member> =>
  (await call(`${cluster.url(at)}/admin/members`)).body.members.find((m: Member) => m.node === of)

/** The values one replica holds for a key, from its own storage (no read repair). */
async function heldValues(cluster: TestCluster, id: string, key: string): Promise<unknown[]> {
  const { body } = await call(`${cluster.url(id)}/internal/objects/${key}`, 'GET', undefined, TOKEN)
  return (body.object?.siblings ?? []).filter((s: { deleted: boolean }) => !s.deleted).map((s: { value: unknown }) => s.value)
}

async function wipe(cluster: TestCluster, id: string): Promise<void> {
  const node = cluster.node(id)
  await node.kill()
  await rm(node.spec.dataDir, { recursive: true, force: true })
  await node.start()
}

test.group('store: a wiped node', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('rejoins as a new incarnation: new dots, a newer generation, its writes kept by every replica', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup, { settings: { replicaTimeoutMs: 1000 } })
    const keys = Array.from({ length: 10 }, (_, i) => `wiped-${i}`)
    const before = new Map<string, WriteResponse>()
    for (const key of keys) {
      const put = await call<WriteResponse>(`${cluster.url('n1')}/kv/${key}?w=3`, 'PUT', { value: `${key}-before` })
      assert.equal(put.status, 200)
      before.set(key, put.body)
    }
    await eventually('n2 sees n1 up', async () => (await memberAt(cluster, 'n2', 'n1')).state === 'up')
    const oldGeneration = (await memberAt(cluster, 'n2', 'n1')).generation

    await wipe(cluster, 'n1')
    await eventually('n2 and n3 take the new generation of n1', async () => {
      const [at2, at3] = [await memberAt(cluster, 'n2', 'n1'), await memberAt(cluster, 'n3', 'n1')]
      return at2.generation > oldGeneration && at3.generation > oldGeneration
    })

    // Blind writes after the wipe: concurrent with what the other replicas hold.
    for (const key of keys) {
      const put = await call<WriteResponse>(`${cluster.url('n1')}/kv/${key}?w=3`, 'PUT', { value: `${key}-after` })
      assert.equal(put.status, 200, key)
      assert.notDeepEqual(put.body.dot, before.get(key)!.dot, `${key}: a dot issued before the wipe is not issued again`)
    }
    for (const key of keys) {
      for (const id of ['n2', 'n3']) {
        assert.include(await heldValues(cluster, id, key), `${key}-after`, `${id} keeps the write n1 made after its wipe (${key})`)
      }
      const read = await call<ReadResponse>(`${cluster.url('n2')}/kv/${key}?r=3`)
      assert.sameMembers(read.body.values as string[], [`${key}-before`, `${key}-after`], key)
    }
  })

  test('gets its hints and, through anti-entropy, every key it lost', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup, { settings: { replicaTimeoutMs: 1000, antiEntropyIntervalMs: 300 } })
    const kept = Array.from({ length: 20 }, (_, i) => `kept-${i}`)
    for (const key of kept) assert.equal((await call(`${cluster.url('n2')}/kv/${key}?w=3`, 'PUT', { value: key })).status, 200)
    await cluster.node('n1').kill()
    const missed = Array.from({ length: 10 }, (_, i) => `missed-${i}`)
    for (const key of missed) assert.equal((await call(`${cluster.url('n2')}/kv/${key}?w=2`, 'PUT', { value: key })).status, 200)
    await rm(cluster.node('n1').spec.dataDir, { recursive: true, force: true })
    await cluster.node('n1').start()

    await eventually(
      'the hints for n1 delivered',
      async () => {
        const pending = await Promise.all(['n2', 'n3'].map(async (id) => (await call(`${cluster.url(id)}/admin/hints`)).body.pending))
        return pending.every((p) => p === 0)
      },
      { timeoutMs: 20_000 },
    )
    await eventually(
      'n1 holds every key again',
      async () => {
        for (const key of [...kept, ...missed]) if (!(await heldValues(cluster, 'n1', key)).includes(key)) return false
        return true
      },
      { timeoutMs: 30_000 },
    )
  })
})
