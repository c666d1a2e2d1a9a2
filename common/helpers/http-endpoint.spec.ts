/**
 * The HTTP/1.1 endpoint over real TCP against a server on 127.0.0.1 that writes its answer
 * byte by byte as each test scripts it: responses split across packets, kept-alive and
 * closed connections, and the failures a history tells apart: refused (the request never
 * left), reset or closed after sending, and timeouts (it may have arrived).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { test } from '@japa/runner'
import { HttpEndpoint, HttpFailure, type HttpFailureKind, type HttpRequest } from './http-endpoint.ts'

/** What the scripted server does with one complete request: answer on `socket`, or not. */
type Script = (socket: Socket, request: string) => void

type ScriptedServer = {
  port: number
  /** Connections accepted so far. */
  readonly accepted: number
  /** Each request received, head and body, in order. */
  readonly requests: string[]
  /** What to do with the next requests; the last script given stays in force. */
  script: Script
  close(): Promise<void>
}

const HEAD_END = '\r\n\r\n'

/** Splits whole requests (head plus Content-Length body) out of a connection's bytes. */
function takeRequest(buffered: string): { request: string; rest: string } | undefined {
  const headEnd = buffered.indexOf(HEAD_END)
  if (headEnd < 0) return undefined
  const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buffered.slice(0, headEnd))?.[1] ?? 0)
  const end = headEnd + HEAD_END.length + length
  if (buffered.length < end) return undefined
  return { request: buffered.slice(0, end), rest: buffered.slice(end) }
}

