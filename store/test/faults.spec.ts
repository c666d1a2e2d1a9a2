/**
 * The store's repair mechanisms with real node processes: hinted handoff after kill -9,
 * read repair and anti-entropy after a replica missed writes, failure detection of a
 * paused node, and sloppy quorums with a fallback node.
 */
import { test } from '@japa/runner'
import { call, digestsAgree, eventually, startTestCluster, type TestCluster } from '../../harness/cluster/testing.ts'
import type { ReadResponse, WriteResponse } from '../api.ts'
import { Ring } from '../ring.ts'
import type { StatsSnapshot } from '../stats.ts'

const stats = async (cluster: TestCluster, id: string): Promise<StatsSnapshot> => (await call(`${cluster.url(id)}/admin/stats`)).body
const memberState = async (cluster: TestCluster, at: string, of: string): Promise<string> =>
  (await call(`${cluster.url(at)}/admin/members`)).body.members.find((m: { node: string }) => m.node === of).state
const pendingHints = async (cluster: TestCluster, id: string): Promise<number> =>
  (await call(`${cluster.url(id)}/admin/hints`)).body.pending

test.group('store under faults', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('hinted handoff: writes while a node is killed reach it once it restarts', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup, { settings: { replicaTimeoutMs: 300 } })
    await cluster.node('n3').kill()
    const keys = Array.from({ length: 20 }, (_, i) => `hinted-${i}`)
    for (const key of keys) {
      const put = await call<WriteResponse>(`${cluster.url('n1')}/kv/${key}?w=2`, 'PUT', { value: key })
      assert.equal(put.status, 200, key)
      assert.equal(put.body.acks, 2)
    }
    // A hint is stored after the write is answered (W = 2 needs no word from n3), and counted once its commit is done.
    await eventually(
      'a hint held and counted for every write',
      async () => (await pendingHints(cluster, 'n1')) === keys.length && (await stats(cluster, 'n1')).hintsStored === keys.length,
    )

    await cluster.node('n3').start()
    // A hint is gone from the list once its deletion applies, and counted once that is on disk.
    await eventually(
      'every hint delivered, dropped and counted',
      async () =>
        (await pendingHints(cluster, 'n1')) === 0 &&
        (await pendingHints(cluster, 'n2')) === 0 &&
        (await stats(cluster, 'n1')).hintsDelivered >= keys.length,
    )
    assert.equal((await stats(cluster, 'n1')).hintsDelivered, keys.length)
    for (const key of keys) {
      const read = await call<ReadResponse>(`${cluster.url('n3')}/kv/${key}?r=1`)
      assert.deepEqual(read.body.values, [key], `n3 serves ${key} from its own store`)
    }
  })

  test('read repair fixes the keys that are read; anti-entropy fixes the rest', async ({ assert, cleanup }) => {
    // Strict: no hints. Anti-entropy runs only when asked, so what the reads repaired is
    // known to be read repair's doing.
    const cluster = await startTestCluster(cleanup, { settings: { strict: true, antiEntropyIntervalMs: 0, replicaTimeoutMs: 300 } })
    await cluster.node('n3').kill()
    const keys = Array.from({ length: 40 }, (_, i) => `repair-${i}`)
    for (const key of keys) assert.equal((await call(`${cluster.url('n1')}/kv/${key}?w=1`, 'PUT', { value: key })).status, 200)
    await cluster.node('n3').start()
    await eventually('n1 sees n3 up', async () => (await memberState(cluster, 'n1', 'n3')) === 'up')

    const readKeys = keys.slice(0, 5)
    for (const key of readKeys) {
      const read = await call<ReadResponse>(`${cluster.url('n1')}/kv/${key}?r=3`)
      assert.deepEqual(read.body.values, [key])
    }
    await eventually('read repairs recorded', async () => (await stats(cluster, 'n1')).readRepairs >= readKeys.length)
    for (const key of readKeys) {
      const read = await call<ReadResponse>(`${cluster.url('n3')}/kv/${key}?r=1`)
      assert.deepEqual(read.body.values, [key], `read repair brought ${key} to n3`)
    }
    // Looked at through the inspection endpoint: a read would repair it.
    const unread = await call(`${cluster.url('n3')}/internal/objects/${keys[readKeys.length]}`, 'GET', undefined, {
      'x-quorumlab-token': 'test-token',
    })
    assert.isNull(unread.body.object, 'keys nobody read are still missing on n3')
    await eventually(
      'anti-entropy makes every range digest equal',
      async () => {
        for (const id of ['n1', 'n2', 'n3']) {
          await call(`${cluster.url(id)}/admin/anti-entropy`, 'POST', {}, { 'x-quorumlab-token': 'test-token' })
        }
        return digestsAgree(cluster)
      },
      { timeoutMs: 20_000 },
    )
    const repairedByAntiEntropy = (await Promise.all(['n1', 'n2', 'n3'].map((id) => stats(cluster, id)))).reduce(
      (sum, s) => sum + s.antiEntropyKeysRepaired,
      0,
    )
    assert.isAtLeast(repairedByAntiEntropy, keys.length - readKeys.length)
    for (const key of keys) {
      const read = await call<ReadResponse>(`${cluster.url('n3')}/kv/${key}?r=1`)
      assert.deepEqual(read.body.values, [key], key)
    }
  })

  test('anti-entropy runs on its own every interval and brings a replica back in line', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup, {
      settings: { strict: true, readRepair: false, antiEntropyIntervalMs: 300, replicaTimeoutMs: 300 },
    })
    await cluster.node('n3').kill()
    for (let i = 0; i < 20; i++) assert.equal((await call(`${cluster.url('n1')}/kv/ae-${i}?w=1`, 'PUT', { value: i })).status, 200)
    await cluster.node('n3').start()
    await eventually('digests agree', () => digestsAgree(cluster), { timeoutMs: 20_000 })
    const all = await Promise.all(['n1', 'n2', 'n3'].map((id) => stats(cluster, id)))
    assert.isAbove(
      all.reduce((sum, s) => sum + s.antiEntropyRounds, 0),
      0,
    )
    assert.isAtLeast(
      all.reduce((sum, s) => sum + s.antiEntropyKeysRepaired, 0),
      20,
    )
    assert.equal(
      all.reduce((sum, s) => sum + s.readRepairs, 0),
      0,
    )
    assert.deepEqual((await call<ReadResponse>(`${cluster.url('n3')}/kv/ae-7?r=1`)).body.values, [7])
  })

  test('a paused node is marked down within seconds, and up again after SIGCONT', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    await eventually('n3 up at n1', async () => (await memberState(cluster, 'n1', 'n3')) === 'up')
    await cluster.node('n3').pause()
    const paused = Date.now()
    await eventually(
      'n1 and n2 mark n3 down',
      async () => (await memberState(cluster, 'n1', 'n3')) === 'down' && (await memberState(cluster, 'n2', 'n3')) === 'down',
      { timeoutMs: 10_000 },
    )
    assert.isBelow(Date.now() - paused, 10_000)
    const members = (await call(`${cluster.url('n1')}/admin/members`)).body.members
    const n3 = members.find((m: { node: string }) => m.node === 'n3')
    assert.isAtLeast(n3.phi, 8)
    // Coordinators skip a node they believe down: a write does not wait on it.
    const put = await call<WriteResponse>(`${cluster.url('n1')}/kv/while-paused?w=2`, 'PUT', { value: 1 })
    assert.equal(put.status, 200)
    assert.isAtLeast((await stats(cluster, 'n1')).skippedDown, 1)

    cluster.node('n3').resume()
    await eventually(
      'n1 and n2 mark n3 up again',
      async () => (await memberState(cluster, 'n1', 'n3')) === 'up' && (await memberState(cluster, 'n2', 'n3')) === 'up',
      { timeoutMs: 10_000 },
    )
  })

  test('sloppy quorum: a fallback node takes the write of a dead home replica and hands it off', async ({ assert, cleanup }) => {
    const ids = ['n1', 'n2', 'n3', 'n4']
    const ring = new Ring({ nodes: ids })
    // A key whose home replicas are n1 plus two others, and whose fallback is the fourth node.
    const key = Array.from({ length: 200 }, (_, i) => `sloppy-${i}`).find((k) => ring.preferenceList(k)[0] === 'n1')!
    const [, deadHome, , fallback] = ring.preferenceList(key)
    const cluster = await startTestCluster(cleanup, { nodes: 4, settings: { replicaTimeoutMs: 300 } })
    await cluster.node(deadHome).kill()
    const put = await call<WriteResponse>(`${cluster.url('n1')}/kv/${key}?w=3`, 'PUT', { value: 'sloppy' })
    assert.equal(put.status, 200)
    assert.equal(put.body.acks, 3)
    assert.equal((await stats(cluster, 'n1')).sloppyWrites, 1)
    assert.equal(await pendingHints(cluster, fallback), 1)

    await cluster.node(deadHome).start()
    await eventually('the fallback hands the write off', async () => (await pendingHints(cluster, fallback)) === 0)
    const read = await call<ReadResponse>(`${cluster.url(deadHome)}/kv/${key}?r=1`)
    assert.deepEqual(read.body.values, ['sloppy'])
  })

  test('strict quorum: the same write fails when a home replica is dead', async ({ assert, cleanup }) => {
    const ring = new Ring({ nodes: ['n1', 'n2', 'n3', 'n4'] })
    const key = Array.from({ length: 200 }, (_, i) => `strict-${i}`).find((k) => ring.preferenceList(k)[0] === 'n1')!
    const deadHome = ring.preferenceList(key)[1]
    const cluster = await startTestCluster(cleanup, { nodes: 4, settings: { strict: true, replicaTimeoutMs: 300 } })
    await cluster.node(deadHome).kill()
    const put = await call(`${cluster.url('n1')}/kv/${key}?w=3`, 'PUT', { value: 'strict' })
    assert.equal(put.status, 503)
    assert.deepInclude(put.body.error, { code: 'quorum_unavailable', required: 3, acks: 2 })
    assert.equal((await stats(cluster, 'n1')).hintsStored, 0)
  })
})
