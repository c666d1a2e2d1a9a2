/**
 * How the HTTP/1.1 client frames responses, without sockets: every response below is fed
 * whole, split at every byte boundary and one byte at a time, and must come out the same,
 * never early. What it cannot frame is 'invalid', which the endpoint reports as a protocol
 * failure (maybe delivered).
 */
import { test } from '@japa/runner'
import { type FramedResponse, HttpResponseReader } from './http-response-reader.ts'

type Case = { name: string; wire: Buffer; expected: FramedResponse }

const UTF8_BODY = '{"v":"héllo € 😀"}'

/** A response as raw bytes; `\r\n` written out so the framing is visible in the table. */
const wire = (...parts: (string | Buffer)[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)))

const FRAMED: Case[] = [
  {
    name: 'Content-Length body',
    wire: wire('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'),
    expected: { status: 200, body: '{"ok":true}', close: false },
  },
  {
    name: 'Content-Length counts bytes: multi-byte UTF-8 characters split across packets',
    wire: wire(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(UTF8_BODY)}\r\n\r\n${UTF8_BODY}`),
    expected: { status: 200, body: UTF8_BODY, close: false },
  },
  {
    name: 'Content-Length: 0',
    wire: wire('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'),
    expected: { status: 404, body: '', close: false },
  },
  {
    name: 'header names in any case; HTTP/1.0',
    wire: wire('HTTP/1.0 503 Service Unavailable\r\nCONTENT-LENGTH:2\r\nConnection: Close\r\n\r\n{}'),
    expected: { status: 503, body: '{}', close: true },
  },
  {
    name: 'Connection: close',
    wire: wire('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 5\r\n\r\nhello'),
    expected: { status: 200, body: 'hello', close: true },
  },
  {
    name: 'chunked body',
    wire: wire('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n'),
    expected: { status: 200, body: 'Wikipedia', close: false },
  },
  {
    name: 'chunked body with chunk extensions',
    wire: wire('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;name=value\r\nWiki\r\n5;flag\r\npedia\r\n0;last=1\r\n\r\n'),
    expected: { status: 200, body: 'Wikipedia', close: false },
  },
  {
    name: 'chunked body with upper-case hex sizes and trailers',
    wire: wire('HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n'),
    expected: { status: 201, body: '0123456789', close: false },
  },
  {
    name: 'chunked body with a UTF-8 character cut between two chunks',
    // 'é' is C3 A9: the first chunk ends with C3, the second starts with A9.
    wire: wire(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n',
      Buffer.from([0x61, 0xc3]),
      '\r\n2\r\n',
      Buffer.from([0xa9, 0x62]),
      '\r\n0\r\n\r\n',
    ),
    expected: { status: 200, body: 'aéb', close: false },
  },
  {
    name: '204 has no body',
    wire: wire('HTTP/1.1 204 No Content\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n'),
    expected: { status: 204, body: '', close: false },
  },
  {
    name: '304 has no body',
    wire: wire('HTTP/1.1 304 Not Modified\r\nETag: "abc"\r\n\r\n'),
    expected: { status: 304, body: '', close: false },
  },
]

const INVALID: { name: string; wire: Buffer }[] = [
  { name: 'not HTTP', wire: wire('SSH-2.0-OpenSSH_9.6\r\n\r\n') },
  // RFC 9112 lets a body run until the server closes; this reader does not frame such bodies.
  { name: 'no Content-Length, no chunking, not 204/304 (a body ended by close)', wire: wire('HTTP/1.1 200 OK\r\n\r\nuntil close') },
  { name: 'Content-Length not a number', wire: wire('HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n') },
  { name: 'negative Content-Length', wire: wire('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n') },
  { name: 'chunk size not hex', wire: wire('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n') },
  { name: 'a head over 64 KiB that never ends', wire: wire('HTTP/1.1 200 OK\r\nX-Big: ', 'a'.repeat(64 * 1024)) },
]

function readAll(chunks: Buffer[]): (FramedResponse | 'invalid' | undefined)[] {
  const reader = new HttpResponseReader()
  return chunks.map((chunk) => {
    reader.push(chunk)
    return reader.next()
  })
}

test.group('HttpResponseReader: framing responses from a byte stream', () => {
  test('{name}: whole')
    .with(FRAMED)
    .run(({ assert }, { wire, expected }) => {
      assert.deepEqual(readAll([wire]), [expected])
    })

  test('{name}: split at every byte boundary, nothing before the last byte')
    .with(FRAMED)
    .run(({ assert }, { wire, expected }) => {
      for (let cut = 1; cut < wire.length; cut++) {
        assert.deepEqual(readAll([wire.subarray(0, cut), wire.subarray(cut)]), [undefined, expected], `cut at byte ${cut}`)
      }
    })

  test('{name}: one byte at a time')
    .with(FRAMED)
    .run(({ assert }, { wire, expected }) => {
      const results = readAll([...wire].map((byte) => Buffer.from([byte])))
      assert.deepEqual(results.at(-1), expected)
      assert.isTrue(
        results.slice(0, -1).every((r) => r === undefined),
        'no response before its last byte',
      )
    })

  test('two responses in one packet come out in order, each consumed once', ({ assert }) => {
    const reader = new HttpResponseReader()
    reader.push(Buffer.concat([FRAMED[5].wire, FRAMED[0].wire, FRAMED[9].wire]))
    assert.deepEqual(reader.next(), FRAMED[5].expected)
    assert.deepEqual(reader.next(), FRAMED[0].expected)
    assert.deepEqual(reader.next(), FRAMED[9].expected)
    assert.isUndefined(reader.next())
  })

  test('the bytes after a response start the next one, across packets', ({ assert }) => {
    const both = Buffer.concat([FRAMED[6].wire, FRAMED[1].wire])
    for (let cut = 1; cut < both.length; cut++) {
      const reader = new HttpResponseReader()
      const seen: (FramedResponse | 'invalid' | undefined)[] = []
      for (const part of [both.subarray(0, cut), both.subarray(cut)]) {
        reader.push(part)
        for (let next = reader.next(); next !== undefined; next = reader.next()) seen.push(next)
      }
      assert.deepEqual(seen, [FRAMED[6].expected, FRAMED[1].expected], `cut at byte ${cut}`)
    }
  })

  test('invalid: {name}')
    .with(INVALID)
    .run(({ assert }, { wire }) => {
      assert.deepEqual(readAll([wire]), ['invalid'])
    })

  test('a head still short of 64 KiB waits for more bytes', ({ assert }) => {
    assert.deepEqual(readAll([wire('HTTP/1.1 200 OK\r\nX-Big: ', 'a'.repeat(60 * 1024))]), [undefined])
  })
})
