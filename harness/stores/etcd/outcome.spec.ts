import { test } from '@japa/runner'
import { HttpFailure } from '../../../common/helpers/http-endpoint.ts'
import { parseCas, parseDelete, parsePut, parseRange } from './gateway.ts'
import { classify, type Exchange, type OpEffect } from './outcome.ts'

const header = '"header":{"cluster_id":"1","member_id":"2","revision":"7","raft_term":"2"}'
const b64 = (text: string): string => Buffer.from(text).toString('base64')
const reply = (status: number, body: string): Exchange => ({ response: { status, body } })
const failure = (kind: HttpFailure['kind'], maybeDelivered: boolean): Exchange => ({ failure: new HttpFailure(kind, maybeDelivered, kind) })

type Row = { name: string; effect: OpEffect; exchange: Exchange; type: 'ok' | 'fail' | 'info'; error?: string }

// Bodies as etcd 3.6's gateway writes them (recorded from a real server).
const rows: Row[] = [
  { name: 'refused before sending', effect: 'write', exchange: failure('refused', false), type: 'fail', error: 'connection_refused' },
  { name: 'refused before sending (read)', effect: 'read', exchange: failure('refused', false), type: 'fail', error: 'connection_refused' },
  { name: 'timeout after sending', effect: 'write', exchange: failure('timeout', true), type: 'info', error: 'timeout' },
  { name: 'timeout before connecting', effect: 'write', exchange: failure('timeout', false), type: 'fail', error: 'timeout' },
  { name: 'timeout of a read', effect: 'read', exchange: failure('timeout', true), type: 'fail', error: 'timeout' },
  { name: 'reset after sending', effect: 'write', exchange: failure('reset', true), type: 'info', error: 'connection_reset' },
  { name: 'reset during a read', effect: 'read', exchange: failure('reset', true), type: 'fail', error: 'connection_reset' },
  { name: 'malformed HTTP', effect: 'write', exchange: failure('protocol', true), type: 'info', error: 'protocol' },
  { name: 'put answered', effect: 'write', exchange: reply(200, `{${header}}`), type: 'ok' },
  {
    name: 'key not provided (400)',
    effect: 'write',
    exchange: reply(400, '{"code":3, "message":"etcdserver: key is not provided"}'),
    type: 'fail',
    error: 'invalid_argument',
  },
  {
    name: 'too many requests (429)',
    effect: 'write',
    exchange: reply(429, '{"code":8, "message":"etcdserver: too many requests"}'),
    type: 'fail',
    error: 'resource_exhausted',
  },
  {
    name: 'leader changed (503) on a write',
    effect: 'write',
    exchange: reply(503, '{"code":14, "message":"etcdserver: leader changed"}'),
    type: 'info',
    error: 'unavailable',
  },
  {
    name: 'request timed out (503) on a read',
    effect: 'read',
    exchange: reply(503, '{"code":14, "message":"etcdserver: request timed out"}'),
    type: 'fail',
    error: 'unavailable',
  },
  {
    name: 'unknown error (500) on a write',
    effect: 'write',
    exchange: reply(500, '{"code":2, "message":"raft proposal dropped"}'),
    type: 'info',
    error: 'unknown',
  },
  {
    name: 'context deadline exceeded (504) on a write',
    effect: 'write',
    exchange: reply(504, '{"code":4, "message":"context deadline exceeded"}'),
    type: 'info',
    error: 'deadline_exceeded',
  },
  {
    name: 'over the 2 MiB gRPC message limit (429)',
    effect: 'write',
    exchange: reply(429, '{"code":8, "message":"grpc: received message larger than max (2097164 vs. 2097152)"}'),
    type: 'fail',
    error: 'resource_exhausted',
  },
  { name: 'cancelled (499) on a write', effect: 'write', exchange: reply(499, '{"code":1, "message":"context canceled"}'), type: 'info' },
  { name: 'plain-text 405', effect: 'write', exchange: reply(405, 'Method Not Allowed\n'), type: 'fail', error: 'http_405' },
  { name: 'HTML 502 from something in between', effect: 'write', exchange: reply(502, '<html>bad gateway</html>'), type: 'info' },
  { name: '502 on a read', effect: 'read', exchange: reply(502, '<html>bad gateway</html>'), type: 'fail', error: 'http_502' },
  { name: '200 that is not JSON (write)', effect: 'write', exchange: reply(200, 'ok'), type: 'info', error: 'bad_response' },
  { name: '200 that is not JSON (read)', effect: 'read', exchange: reply(200, 'ok'), type: 'fail', error: 'bad_response' },
  { name: '200 without a header', effect: 'write', exchange: reply(200, '{}'), type: 'info', error: 'bad_response' },
  { name: 'unknown gRPC code', effect: 'write', exchange: reply(400, '{"code":99, "message":"?"}'), type: 'fail', error: 'http_400' },
]

