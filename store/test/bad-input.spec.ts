/**
 * Hundreds of random malformed requests against a real node: each gets a 4xx JSON error,
 * the node keeps serving, and no data changes.
 */
import { connect } from 'node:net'
import { test } from '@japa/runner'
import fc from 'fast-check'
import { call, startTestCluster } from '../../harness/cluster/testing.ts'
import type { ReadResponse } from '../api.ts'
import { MAX_KEY_BYTES } from '../app.ts'
import { encodeContext } from '../versioning.ts'

const MAX_VALUE_BYTES = 2048

type BadRequest = { method: string; path: string; body?: string; why: string }

const validKey = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }).map((s) => `fuzz-${encodeURIComponent(s)}`),
  fc.constantFrom('fuzz-%', 'fuzz-%zz', 'fuzz-%E0%A4%A', 'fuzz-%ED%A0%80', 'fuzz-a%2Fb', 'fuzz-..%2F..'),
)
const badQuorum = fc.constantFrom('0', '-1', '4', 'abc', '1.5', '', '99999999999999999999', '2e0', ' 2')
const forged = `${Buffer.from(JSON.stringify({ clock: { n1: 999999 } })).toString('base64url')}.AAAAAAAAAAAAAAAAAAAAAA`
const foreign = encodeContext({ clock: { n1: 1 }, dots: [] }, { secret: 'another-cluster', key: 'fuzz-x' })
const badBody = fc.oneof(
  fc.constantFrom(
    '{',
    '[]',
    'null',
    '"just a string"',
    '42',
    '{"valu": 1}',
    '{}',
    '{"value": 1, "context": "garbage"}',
    '{"value": 1, "context": 123}',
    '{"value": 1, "context": {"n1": 1}}',
    `{"value": 1, "context": "${forged}"}`,
    `{"value": 1, "context": "${foreign}"}`,
    `{"value": "${'x'.repeat(MAX_VALUE_BYTES + 1)}"}`,
    '\u0000\u0001\u0002',
    '{"value": 1,}',
    '{"value": {"a": [{"__proto__": 1}]}}',
  ),
  fc.string({ maxLength: 60 }).filter((s) => {
    try {
      const parsed = JSON.parse(s)
      return typeof parsed !== 'object' || parsed === null || !('value' in parsed)
    } catch {
      return true
    }
  }),
)

const badRequest: fc.Arbitrary<BadRequest> = fc.oneof(
  badBody.chain((body) => validKey.map((key) => ({ method: 'PUT', path: `/kv/${key}`, body, why: 'bad PUT body' }))),
  fc
    .constantFrom('{', '[1]', '"x"', '{"context": "garbage"}', `{"context": "${forged}"}`, '{"context": 7}')
    .chain((body) => validKey.map((key) => ({ method: 'DELETE', path: `/kv/${key}`, body, why: 'bad DELETE body' }))),
  fc.tuple(fc.constantFrom('GET', 'PUT', 'DELETE'), validKey, badQuorum).map(([method, key, q]) => ({
    method,
    path: `/kv/${key}?${method === 'GET' ? 'r' : 'w'}=${encodeURIComponent(q)}`,
    body: method === 'GET' ? undefined : '{"value": "would be stored"}',
    why: 'r or w out of range',
  })),
  fc
    .tuple(fc.constantFrom('GET', 'PUT', 'DELETE'), fc.integer({ min: MAX_KEY_BYTES + 1, max: MAX_KEY_BYTES + 200 }))
    .map(([method, length]) => ({
      method,
      path: `/kv/fuzz-${'k'.repeat(length)}`,
      body: method === 'GET' ? undefined : '{"value": 1}',
      why: 'key too long',
    })),
  fc.constantFrom('GET', 'PUT', 'DELETE', 'POST').map((method) => ({
    method,
    path: '/kv/',
    body: method === 'GET' ? undefined : '{"value": 1}',
    why: 'empty key',
  })),
  fc.tuple(fc.constantFrom('POST', 'PATCH'), validKey).map(([method, key]) => ({
    method,
    path: `/kv/${key}`,
    body: '{"value": 1}',
    why: 'unsupported method',
  })),
  fc.constantFrom('/internal/objects/fuzz-x', '/nope', '/kv', '/admin/../kv/x').map((path) => ({
    method: 'PUT',
    path,
    body: '{"object": {"context": {"clock": {}, "dots": []}, "siblings": []}}',
    why: 'no route or no token',
  })),
)

