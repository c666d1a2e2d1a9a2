/**
 * Requests a node takes for keys it does not hold, on real node processes: a read whose
 * first home replica is paused is answered by the next, a bad request is refused before
 * anything is forwarded, and a write whose every home replica is down is taken by a
 * sloppy quorum and handed off later.
 */
import { test } from '@japa/runner'
import { call, eventually, startTestCluster } from '../../harness/cluster/testing.ts'
import type { ReadResponse, WriteResponse } from '../api.ts'
import { Ring } from '../ring.ts'

const NODES = ['n1', 'n2', 'n3', 'n4']

/** A key n1 is not a home replica of, with its home replicas in preference order. */
function farKey(n: number, prefix: string): { key: string; home: string[] } {
  const ring = new Ring({ nodes: NODES })
  const key = Array.from({ length: 500 }, (_, i) => `${prefix}-${i}`).find((k) => !ring.homeReplicas(k, n).includes('n1'))!
  return { key, home: ring.homeReplicas(key, n) }
}

test.group('store: forwarding', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('a read whose first home replica is paused is answered by the next one; a write keeps waiting', async ({ assert, cleanup }) => {
    // Slow gossip: the failure detector does not mark the paused node down during the test.
    const cluster = await startTestCluster(cleanup, {
      nodes: 4,
      settings: { n: 2, r: 1, w: 1, replicaTimeoutMs: 300, gossipIntervalMs: 2000 },
    })
    const { key, home } = farKey(2, 'hedge')
    assert.equal((await call(`${cluster.url(home[1])}/kv/${key}?w=2`, 'PUT', { value: 'v' })).status, 200)
    await cluster.node(home[0]).pause()
    cleanup(() => cluster.node(home[0]).resume())
    for (let i = 0; i < 4; i++) {
      const read = await call<ReadResponse>(`${cluster.url('n1')}/kv/${key}`)
      assert.equal(read.status, 200, `read ${i}`)
      assert.deepEqual(read.body.values, ['v'])
      assert.equal(read.body.coordinator, home[1])
    }
    // A forwarded write that may have reached the paused home is not sent to another.
    const write = await call(`${cluster.url('n1')}/kv/${key}`, 'PUT', { value: 'w' })
    assert.equal(write.status, 504)
    assert.equal(write.body.error.code, 'timeout')
  })

  test('a node checks r, w, the body and the context before forwarding', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup, { nodes: 4, settings: { n: 1, r: 1, w: 1, replicaTimeoutMs: 300 } })
    const { key, home } = farKey(1, 'checked')
    const context = (await call<ReadResponse>(`${cluster.url(home[0])}/kv/${key}`)).body.context
    await cluster.node(home[0]).kill()
    const url = `${cluster.url('n1')}/kv/${key}`
    const cases: [string, string, unknown, string][] = [
      ['PUT', '?w=2', { value: 1 }, 'bad_request'],
      ['GET', '?r=2', undefined, 'bad_request'],
      ['DELETE', '?w=0', { context }, 'bad_request'],
      ['PUT', '', { valu: 1 }, 'bad_request'],
      ['PUT', '', '{"value": ', 'bad_request'],
      ['PUT', '', { value: 1, context: `${context}x` }, 'bad_context'],
      ['PUT', '', { value: 1, context: context.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }, 'bad_context'],
    ]
    for (const [method, query, body, code] of cases) {
      const answer = await call(`${url}${query}`, method, body)
      assert.equal(answer.status, 400, `${method} ${query} ${JSON.stringify(body)}`)
      assert.equal(answer.body.error.code, code, `${method} ${query} ${JSON.stringify(body)}`)
    }
    const stats = (await call(`${cluster.url('n1')}/admin/stats`)).body
    assert.equal(stats.forwards, 0, 'nothing was forwarded')
  })

  test('with every home replica down, a write is taken by a sloppy quorum and handed off', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup, { nodes: 4, settings: { n: 2, r: 2, w: 2, replicaTimeoutMs: 1000 } })
    const { key, home } = farKey(2, 'sloppy-all')
    for (const id of home) await cluster.node(id).kill()
    const put = await call<WriteResponse>(`${cluster.url('n1')}/kv/${key}`, 'PUT', { value: 'while-homes-down' })
    assert.equal(put.status, 200)
    assert.equal(put.body.acks, 2)
    assert.equal(put.body.coordinator, 'n1')

    for (const id of home) await cluster.node(id).start()
    await eventually(
      'every hint handed off',
      async () => {
        for (const id of NODES) if ((await call(`${cluster.url(id)}/admin/hints`)).body.pending > 0) return false
        return true
      },
      { timeoutMs: 20_000 },
    )
    for (const id of home) {
      const read = await call<ReadResponse>(`${cluster.url(id)}/kv/${key}?r=1`)
      assert.deepEqual(read.body.values, ['while-homes-down'], id)
    }
  })

  test('strict: with every home replica down, a write fails', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup, { nodes: 4, settings: { n: 2, r: 1, w: 1, strict: true, replicaTimeoutMs: 300 } })
    const { key, home } = farKey(2, 'strict-all')
    for (const id of home) await cluster.node(id).kill()
    const put = await call(`${cluster.url('n1')}/kv/${key}`, 'PUT', { value: 'nowhere' })
    assert.equal(put.status, 503)
    assert.equal(put.body.error.code, 'quorum_unavailable')
  })
})
