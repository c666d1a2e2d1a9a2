/**
 * Replica batches streamed between two nodes' parts over real TCP: the receiving side is
 * Node's HTTP server taking the upgrade as a node's does (`acceptBatchStreams`, over fake
 * replica and hint store), the sending side the {@link PeerClient} a node uses. Answers
 * must be `POST /internal/batch`'s, in any order; failures must say whether the batch may
 * have arrived; a stuck or broken connection must not hang a batch or the next one.
 */
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http'
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net'
import { test } from '@japa/runner'
import { BATCH_STREAM_PATH, type BatchResponse, SENDER_HEADER, TOKEN_HEADER } from './api.ts'
import { NODE_DEFAULTS, type NodeConfig } from './config.ts'
import { acceptBatchStreams } from './http/batch-stream.ts'
import type { BatchFastPathOptions } from './http/batch-fast-path.ts'
import { PeerClient, PeerError } from './peers.ts'
import { Stats } from './stats.ts'
import { applyWrite, emptyObject, type VersionedObject } from './versioning.ts'

const TOKEN = 'stream-token'

const objectOf = (value: unknown, counter: number): VersionedObject =>
  applyWrite('dvv', emptyObject(), { node: 'n1.a', counter, context: { clock: {}, dots: [] }, value, deleted: false, ts: 5 }).object

/** A receiving node n2's parts: reads answer `stored`, merges wait for `release(key)` when one of their keys is held. */
function receiver() {
  const stored = new Map<string, VersionedObject>()
  const held = new Map<string, () => void>()
  const holding = new Set<string>()
  const stats = new Stats('n2')
  const config: NodeConfig = {
    ...NODE_DEFAULTS,
    token: TOKEN,
    id: 'n2',
    host: '127.0.0.1',
    port: 0,
    dataDir: 'unused',
    peers: [{ id: 'n1', host: '127.0.0.1', port: 1 }],
  }
  const replica = {
    read: (key: string) => stored.get(key) ?? emptyObject(),
    mergeMany: async (entries: { key: string; object: VersionedObject }[]) => {
      for (const { key } of entries) if (holding.has(key)) await new Promise<void>((resolve) => held.set(key, resolve))
      return entries.map(({ key, object }) => {
        stored.set(key, object)
        return { object, changed: true }
      })
    },
  }
  const handoff = { store: async () => {} }
  const options = { config, replica, handoff, stats } as unknown as BatchFastPathOptions
  return {
    options,
    stored,
    stats,
    hold: (key: string) => holding.add(key),
    release: (key: string) => held.get(key)?.(),
  }
}

/** An HTTP server taking batch streams for `parts`, answering every plain request 204. */
async function serve(options: BatchFastPathOptions, cleanup: (fn: () => Promise<void>) => void): Promise<number> {
  const plain = (_: unknown, response: { writeHead(status: number): void; end(): void }) => {
    response.writeHead(204)
    response.end()
  }
  const server: Server = createHttpServer(plain)
  const streams = acceptBatchStreams(server, plain, options)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanup(async () => {
    streams.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return (server.address() as AddressInfo).port
}

/** A streamed peer client of node n1 whose peer n2 listens on `port`. */
function sender(port: number, cleanup: (fn: () => void) => void, token = TOKEN): PeerClient {
  const client = new PeerClient({ self: 'n1', peers: [{ id: 'n2', host: '127.0.0.1', port }], token, connections: 'streamed' })
  cleanup(() => client.close())
  return client
}

const batchOf = (...ops: unknown[]): string => JSON.stringify({ ops })

async function rejection(promise: Promise<unknown>): Promise<PeerError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof PeerError) return error
    throw error
  }
  throw new Error('expected the batch to fail')
}

