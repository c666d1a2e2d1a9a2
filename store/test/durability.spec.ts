/**
 * Durability with real processes: what a node acknowledged survives kill -9.
 */
import { test } from '@japa/runner'
import { call, startTestCluster } from '../../harness/cluster/testing.ts'
import type { ReadResponse, WriteResponse } from '../api.ts'

test.group('store durability', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('every write a node acknowledged is still there after kill -9 and a restart', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    const n2 = cluster.url('n2')
    // W=1 through n2: each answer means n2 itself made the write durable.
    const acked: { key: string; value: number }[] = []
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = 0; i < 25; i++) {
          const key = `durable-${worker}-${i}`
          const put = await call<WriteResponse>(`${n2}/kv/${key}?w=1`, 'PUT', { value: worker * 1000 + i })
          assert.equal(put.status, 200)
          acked.push({ key, value: worker * 1000 + i })
        }
      }),
    )
    await cluster.node('n2').kill()
    assert.isFalse(cluster.node('n2').running)
    await cluster.node('n2').start()
    // r=1 through n2 answers from n2's own storage alone.
    for (const { key, value } of acked) {
      const read = await call<ReadResponse>(`${n2}/kv/${key}?r=1`)
      assert.equal(read.status, 200, key)
      assert.deepEqual(read.body.values, [value], key)
      assert.equal(read.body.replies, 1)
    }
  })

  test('a restarted node keeps its incarnation and issues unique dots', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    const n1 = cluster.url('n1')
    const before = await call<WriteResponse>(`${n1}/kv/dots`, 'PUT', { value: 'before' })
    await cluster.node('n1').kill()
    await cluster.node('n1').start()
    const after = await call<WriteResponse>(`${n1}/kv/dots`, 'PUT', { value: 'after' })
    assert.equal(after.body.dot.node, before.body.dot.node)
    assert.match(after.body.dot.node, /^n1\.[0-9a-f]{8}$/)
    assert.isAbove(after.body.dot.counter, before.body.dot.counter)
    const read = await call<ReadResponse>(`${n1}/kv/dots?r=3`)
    assert.sameMembers(read.body.values as string[], ['before', 'after'])
  })
})
