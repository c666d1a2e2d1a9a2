/**
 * The consistency modes on real node processes: what each refuses and when, what it
 * answers, and what survives a crash. Runs of whole workloads judged by the model
 * checkers are in `harness/run/consistency-runs.spec.ts`.
 */
import { test } from '@japa/runner'
import { call, eventually, startTestCluster, type TestCluster } from '../../harness/cluster/testing.ts'
import { CONTEXT_HEADER, TOKEN_HEADER, type ReadResponse, type WriteResponse } from '../api.ts'
import type { ConsistencyMode } from '../../common/contracts/history.ts'
import { Ring } from '../ring.ts'

const start = (cleanup: Parameters<typeof startTestCluster>[0], consistency: ConsistencyMode): Promise<TestCluster> =>
  startTestCluster(cleanup, { settings: { consistency, replicaTimeoutMs: 400 } })

/** A replica's own stored state of a key (with its tag in the single-valued modes). */
const stored = async (cluster: TestCluster, node: string, key: string) =>
  (await call(`${cluster.url(node)}/internal/objects/${key}`, 'GET', undefined, { [TOKEN_HEADER]: 'test-token' })).body.object

test.group('consistency: linearizable', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('a write through one node is read through any; without a majority both are 503s', async ({ assert, cleanup }) => {
    const cluster = await start(cleanup, 'linearizable')
    const config = (await call(`${cluster.url('n2')}/admin/config`)).body
    assert.include(config, { consistency: 'linearizable', strict: true, readRepair: false })
    const put = await call<WriteResponse>(`${cluster.url('n1')}/kv/k`, 'PUT', { value: 'v1' })
    assert.equal(put.status, 200)
    assert.isAtLeast(put.body.acks, 2)
    for (const node of ['n1', 'n2', 'n3']) assert.deepEqual((await call<ReadResponse>(`${cluster.url(node)}/kv/k`)).body.values, ['v1'])
    await cluster.node('n2').kill()
    assert.equal((await call(`${cluster.url('n1')}/kv/k`, 'PUT', { value: 'v2' })).status, 200, 'two of three is a majority')
    await cluster.node('n3').kill()
    const write = await call(`${cluster.url('n1')}/kv/k`, 'PUT', { value: 'v3' })
    assert.equal(write.status, 503)
    assert.equal(write.body.error.code, 'quorum_unavailable')
    assert.match(write.body.error.message, /majority \(2 of 3\)/)
    assert.equal((await call(`${cluster.url('n1')}/kv/k`)).status, 503)
  })

  test('a delete leaves a tombstone: reads find nothing, through every node', async ({ assert, cleanup }) => {
    const cluster = await start(cleanup, 'linearizable')
    await call(`${cluster.url('n1')}/kv/gone`, 'PUT', { value: 1 })
    const read = await call<ReadResponse>(`${cluster.url('n2')}/kv/gone`)
    assert.equal((await call(`${cluster.url('n3')}/kv/gone`, 'DELETE', { context: read.body.context })).status, 200)
    for (const node of ['n1', 'n2', 'n3']) assert.equal((await call(`${cluster.url(node)}/kv/gone`)).status, 404, node)
  })
})

test.group('consistency: sequential', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('writes need the sequencer, reads do not; its sequence numbers survive kill -9', async ({ assert, cleanup }) => {
    const cluster = await start(cleanup, 'sequential')
    const ring = new Ring({ nodes: ['n1', 'n2', 'n3'], vnodes: 16 })
    const key = 'seq-key'
    const [sequencer, other] = ring.homeReplicas(key, 3)
    for (let i = 1; i <= 3; i++) assert.equal((await call(`${cluster.url(other)}/kv/${key}`, 'PUT', { value: i })).status, 200)
    assert.equal((await stored(cluster, other, key)).tag.n, 3, 'the writer applied its write before answering')
    await cluster.node(sequencer).kill()
    const refused = await call(`${cluster.url(other)}/kv/${key}`, 'PUT', { value: 'lost' })
    assert.equal(refused.status, 503)
    assert.equal(refused.body.error.code, 'sequencer_unavailable')
    assert.deepEqual((await call<ReadResponse>(`${cluster.url(other)}/kv/${key}`)).body.values, [3], 'reads stay local')
    await cluster.node(sequencer).start()
    await eventually(
      'the sequencer takes writes again',
      async () => (await call(`${cluster.url(other)}/kv/${key}`, 'PUT', { value: 4 })).status === 200,
    )
    assert.equal((await stored(cluster, sequencer, key)).tag.n, 4, 'the restarted sequencer went on from 3')
  })
})

