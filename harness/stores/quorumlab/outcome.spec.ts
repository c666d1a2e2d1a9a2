/**
 * The ok/fail/info rule of the reference store's client, case by case, without a node:
 * every transport failure and every kind of answer, for a read and for each kind of
 * write. A table row is what the history must say; the client's own request building
 * is checked against an in-process HTTP server standing in for a node.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from '@japa/runner'
import type { HttpFailureKind } from '../../../common/helpers/http-endpoint.ts'
import type { ErrorResponse, ReadResponse, WriteResponse } from '../../../store/api.ts'
import type { Op, OpName, OpResult } from '../../adapter/index.ts'
import { QuorumlabClient } from './client.ts'
import { outcomeOfAnswer, outcomeOfFailure } from './outcome.ts'

const WRITES: OpName[] = ['put', 'delete']

type FailureRow = { kind: HttpFailureKind; maybeDelivered: boolean; error: string; read: OpResult['type']; write: OpResult['type'] }

const FAILURES: FailureRow[] = [
  // Never arrived: nothing happened, whatever the op.
  { kind: 'refused', maybeDelivered: false, error: 'connection_refused', read: 'fail', write: 'fail' },
  { kind: 'reset', maybeDelivered: false, error: 'connection_reset', read: 'fail', write: 'fail' },
  // Sent, then no answer: a write may have been stored.
  { kind: 'reset', maybeDelivered: true, error: 'connection_reset', read: 'fail', write: 'info' },
  { kind: 'timeout', maybeDelivered: true, error: 'timeout', read: 'fail', write: 'info' },
  { kind: 'protocol', maybeDelivered: true, error: 'protocol', read: 'fail', write: 'info' },
]

test.group('reference store client: transport failures', () => {
  test('{kind} (maybe delivered: {maybeDelivered}): read {read}, write {write}')
    .with(FAILURES)
    .run(({ assert }, row) => {
      assert.deepEqual(outcomeOfFailure('get', row), { type: row.read, error: row.error })
      for (const f of WRITES) assert.deepEqual(outcomeOfFailure(f, row), { type: row.write, error: row.error }, f)
    })
})

const error = (code: ErrorResponse['error']['code']): string => JSON.stringify({ error: { code, message: 'm' } } satisfies ErrorResponse)

type AnswerRow = { what: string; status: number; body: string; error: string; read: 'fail'; write: 'fail' | 'info' }

const ERRORS: AnswerRow[] = [
  { what: 'bad request', status: 400, body: error('bad_request'), error: 'bad_request', read: 'fail', write: 'fail' },
  { what: 'unauthorized', status: 401, body: error('unauthorized'), error: 'unauthorized', read: 'fail', write: 'fail' },
  { what: 'too large', status: 413, body: error('too_large'), error: 'too_large', read: 'fail', write: 'fail' },
  { what: 'a 404 that is not a read', status: 404, body: error('not_found'), error: 'not_found', read: 'fail', write: 'fail' },
  { what: 'a 4xx without an error code', status: 409, body: '{}', error: 'http_409', read: 'fail', write: 'fail' },
  // The coordinator may have stored the write before giving up on its quorum.
  { what: 'quorum unavailable', status: 503, body: error('quorum_unavailable'), error: 'quorum_unavailable', read: 'fail', write: 'info' },
  { what: 'timeout', status: 504, body: error('timeout'), error: 'timeout', read: 'fail', write: 'info' },
  { what: 'internal error', status: 500, body: error('internal'), error: 'internal', read: 'fail', write: 'info' },
  { what: 'a 5xx without an error code', status: 502, body: '[]', error: 'http_502', read: 'fail', write: 'info' },
  { what: 'a body that is not JSON', status: 200, body: '<html>', error: 'bad_response', read: 'fail', write: 'info' },
  { what: 'a 5xx body that is not JSON', status: 503, body: 'Service Unavailable', error: 'bad_response', read: 'fail', write: 'info' },
]

const dot = { node: 'n2', counter: 7 }
const read: ReadResponse = {
  key: 'k',
  values: ['a', 'b'],
  versions: [
    { dot, clock: { n2: 7 } },
    { dot: { node: 'n1', counter: 3 }, clock: { n1: 3 } },
  ],
  context: 'ctx-read',
  coordinator: 'n1',
  replies: 2,
}
const written: WriteResponse = { key: 'k', context: 'ctx-write', dot, clock: { n2: 7 }, coordinator: 'n3', acks: 2 }

test.group('reference store client: answers', () => {
  test('{what} ({status}): read {read}, write {write}')
    .with(ERRORS)
    .run(({ assert }, row) => {
      const answer = { status: row.status, body: row.body }
      assert.deepEqual(outcomeOfAnswer('get', answer), { type: row.read, error: row.error })
      for (const f of WRITES) assert.deepEqual(outcomeOfAnswer(f, answer), { type: row.write, error: row.error }, f)
    })

  test('a read that found values is ok with the values, their versions, the context and the coordinator', ({ assert }) => {
    assert.deepEqual(outcomeOfAnswer('get', { status: 200, body: JSON.stringify(read) }), {
      type: 'ok',
      values: ['a', 'b'],
      version: { context: 'ctx-read', versions: read.versions, coordinator: 'n1' },
    })
  })

  test('a read that found nothing (404 with a read body) is ok with no values', ({ assert }) => {
    const missing: ReadResponse = { ...read, values: [], versions: [] }
    assert.deepEqual(outcomeOfAnswer('get', { status: 404, body: JSON.stringify(missing) }), {
      type: 'ok',
      values: [],
      version: { context: 'ctx-read', versions: [], coordinator: 'n1' },
    })
  })

  test('an acknowledged {$self} is ok with its context, dot and coordinator')
    .with(WRITES)
    .run(({ assert }, f) => {
      assert.deepEqual(outcomeOfAnswer(f, { status: 200, body: JSON.stringify(written) }), {
        type: 'ok',
        version: { context: 'ctx-write', dot, coordinator: 'n3' },
      })
    })

  test('a write answered 404 (even with a read body) is a fail', ({ assert }) => {
    assert.deepEqual(outcomeOfAnswer('put', { status: 404, body: JSON.stringify(read) }), { type: 'fail', error: 'http_404' })
  })
})

test.group('reference store client: requests', () => {
  test('each op is its request to /kv/:key, and an unknown node fails without a request', async ({ assert, cleanup }) => {
    const seen: string[] = []
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk) => (body += chunk))
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${body}`)
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.method === 'GET' ? read : written))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanup(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const { port } = server.address() as AddressInfo
    const client = new QuorumlabClient([{ id: 'n1', host: '127.0.0.1', port }], { timeoutMs: 5000 })
    cleanup(() => client.close())
    const ops: Op[] = [
      { f: 'get', key: 'a b', node: 'n1' },
      { f: 'put', key: 'k', node: 'n1', value: { x: 1 }, context: null },
      { f: 'put', key: 'k', node: 'n1', value: 2, context: 'ctx' },
      { f: 'delete', key: 'k', node: 'n1' },
      { f: 'delete', key: 'k', node: 'n1', context: 'ctx' },
    ]
    for (const op of ops) assert.equal((await client.invoke(op)).type, 'ok', op.f)
    assert.deepEqual(seen, [
      'GET /kv/a%20b ',
      'PUT /kv/k {"value":{"x":1}}',
      'PUT /kv/k {"value":2,"context":"ctx"}',
      'DELETE /kv/k {}',
      'DELETE /kv/k {"context":"ctx"}',
    ])
    assert.deepEqual(await client.invoke({ f: 'get', key: 'k', node: 'n9' }), { type: 'fail', error: 'unknown_node' })
    assert.lengthOf(seen, ops.length)
  })
})
