/**
 * Bounded keys on real node processes: concurrent blind writers fill a key with siblings
 * up to the limit and no further (a refused write is never stored), an object over the
 * size limit is refused, and a client that chains its writes' contexts without reading
 * carries a context that does not grow.
 */
import { test } from '@japa/runner'
import { call, startTestCluster, type TestCluster } from '../../harness/cluster/testing.ts'
import { peekContext } from '../../common/contracts/causal.ts'
import type { ReadResponse, WriteResponse } from '../api.ts'
import type { StatsSnapshot } from '../stats.ts'

const TOKEN = { 'x-quorumlab-token': 'test-token' }
const NODES = ['n1', 'n2', 'n3']

type Outcome = { value: string; status: number; code?: string }

/** `writers` clients, each writing `each` blind 1 KiB values to `key` through the nodes in turn. */
async function blindWriters(cluster: TestCluster, key: string, writers: number, each: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = []
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < each; i++) {
        const value = `${w}-${i}-${'x'.repeat(1024)}`
        const put = await call(`${cluster.url(NODES[(w + i) % NODES.length])}/kv/${key}`, 'PUT', { value })
        outcomes.push({ value, status: put.status, code: put.body.error?.code })
      }
    }),
  )
  return outcomes
}

async function heldSiblings(cluster: TestCluster, id: string, key: string): Promise<unknown[]> {
  const { body } = await call(`${cluster.url(id)}/internal/objects/${key}`, 'GET', undefined, TOKEN)
  return (body.object?.siblings ?? []).map((s: { value: unknown }) => s.value)
}

const statsSum = async (cluster: TestCluster, counter: keyof StatsSnapshot): Promise<number> =>
  (await Promise.all(NODES.map(async (id) => (await call(`${cluster.url(id)}/admin/stats`)).body[counter] as number))).reduce(
    (a, b) => a + b,
    0,
  )

test.group('store: bounded keys', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('10 concurrent blind writers stop at the sibling limit: 409, and what is refused is never stored', async ({ assert, cleanup }) => {
    const maxSiblings = 20
    const cluster = await startTestCluster(cleanup, { settings: { maxSiblings, replicaTimeoutMs: 2000 } })
    const outcomes = await blindWriters(cluster, 'crowded', 10, 12)
    const acked = outcomes.filter((o) => o.status === 200)
    const refused = outcomes.filter((o) => o.status === 409)
    assert.isAbove(refused.length, 0, 'some writes are refused')
    for (const o of refused) assert.equal(o.code, 'too_many_siblings')
    assert.equal(await statsSum(cluster, 'siblingLimitRefusals'), refused.length)

    const read = await call<ReadResponse>(`${cluster.url('n1')}/kv/crowded?r=3`)
    const values = new Set(read.body.values as string[])
    for (const o of acked) assert.isTrue(values.has(o.value), 'every acknowledged write is kept')
    for (const id of NODES) {
      const held = new Set(await heldSiblings(cluster, id, 'crowded'))
      // Each coordinator adds siblings only while it holds fewer than the limit; merges add the others'.
      assert.isAtMost(held.size, NODES.length * maxSiblings, id)
      for (const o of refused) assert.isFalse(held.has(o.value), `${id} never stored a refused write`)
    }

    // A write that resolves the siblings is taken however many there are.
    const resolved = await call<WriteResponse>(`${cluster.url('n2')}/kv/crowded`, 'PUT', { value: 'resolved', context: read.body.context })
    assert.equal(resolved.status, 200)
  })

  test('a write that would make the object larger than the limit is refused with 413 and not stored', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup, { settings: { maxValueBytes: 4096, maxObjectBytes: 8192 } })
    const outcomes = await blindWriters(cluster, 'heavy', 1, 12)
    const refused = outcomes.filter((o) => o.status === 413)
    assert.isAbove(refused.length, 0)
    for (const o of refused) assert.equal(o.code, 'too_large')
    assert.isAtLeast(outcomes.filter((o) => o.status === 200).length, 4)
    assert.equal(await statsSum(cluster, 'objectSizeRefusals'), refused.length)
    for (const id of NODES) {
      const held = new Set(await heldSiblings(cluster, id, 'heavy'))
      for (const o of refused) assert.isFalse(held.has(o.value), `${id} never stored a refused write`)
    }
  })

  test('a client chaining its write contexts without reading carries a context that does not grow', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    let context: string | undefined
    for (let i = 0; i < 150; i++) {
      const put = await call<WriteResponse>(`${cluster.url(NODES[i % NODES.length])}/kv/chained`, 'PUT', { value: i, context })
      assert.equal(put.status, 200)
      context = put.body.context
    }
    const last = peekContext(context!)!
    assert.lengthOf(last.dots, 0, 'no loose dots: each write folded its own dot into the clock')
    assert.isAtMost(Object.keys(last.clock).length, NODES.length)
    const read = await call<ReadResponse>(`${cluster.url('n1')}/kv/chained?r=3`)
    assert.deepEqual(read.body.values, [149])
  })
})