async function startScriptedServer(script: Script): Promise<ScriptedServer> {
  const sockets = new Set<Socket>()
  const requests: string[] = []
  let accepted = 0
  const state = { script }
  const server: Server = createServer({ noDelay: true }, (socket) => {
    accepted += 1
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    let buffered = ''
    socket.on('data', (data) => {
      buffered += data.toString('latin1')
      for (let taken = takeRequest(buffered); taken; taken = takeRequest(buffered)) {
        buffered = taken.rest
        requests.push(taken.request)
        state.script(socket, taken.request)
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted
    },
    requests,
    get script() {
      return state.script
    },
    set script(next: Script) {
      state.script = next
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Writes `bytes` in the pieces between `cuts`, each on a later turn of the event loop. */
function writeInPieces(socket: Socket, bytes: Buffer, cuts: number[]): void {
  const bounds = [0, ...cuts, bytes.length]
  const writeFrom = (i: number): void => {
    if (i >= bounds.length - 1 || socket.destroyed) return
    socket.write(bytes.subarray(bounds[i], bounds[i + 1]))
    setImmediate(() => writeFrom(i + 1))
  }
  writeFrom(0)
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function failureOf(promise: Promise<unknown>): Promise<HttpFailure> {
  try {
    await promise
  } catch (error) {
    if (error instanceof HttpFailure) return error
    throw error
  }
  throw new Error('the request succeeded')
}

const GET: HttpRequest = { method: 'GET', path: '/kv/a', timeoutMs: 5_000 }

const UTF8_BODY = '{"values":["héllo € 😀"]}'
const RESPONSES: { name: string; wire: Buffer; status: number; body: string }[] = [
  {
    name: 'Content-Length, multi-byte UTF-8',
    wire: Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(UTF8_BODY)}\r\n\r\n${UTF8_BODY}`),
    status: 200,
    body: UTF8_BODY,
  },
  {
    name: 'chunked with extensions',
    wire: Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\n{"x\r\n3\r\n":1\r\n1;c\r\n}\r\n0\r\n\r\n'),
    status: 200,
    body: '{"x":1}',
  },
  { name: '204', wire: Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'), status: 204, body: '' },
  { name: '304', wire: Buffer.from('HTTP/1.1 304 Not Modified\r\nETag: "1"\r\n\r\n'), status: 304, body: '' },
]

test.group('HttpEndpoint: responses over TCP', () => {
  test('{name}: split in two at every byte boundary, on one kept-alive connection')
    .with(RESPONSES)
    .run(async ({ assert, cleanup }, { wire, status, body }) => {
      let cut = 1
      const server = await startScriptedServer((socket) => writeInPieces(socket, wire, [cut++]))
      const endpoint = new HttpEndpoint({ host: '127.0.0.1', port: server.port })
      cleanup(async () => {
        endpoint.close()
        await server.close()
      })
      while (cut < wire.length) {
        const at = cut
        assert.deepEqual(await endpoint.request(GET), { status, body }, `cut at byte ${at}`)
      }
      assert.equal(server.accepted, 1)
    })

  test('{name}: one byte per write')
    .with(RESPONSES)
    .run(async ({ assert, cleanup }, { wire, status, body }) => {
      const server = await startScriptedServer((socket) =>
        writeInPieces(
          socket,
          wire,
          [...wire.keys()].filter((i) => i > 0),
        ),
      )
      const endpoint = new HttpEndpoint({ host: '127.0.0.1', port: server.port })
      cleanup(async () => {
        endpoint.close()
        await server.close()
      })
      assert.deepEqual(await endpoint.request(GET), { status, body })
    })

  test('a request body goes out with its length; keep-alive reuses the connection', async ({ assert, cleanup }) => {
    const server = await startScriptedServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'))
    const endpoint = new HttpEndpoint({ host: '127.0.0.1', port: server.port })
    cleanup(async () => {
      endpoint.close()
      await server.close()
    })
    for (let i = 0; i < 3; i++) await endpoint.request({ method: 'PUT', path: '/kv/%C3%A9', body: '{"value":"€"}', timeoutMs: 5_000 })
    assert.equal(server.accepted, 1)
    assert.lengthOf(server.requests, 3)
    assert.match(server.requests[0], /^PUT \/kv\/%C3%A9 HTTP\/1\.1\r\n/)
    assert.match(server.requests[0], /\r\ncontent-length: 15\r\n/)
    assert.isTrue(server.requests[0].endsWith('\r\n\r\n{"value":"\u00e2\u0082\u00ac"}'), 'the body, as UTF-8 bytes')
  })

  test('Connection: close from the server: the next request opens a new connection', async ({ assert, cleanup }) => {
    const server = await startScriptedServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok')
      socket.end()
    })
    const endpoint = new HttpEndpoint({ host: '127.0.0.1', port: server.port })
    cleanup(async () => {
      endpoint.close()
      await server.close()
    })
    assert.deepEqual(await endpoint.request(GET), { status: 200, body: 'ok' })
    assert.deepEqual(await endpoint.request(GET), { status: 200, body: 'ok' })
    assert.equal(server.accepted, 2)
  })

  test('keepAlive: false asks for Connection: close and never reuses the connection, even if the server would', async ({
    assert,
    cleanup,
  }) => {
    // The server neither answers `Connection: close` nor closes: RFC 9112 still forbids a second request.
    const server = await startScriptedServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'))
    const endpoint = new HttpEndpoint({ host: '127.0.0.1', port: server.port, keepAlive: false })
    cleanup(async () => {
      endpoint.close()
      await server.close()
    })
    await endpoint.request(GET)
    await endpoint.request(GET)
    assert.equal(server.accepted, 2)
    assert.match(server.requests[0], /\r\nconnection: close\r\n/)
  })

  test('a response the server sends after the client timed out is not taken for the next request', async ({ assert, cleanup }) => {
    const held: Socket[] = []
    const server = await startScriptedServer((socket) => held.push(socket))
    const endpoint = new HttpEndpoint({ host: '127.0.0.1', port: server.port })
    cleanup(async () => {
      endpoint.close()
      await server.close()
    })
    const failure = await failureOf(endpoint.request({ ...GET, timeoutMs: 50 }))
    assert.equal(failure.kind, 'timeout')
    held[0].write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate')
    server.script = (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\ncurrent')
    assert.deepEqual(await endpoint.request(GET), { status: 200, body: 'current' })
    assert.equal(server.accepted, 2, 'the timed-out connection is not reused')
  })
})

test.group('HttpEndpoint: failures, and whether the request may have arrived', () => {
  type FailureCase = { name: string; script: Script; kind: HttpFailureKind; maybeDelivered: boolean; timeoutMs?: number }
  const cases: FailureCase[] = [
    { name: 'reset (RST) after the request arrived', script: (socket) => socket.resetAndDestroy(), kind: 'reset', maybeDelivered: true },
    { name: 'closed (FIN) after the request arrived, no response', script: (socket) => socket.end(), kind: 'reset', maybeDelivered: true },
    {
      name: 'closed in the middle of a Content-Length body',
      script: (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345'),
      kind: 'reset',
      maybeDelivered: true,
    },
    {
      name: 'closed in the middle of a chunked body',
      script: (socket) => socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'),
      kind: 'reset',
      maybeDelivered: true,
    },
    {
      name: 'a body ended by close (no length, no chunking): not framed, a protocol failure',
      script: (socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nuntil close'),
      kind: 'protocol',
      maybeDelivered: true,
    },
    { name: 'not HTTP', script: (socket) => socket.write('garbage\r\n\r\n'), kind: 'protocol', maybeDelivered: true },
    { name: 'no answer within the deadline', script: () => {}, kind: 'timeout', maybeDelivered: true, timeoutMs: 50 },
  ]

  test('{name}: {kind}')
    .with(cases)
    .run(async ({ assert, cleanup }, { script, kind, maybeDelivered, timeoutMs }) => {
      const server = await startScriptedServer(script)
      const endpoint = new HttpEndpoint({ host: '127.0.0.1', port: server.port })
      cleanup(async () => {
        endpoint.close()
        await server.close()
      })
      const failure = await failureOf(endpoint.request({ ...GET, timeoutMs: timeoutMs ?? GET.timeoutMs }))
      assert.lengthOf(server.requests, 1, 'the request reached the server')
      assert.equal(failure.kind, kind)
      assert.equal(failure.maybeDelivered, maybeDelivered)
    })

  test('refused: nothing listens, so the request certainly never arrived', async ({ assert, cleanup }) => {
    const endpoint = new HttpEndpoint({ host: '127.0.0.1', port: await closedPort() })
    cleanup(() => endpoint.close())
    const failure = await failureOf(endpoint.request({ method: 'PUT', path: '/kv/a', body: '{}', timeoutMs: 5_000 }))
    assert.equal(failure.kind, 'refused')
    assert.isFalse(failure.maybeDelivered)
    assert.match(failure.message, /ECONNREFUSED/)
  })

  test('after a failure the endpoint recovers on a new connection', async ({ assert, cleanup }) => {
    const server = await startScriptedServer((socket) => socket.resetAndDestroy())
    const endpoint = new HttpEndpoint({ host: '127.0.0.1', port: server.port })
    cleanup(async () => {
      endpoint.close()
      await server.close()
    })
    assert.equal((await failureOf(endpoint.request(GET))).kind, 'reset')
    server.script = (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
    assert.deepEqual(await endpoint.request(GET), { status: 200, body: 'ok' })
  })
})
