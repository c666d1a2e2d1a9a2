/** The node-to-node client's counts per peer, as `/admin/stats` serves them: every call, and those that failed. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from '@japa/runner'
import { PeerClient } from './peers.ts'
import { Stats } from './stats.ts'

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)))

test.group('peer client counts', () => {
  test('counts calls and failures per peer: answered, refused, and answered with an error', async ({ assert, cleanup }) => {
    const senders: (string | string[] | undefined)[] = []
    const server = createServer((request, response) => {
      senders.push(request.headers['x-quorumlab-from'])
      response.statusCode = request.url === '/ok' ? 200 : 500
      response.end('{}')
    })
    const port = await listen(server)
    const closed = createServer()
    const closedPort = await listen(closed)
    await new Promise((resolve) => closed.close(resolve))
    const stats = new Stats('n1')
    const peers = new PeerClient({
      self: 'n1',
      peers: [
        { id: 'n2', host: '127.0.0.1', port },
        { id: 'n3', host: '127.0.0.1', port: closedPort },
      ],
      token: 't',
      stats,
    })
    cleanup(() => {
      peers.close()
      server.close()
    })
    const get = (path: string) => ({ method: 'GET' as const, path, timeoutMs: 2000 })
    await peers.expectOk('n2', get('/ok'))
    await peers.expectOk('n2', get('/ok'))
    await assert.rejects(() => peers.expectOk('n2', get('/bad')), /answered 500/)
    await assert.rejects(() => peers.request('n3', get('/ok')))
    const snapshot = stats.snapshot()
    assert.deepEqual(snapshot.peers, {
      n2: { calls: 3, failures: 1, timeouts: 0, unreachable: 0, received: 0 },
      n3: { calls: 1, failures: 1, timeouts: 0, unreachable: 1, received: 0 },
    })
    assert.equal(snapshot.peerCalls, 4)
    assert.deepEqual(senders, ['n1', 'n1', 'n1'], 'every call names its sender, for the receiver to count')
    assert.equal(snapshot.replicaErrors, 2)
  })
})
