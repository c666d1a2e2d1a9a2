/**
 * Names and edge cases on real node processes: node ids that are names of a plain
 * object's properties, keys made of dots or holding dot segments (addressed as sent, not
 * as a URL parser would rewrite them), and deletes without a context.
 */
import { request } from 'node:http'
import { test } from '@japa/runner'
import { call, startTestCluster, type JsonResponse } from '../../harness/cluster/testing.ts'
import type { ReadResponse, WriteResponse } from '../api.ts'

/** One request with the target sent exactly as given (fetch would resolve `.` and `..`). */
function rawCall(base: string, method: string, target: string, body?: unknown): Promise<JsonResponse> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path: target, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

test.group('store: names', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('node ids such as constructor and __proto__ keep their entries in clocks', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup, { ids: ['constructor', '__proto__', 'toString'] })
    const writes = await Promise.all(
      cluster.nodes.map((node) => call<WriteResponse>(`${node.url}/kv/shared`, 'PUT', { value: `via-${node.id}` })),
    )
    for (const put of writes) assert.equal(put.status, 200)
    const read = await call<ReadResponse>(`${cluster.url('__proto__')}/kv/shared?r=3`)
    assert.sameMembers(read.body.values as string[], ['via-constructor', 'via-__proto__', 'via-toString'])
    const resolved = await call(`${cluster.url('constructor')}/kv/shared`, 'PUT', { value: 'resolved', context: read.body.context })
    assert.equal(resolved.status, 200)
    for (const node of cluster.nodes) {
      const after = await call<ReadResponse>(`${node.url}/kv/shared?r=3`)
      assert.deepEqual(after.body.values, ['resolved'], `through ${node.id}`)
    }
  })

  test('keys ".", ".." and "x/../y" are addressed as sent', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    const base = cluster.url('n1')
    for (const [target, key] of [
      ['/kv/.', '.'],
      ['/kv/..', '..'],
      ['/kv/%2E%2E%2E', '...'],
      ['/kv/x/../y', 'x/../y'],
      ['/kv/a/./b', 'a/./b'],
    ]) {
      const put = await rawCall(base, 'PUT', target, { value: `at ${key}` })
      assert.equal(put.status, 200, target)
      assert.equal(put.body.key, key, target)
      const read = await rawCall(cluster.url('n2'), 'GET', `/kv/${encodeURIComponent(key)}?r=3`)
      assert.deepEqual(read.body.values, [`at ${key}`], target)
    }
    assert.equal((await rawCall(base, 'GET', '/kv/y')).status, 404, '/kv/x/../y did not write y')
    assert.equal((await rawCall(base, 'GET', '/kv/%2e')).body.values[0], 'at .')
  })

  test('a DELETE without a context is refused in dvv: it would hide nothing', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    const url = `${cluster.url('n1')}/kv/kept`
    assert.equal((await call(url, 'PUT', { value: 'still here' })).status, 200)
    const blind = await call(url, 'DELETE')
    assert.equal(blind.status, 400)
    assert.match(blind.body.error.message, /context/)
    const read = await call<ReadResponse>(`${url}?r=3`)
    assert.deepEqual(read.body.values, ['still here'])
    assert.equal((await call(url, 'DELETE', { context: read.body.context })).status, 200)
    assert.equal((await call(`${url}?r=3`)).status, 404)
  })

  test('lww: a DELETE without a context wins by its timestamp', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup, { settings: { versioning: 'lww' } })
    const url = `${cluster.url('n1')}/kv/gone`
    assert.equal((await call(url, 'PUT', { value: 'old' })).status, 200)
    assert.equal((await call(url, 'DELETE')).status, 200)
    assert.equal((await call(`${url}?r=3`)).status, 404)
  })
})