test.group('etcd outcome: classification', () => {
  for (const row of rows) {
    test(row.name, ({ assert }) => {
      const outcome = classify(row.effect, row.exchange, parsePut)
      assert.equal(outcome.type, row.type)
      if (row.error) assert.equal(outcome.type === 'ok' ? undefined : outcome.error, row.error)
      if (outcome.type !== 'ok') assert.isString(outcome.detail)
    })
  }

  test('ok carries the parsed result, and the gateway message is kept as the detail', ({ assert }) => {
    assert.deepEqual(classify('write', reply(200, `{${header}}`), parsePut), { type: 'ok', revision: 7 })
    assert.deepEqual(classify('write', reply(503, '{"code":14, "message":"etcdserver: leader changed"}'), parsePut), {
      type: 'info',
      error: 'unavailable',
      detail: 'etcdserver: leader changed',
    })
  })
})

test.group('etcd gateway: answers', () => {
  test('range: a value, no key (no kvs), an empty value, a value that is not JSON', ({ assert }) => {
    const kv = (value?: string): string =>
      `{${header}, "kvs":[{"key":"aw==", "create_revision":"4", "mod_revision":"6", "version":"3"${value === undefined ? '' : `, "value":"${value}"`}}], "count":"1"}`
    assert.deepEqual(parseRange(JSON.parse(kv(b64('{"a":[1,2]}')))), { values: [{ a: [1, 2] }], revision: 7 })
    assert.deepEqual(parseRange(JSON.parse(`{${header}}`)), { values: [], revision: 7 })
    assert.match(parseRange(JSON.parse(kv())) as string, /not JSON/)
    assert.match(parseRange(JSON.parse(kv(b64('plain')))) as string, /not JSON/)
    assert.match(parseRange({ header: { revision: '7' }, kvs: [{}, {}] }) as string, /2 keys/)
    assert.match(parseRange({ header: { revision: 'x' } }) as string, /revision/)
  })

  test('deleterange: deleted is absent when nothing was deleted', ({ assert }) => {
    assert.deepEqual(parseDelete(JSON.parse(`{${header}, "deleted":"1"}`)), { deleted: 1, revision: 7 })
    assert.deepEqual(parseDelete(JSON.parse(`{${header}}`)), { deleted: 0, revision: 7 })
    assert.isString(parseDelete({ header: { revision: '7' }, deleted: 'one' }))
  })

  test('txn: succeeded is absent when the comparison failed', ({ assert }) => {
    const succeeded = `{${header}, "succeeded":true, "responses":[{"response_put":{"header":{"revision":"7"}}}]}`
    assert.deepEqual(parseCas(JSON.parse(succeeded)), { succeeded: true, revision: 7 })
    assert.deepEqual(parseCas(JSON.parse(`{${header}}`)), { succeeded: false, revision: 7 })
    assert.isString(parseCas({ header: { revision: '7' }, succeeded: 'yes' }))
  })
})