test.group('store bad input', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('random malformed requests get 4xx JSON errors and change nothing', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup, { settings: { maxValueBytes: MAX_VALUE_BYTES } })
    const base = cluster.url('n1')
    const pid = cluster.node('n1').pid
    const before = new Map<string, ReadResponse>()
    for (let i = 0; i < 10; i++) {
      await call(`${base}/kv/kept-${i}`, 'PUT', { value: { i } })
      before.set(`kept-${i}`, (await call<ReadResponse>(`${base}/kv/kept-${i}?r=3`)).body)
    }

    const requests = fc.sample(badRequest, { numRuns: 400, seed: 20261122 })
    for (const request of requests) {
      const response = await fetch(`${base}${request.path}`, {
        method: request.method,
        body: request.body,
        headers: request.body === undefined ? {} : { 'content-type': 'application/json' },
      })
      const text = await response.text()
      const label = `${request.why}: ${request.method} ${request.path.slice(0, 80)} ${request.body?.slice(0, 60) ?? ''}`
      assert.oneOf(response.status, [400, 401, 404, 413], label)
      const body = JSON.parse(text)
      assert.isString(body.error.code, label)
      assert.isString(body.error.message, label)
    }

    // Malformed HTTP on a raw socket: the HTTP parser refuses it; the node stays up.
    for (const garbage of ['GARBAGE\r\n\r\n', 'PUT /kv/x HTTP/1.1\r\nContent-Length: -5\r\n\r\n', '\u0000\u0001\u0002\r\n\r\n']) {
      const reply = await new Promise<string>((resolve) => {
        const socket = connect(cluster.node('n1').spec.port, '127.0.0.1', () => socket.end(garbage))
        let data = ''
        socket.on('data', (d) => (data += d))
        socket.on('close', () => resolve(data))
        socket.on('error', () => resolve(data))
      })
      assert.match(reply, /^HTTP\/1\.1 400/)
    }

    const health = await call(`${base}/health`)
    assert.equal(health.status, 200)
    assert.equal(health.body.pid, pid)
    for (const [key, read] of before) {
      const now = await call<ReadResponse>(`${base}/kv/${key}?r=3`)
      assert.deepEqual(now.body.values, read.values, key)
      assert.deepEqual(now.body.versions, read.versions, key)
    }
    for (const request of requests.filter((r) => r.path.startsWith('/kv/fuzz-') && !r.path.includes('?')).slice(0, 30)) {
      const path = request.path.split('?')[0]
      if (path.length - 4 > MAX_KEY_BYTES) continue
      const read = await call<ReadResponse>(`${base}${path}?r=3`)
      assert.equal(read.status, 404, `nothing was stored under ${path}`)
    }
  })

  test('malformed node-to-node calls, even with the token, get 400 and change nothing', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    const base = cluster.url('n1')
    await call(`${base}/kv/kept`, 'PUT', { value: 'kept' })
    const token = { 'x-quorumlab-token': 'test-token' }
    const cases: [string, string, unknown][] = [
      ['POST', '/internal/batch', '[1,2,3]'],
      ['POST', '/internal/batch', { ops: 'all of them' }],
      ['POST', '/internal/gossip', { from: 'n2', view: [{ node: 'n2', generation: 'one', heartbeat: 1 }] }],
      ['POST', '/internal/gossip', { from: 'n2' }],
      ['POST', '/internal/merkle/nodes', { nodes: [{ arc: 9999, level: 0, index: 0 }] }],
      ['POST', '/internal/merkle/nodes', { nodes: [{ arc: 0, level: 99, index: 0 }] }],
      ['POST', '/internal/merkle/keys', { leaves: 'all' }],
      ['POST', '/internal/sync', { entries: [{ key: 'kept', object: { siblings: 'none' } }] }],
      ['POST', '/internal/sync', { entries: 'x' }],
    ]
    for (const [method, path, body] of cases) {
      const response = await call(`${base}${path}`, method, body, token)
      assert.equal(response.status, 400, `${method} ${path} ${JSON.stringify(body)}`)
      assert.equal(response.body.error.code, 'bad_request')
    }
    // Inside a well-formed batch, each bad op fails alone and changes nothing.
    const batch = await call(
      `${base}/internal/batch`,
      'POST',
      {
        ops: [
          { op: 'merge', key: 'kept', object: { context: { clock: { n1: 'x' }, dots: [] }, siblings: [] } },
          { op: 'merge', key: 'kept', object: { context: { clock: {}, dots: [] }, siblings: [{ dot: { node: 'n1' } }] } },
          { op: 'hint', key: 'kept', object: null },
          { op: 'hint', owner: 'n2', key: 'kept', object: { context: { clock: {}, dots: [] }, siblings: 'none' } },
          { op: 'explode', key: 'kept' },
          { key: 42 },
          null,
          { op: 'read', key: 'kept' },
        ],
      },
      token,
    )
    assert.equal(batch.status, 200)
    assert.deepEqual(
      batch.body.results.slice(0, 7).map((r: { ok: boolean }) => r.ok),
      [false, false, false, false, false, false, false],
    )
    assert.isTrue(batch.body.results[7].ok)
    assert.lengthOf(batch.body.results[7].object.siblings, 1)
    const read = await call<ReadResponse>(`${base}/kv/kept?r=3`)
    assert.deepEqual(read.body.values, ['kept'])
    assert.equal((await call(`${base}/admin/hints`)).body.pending, 0)
  })
})
