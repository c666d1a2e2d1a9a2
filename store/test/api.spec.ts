/**
 * The store's HTTP API on a real cluster of node processes: reads through any node,
 * siblings and their resolution, quorum errors, forwarding and the internal token.
 */
import { test } from '@japa/runner'
import { call, startTestCluster } from '../../harness/cluster/testing.ts'
import type { ReadResponse, WriteResponse } from '../api.ts'
import { Ring } from '../ring.ts'

test.group('store API', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('a PUT through one node is read through another', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    const put = await call<WriteResponse>(`${cluster.url('n1')}/kv/greeting`, 'PUT', { value: { text: 'hello' } })
    assert.equal(put.status, 200)
    assert.equal(put.body.coordinator, 'n1')
    assert.isAtLeast(put.body.acks, 2)
    const get = await call<ReadResponse>(`${cluster.url('n2')}/kv/greeting`)
    assert.equal(get.status, 200)
    assert.deepEqual(get.body.values, [{ text: 'hello' }])
    assert.deepEqual(get.body.versions[0].dot, put.body.dot)
    assert.equal(get.body.coordinator, 'n2')
    assert.isAtLeast(get.body.replies, 2)
  })

  test('a missing key is a 404 with a context', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    const get = await call<ReadResponse>(`${cluster.url('n1')}/kv/nothing-here`)
    assert.equal(get.status, 404)
    assert.deepEqual(get.body.values, [])
    assert.isString(get.body.context)
  })

  test('concurrent blind PUTs become siblings; a PUT with the read context resolves them', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    const [a, b] = await Promise.all([
      call<WriteResponse>(`${cluster.url('n1')}/kv/cart`, 'PUT', { value: 'from-n1' }),
      call<WriteResponse>(`${cluster.url('n2')}/kv/cart`, 'PUT', { value: 'from-n2' }),
    ])
    assert.equal(a.status, 200)
    assert.equal(b.status, 200)
    const read = await call<ReadResponse>(`${cluster.url('n3')}/kv/cart?r=3`)
    assert.sameMembers(read.body.values as string[], ['from-n1', 'from-n2'], JSON.stringify(read.body))
    assert.lengthOf(read.body.versions, 2)
    const resolved = await call(`${cluster.url('n3')}/kv/cart`, 'PUT', { value: 'merged', context: read.body.context })
    assert.equal(resolved.status, 200)
    const after = await call<ReadResponse>(`${cluster.url('n1')}/kv/cart?r=3`)
    assert.deepEqual(after.body.values, ['merged'])
  })

  test('a write with the context of its own previous write replaces only that write', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    const url = `${cluster.url('n1')}/kv/session`
    await call(url, 'PUT', { value: 'other-client' })
    const first = await call<WriteResponse>(url, 'PUT', { value: 'mine-1' })
    await call(url, 'PUT', { value: 'mine-2', context: first.body.context })
    const read = await call<ReadResponse>(`${url}?r=3`)
    assert.sameMembers(read.body.values as string[], ['other-client', 'mine-2'])
  })

  test("a context read from one key is refused on another (it would cover that key's writes)", async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    const n1 = cluster.url('n1')
    await call(`${n1}/kv/b`, 'PUT', { value: 'acked-b' })
    await call(`${n1}/kv/a`, 'PUT', { value: 'a' })
    const readA = await call<ReadResponse>(`${n1}/kv/a`)
    const misuse = await call(`${n1}/kv/b`, 'PUT', { value: 'other', context: readA.body.context })
    assert.equal(misuse.status, 400)
    assert.match(misuse.body.error.message, /another key/)
    const b = await call<ReadResponse>(`${n1}/kv/b?r=3`)
    assert.deepEqual(b.body.values, ['acked-b'])
  })

  test('DELETE with the read context removes the value', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    await call(`${cluster.url('n1')}/kv/temp`, 'PUT', { value: 1 })
    const read = await call<ReadResponse>(`${cluster.url('n1')}/kv/temp`)
    const del = await call<WriteResponse>(`${cluster.url('n2')}/kv/temp`, 'DELETE', { context: read.body.context })
    assert.equal(del.status, 200)
    const after = await call<ReadResponse>(`${cluster.url('n3')}/kv/temp?r=3`)
    assert.equal(after.status, 404)
    assert.deepEqual(after.body.values, [])
  })

  test('a paused replica makes W=3 fail with 503 once the replica timeout passes, not hang', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup, { settings: { replicaTimeoutMs: 300 } })
    await cluster.node('n3').pause()
    const started = Date.now()
    const put = await call(`${cluster.url('n1')}/kv/k?w=3`, 'PUT', { value: 'v' })
    const elapsed = Date.now() - started
    assert.equal(put.status, 503)
    assert.equal(put.body.error.code, 'quorum_unavailable')
    assert.equal(put.body.error.required, 3)
    assert.equal(put.body.error.acks, 2)
    assert.isAtLeast(elapsed, 300)
    assert.isBelow(elapsed, 5000)
    cluster.node('n3').resume()
  })

  test('a dead replica makes W=3 and R=3 fail with 503, W=2 still works', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup, { settings: { replicaTimeoutMs: 300 } })
    await cluster.node('n3').kill()
    const put = await call(`${cluster.url('n1')}/kv/k?w=3`, 'PUT', { value: 'v' })
    assert.equal(put.status, 503)
    assert.deepInclude(put.body.error, { code: 'quorum_unavailable', required: 3, acks: 2 })
    const get = await call(`${cluster.url('n2')}/kv/k?r=3`)
    assert.equal(get.status, 503)
    assert.equal(get.body.error.acks, 2)
    const ok = await call<WriteResponse>(`${cluster.url('n1')}/kv/k?w=2`, 'PUT', { value: 'v' })
    assert.equal(ok.status, 200)
    assert.equal(ok.body.acks, 2)
  })

  test('a node outside the key’s replicas forwards to one of them', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup, { nodes: 4, settings: { n: 2, r: 1, w: 1 } })
    const ring = new Ring({ nodes: ['n1', 'n2', 'n3', 'n4'] })
    const key = Array.from({ length: 100 }, (_, i) => `fwd-${i}`).find((k) => !ring.homeReplicas(k, 2).includes('n1'))!
    const home = ring.homeReplicas(key, 2)
    const put = await call<WriteResponse>(`${cluster.url('n1')}/kv/${key}`, 'PUT', { value: 'far' })
    assert.equal(put.status, 200)
    assert.include(home, put.body.coordinator)
    const get = await call<ReadResponse>(`${cluster.url('n1')}/kv/${key}?r=2`)
    assert.deepEqual(get.body.values, ['far'])
    assert.include(home, get.body.coordinator)
    // Replicas outside the key's home set hold nothing of it.
    const outsider = ['n1', 'n2', 'n3', 'n4'].find((n) => !home.includes(n))!
    const internal = await call(`${cluster.url(outsider)}/internal/objects/${key}`, 'GET', undefined, {
      'x-quorumlab-token': 'test-token',
    })
    assert.isNull(internal.body.object)
  })

  test('internal endpoints refuse calls without the cluster token', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    await call(`${cluster.url('n1')}/kv/secret`, 'PUT', { value: 'v' })
    const without = await call(`${cluster.url('n1')}/internal/objects/secret`)
    assert.equal(without.status, 401)
    assert.equal(without.body.error.code, 'unauthorized')
    const wrong = await call(
      `${cluster.url('n1')}/internal/batch`,
      'POST',
      { ops: [{ op: 'read', key: 'secret' }] },
      {
        'x-quorumlab-token': 'not-the-token',
      },
    )
    assert.equal(wrong.status, 401)
    const right = await call(`${cluster.url('n1')}/internal/objects/secret`, 'GET', undefined, { 'x-quorumlab-token': 'test-token' })
    assert.equal(right.status, 200)
    assert.lengthOf(right.body.object.siblings, 1)
  })

  test('health names the node, its pid and the incarnation its dots are issued under', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup, { nodes: 1, settings: { n: 1, r: 1, w: 1 } })
    const health = await call(`${cluster.url('n1')}/health`)
    assert.deepEqual(health.body, { node: 'n1', status: 'ok', pid: cluster.node('n1').pid, incarnation: health.body.incarnation })
    assert.match(health.body.incarnation, /^[0-9a-f]{8}$/)
    const put = await call<WriteResponse>(`${cluster.url('n1')}/kv/k`, 'PUT', { value: 1 })
    assert.equal(put.body.dot.node, `n1.${health.body.incarnation}`)
  })
})