test.group('consistency: causal', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('a node without a write a context depends on waits, then refuses naming it; it serves once the write arrives', async ({
    assert,
    cleanup,
  }) => {
    const cluster = await start(cleanup, 'causal')
    await cluster.node('n3').kill()
    const put = await call<WriteResponse>(`${cluster.url('n1')}/kv/x`, 'PUT', { value: 'from-n1' })
    assert.equal(put.status, 200)
    assert.equal(put.body.acks, 1, 'answered once durable here; shipped in the background')
    // n3 comes back while n1 is down: nothing can bring it n1's write.
    await cluster.node('n1').kill()
    await cluster.node('n3').start()
    const refused = await call(`${cluster.url('n3')}/kv/x`, 'GET', undefined, { [CONTEXT_HEADER]: put.body.context })
    assert.equal(refused.status, 503)
    assert.equal(refused.body.error.code, 'causal_dependencies_unmet')
    assert.match(refused.body.error.message, /n1[^:]*:\d+ \(applied up to 0\)/)
    // A write carrying the context is refused the same way, and stores nothing.
    const write = await call(`${cluster.url('n3')}/kv/y`, 'PUT', { value: 'after x', context: put.body.context })
    assert.equal(write.status, 503)
    assert.equal((await call(`${cluster.url('n3')}/kv/y`)).status, 404)
    // Without the context, n3 serves what it has: it is available on its own.
    assert.equal((await call(`${cluster.url('n3')}/kv/x`)).status, 404)
    await cluster.node('n1').start()
    const served = await eventually("n3 has n1's write", async () => {
      const read = await call<ReadResponse>(`${cluster.url('n3')}/kv/x`, 'GET', undefined, { [CONTEXT_HEADER]: put.body.context })
      return read.status === 200 && read
    })
    assert.deepEqual(served.body.values, ['from-n1'])
  })

  test('a context from one key is a dependency for any other; concurrent writes converge as siblings', async ({ assert, cleanup }) => {
    const cluster = await start(cleanup, 'causal')
    const a = await call<WriteResponse>(`${cluster.url('n1')}/kv/a`, 'PUT', { value: 'a1' })
    const b = await call<WriteResponse>(`${cluster.url('n2')}/kv/b`, 'PUT', { value: 'b1', context: a.body.context })
    assert.equal(b.status, 200, 'a context of key a is accepted with key b')
    const read = await call<ReadResponse>(`${cluster.url('n3')}/kv/a`, 'GET', undefined, { [CONTEXT_HEADER]: b.body.context })
    assert.deepEqual(read.body.values, ['a1'], "b's writer had seen a1: n3 serves a only once it has it")
    await call(`${cluster.url('n1')}/kv/c`, 'PUT', { value: 'from-n1' })
    await call(`${cluster.url('n2')}/kv/c`, 'PUT', { value: 'from-n2' })
    for (const node of ['n1', 'n2', 'n3']) {
      const values = await eventually(`${node} holds both writes of c`, async () => {
        const got = (await call<ReadResponse>(`${cluster.url(node)}/kv/c`)).body.values
        return got.length === 2 && got
      })
      assert.sameMembers(values as string[], ['from-n1', 'from-n2'])
    }
  })
})

test.group('consistency: refused settings', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('a node refuses a mode it cannot run, naming why', async ({ assert, cleanup }) => {
    const refused = await startTestCluster(cleanup, { settings: { consistency: 'causal', versioning: 'lww' } }).then(
      () => undefined,
      (error: Error) => error,
    )
    assert.instanceOf(refused, Error)
    assert.match(String(refused), /versioning="lww" must be dvv with consistency=causal/)
  })
})