/** A TCP server that accepts the upgrade, then does what `afterUpgrade` says with what it is sent. */
async function rawPeer(afterUpgrade: (socket: Socket, data: string) => void, cleanup: (fn: () => Promise<void>) => void) {
  const sockets = new Set<Socket>()
  let accepted = 0
  const server = createTcpServer((socket) => {
    accepted += 1
    sockets.add(socket)
    let upgraded = false
    socket.on('error', () => {})
    socket.on('data', (chunk) => {
      const text = chunk.toString()
      if (!upgraded && text.includes('\r\n\r\n')) {
        upgraded = true
        socket.write('HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: quorumlab-batches\r\n\r\n')
        const rest = text.slice(text.indexOf('\r\n\r\n') + 4)
        if (rest) afterUpgrade(socket, rest)
      } else if (upgraded) afterUpgrade(socket, text)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanup(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  return { port: (server.address() as AddressInfo).port, accepted: () => accepted }
}

test.group('peer stream', () => {
  test('a batch on the stream is applied and answered as POST /internal/batch answers it, and counted as a call from its sender', async ({
    assert,
    cleanup,
  }) => {
    const parts = receiver()
    const port = await serve(parts.options, cleanup)
    const client = sender(port, cleanup)
    const object = objectOf({ nested: ['ü', 1] }, 1)
    const merged = await client.batch<BatchResponse>('n2', batchOf({ op: 'merge', key: 'k', object }), 1000)
    assert.equal(merged.node, 'n2')
    assert.lengthOf(merged.results, 1)
    assert.isTrue(merged.results[0].ok)
    assert.deepEqual(parts.stored.get('k'), object)
    const read = await client.batch<BatchResponse>(
      'n2',
      batchOf({ op: 'read', key: 'k' }, { op: 'read', key: 'none' }, { op: 'merge', key: 'bad', object: 'no' }),
      1000,
    )
    assert.deepEqual(
      read.results.map((r) => (r.ok ? r.object : r.error)),
      [JSON.parse(JSON.stringify(object)), null, 'op.object is not a versioned object'],
    )
    assert.equal(parts.stats.snapshot().peers.n1?.received, 2)
  })

  test('a batch is answered as soon as it is done: a read does not wait behind a merge still flushing', async ({ assert, cleanup }) => {
    const parts = receiver()
    parts.hold('slow')
    const port = await serve(parts.options, cleanup)
    const client = sender(port, cleanup)
    const order: string[] = []
    const merge = client.batch('n2', batchOf({ op: 'merge', key: 'slow', object: objectOf('v', 1) }), 5000).then(() => order.push('merge'))
    await client.batch('n2', batchOf({ op: 'read', key: 'slow' }), 5000)
    order.push('read')
    parts.release('slow')
    await merge
    assert.deepEqual(order, ['read', 'merge'])
  })

  test('a line that is not a batch is a 400 for that batch alone; the stream goes on', async ({ assert, cleanup }) => {
    const parts = receiver()
    const port = await serve(parts.options, cleanup)
    const client = sender(port, cleanup)
    const bad = await rejection(client.batch('n2', '{"ops":', 1000))
    assert.equal(bad.kind, 'protocol')
    assert.include(bad.message, 'answered 400')
    const notOps = await rejection(client.batch('n2', '{"ops":3}', 1000))
    assert.include(notOps.message, 'answered 400')
    const ok = await client.batch<BatchResponse>('n2', batchOf({ op: 'read', key: 'k' }), 1000)
    assert.isTrue(ok.results[0].ok)
  })

  test('without the cluster token the upgrade is refused and the batch certainly never arrived', async ({ assert, cleanup }) => {
    const parts = receiver()
    const port = await serve(parts.options, cleanup)
    const client = sender(port, cleanup, 'wrong')
    const error = await rejection(client.batch('n2', batchOf({ op: 'merge', key: 'k', object: objectOf('v', 1) }), 1000))
    assert.equal(error.kind, 'protocol')
    assert.isFalse(error.maybeDelivered)
    assert.include(error.message, '401')
    assert.isFalse(parts.stored.has('k'))
  })

  test('a refused connection fails the batch as never delivered', async ({ assert, cleanup }) => {
    const probe = createTcpServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const client = sender(port, cleanup)
    const error = await rejection(client.batch('n2', batchOf({ op: 'read', key: 'k' }), 1000))
    assert.equal(error.kind, 'unreachable')
    assert.isFalse(error.maybeDelivered)
  })

  test('a peer that holds the batch and never answers: a timeout that may have been delivered, and a fresh connection for the next batch', async ({
    assert,
    cleanup,
  }) => {
    const peer = await rawPeer(() => {}, cleanup)
    const client = sender(peer.port, cleanup)
    const error = await rejection(client.batch('n2', batchOf({ op: 'read', key: 'k' }), 100))
    assert.equal(error.kind, 'timeout')
    assert.isTrue(error.maybeDelivered)
    await rejection(client.batch('n2', batchOf({ op: 'read', key: 'k' }), 100))
    assert.equal(peer.accepted(), 2)
  })

  test('a connection that breaks with batches in flight fails them as maybe delivered, and the next batch gets through', async ({
    assert,
    cleanup,
  }) => {
    let connections = 0
    const peer = await rawPeer((socket, data) => {
      connections += 1
      if (peer.accepted() === 1) socket.destroy()
      else
        for (const line of data.split('\n').filter(Boolean))
          socket.write(`${line.slice(0, line.indexOf(' '))} 200 {"node":"n2","results":[{"ok":true}]}\n`)
    }, cleanup)
    const client = sender(peer.port, cleanup)
    const error = await rejection(client.batch('n2', batchOf({ op: 'read', key: 'k' }), 1000))
    assert.equal(error.kind, 'unreachable')
    assert.isTrue(error.maybeDelivered)
    const ok = await client.batch<BatchResponse>('n2', batchOf({ op: 'read', key: 'k' }), 1000)
    assert.deepEqual(ok.results, [{ ok: true }])
    assert.equal(peer.accepted(), 2)
    assert.isAtLeast(connections, 2)
  })

  test('an upgrade to anything else is answered as a plain request', async ({ assert, cleanup }) => {
    const parts = receiver()
    const port = await serve(parts.options, cleanup)
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = httpRequest({
        host: '127.0.0.1',
        port,
        path: '/health',
        headers: { connection: 'upgrade, http2-settings', upgrade: 'h2c', 'http2-settings': '' },
      })
      request.on('response', (response) => {
        response.resume()
        resolve(response.statusCode)
      })
      request.on('upgrade', () => reject(new Error('upgraded')))
      request.on('error', reject)
      request.end()
    })
    assert.equal(status, 204)
  })

  test('a line without an id closes the stream', async ({ assert, cleanup }) => {
    const parts = receiver()
    const port = await serve(parts.options, cleanup)
    const closed = await new Promise<boolean>((resolve, reject) => {
      const request = httpRequest({
        host: '127.0.0.1',
        port,
        path: BATCH_STREAM_PATH,
        headers: { connection: 'upgrade', upgrade: 'quorumlab-batches', [TOKEN_HEADER]: TOKEN, [SENDER_HEADER]: 'n1' },
      })
      request.on('upgrade', (_response, socket) => {
        socket.on('close', () => resolve(true))
        socket.on('data', () => reject(new Error('answered a line without an id')))
        socket.write('{"ops":[]}\n')
      })
      request.on('error', reject)
      request.end()
    })
    assert.isTrue(closed)
  })
})
