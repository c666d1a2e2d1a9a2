/**
 * Docker control speaks the Docker Engine API over a unix socket. No Docker engine runs
 * on the machines this suite runs on, so a stand-in server on a unix socket records the
 * calls and answers the way the engine documents (204, 304, 404 with a message).
 */
import { createServer } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { dockerControl } from './docker-control.ts'

test.group('docker control', () => {
  test('kill, start, pause and resume are the engine API calls for the node container', async ({ assert, cleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-docker-'))
    const socket = join(dir, 'docker.sock')
    const calls: string[] = []
    const server = createServer((req, res) => {
      calls.push(`${req.method} ${req.url}`)
      if (req.url?.includes('missing')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"No such container: missing"}')
      } else if (req.url?.endsWith('/start') && calls.filter((c) => c.endsWith('/start')).length > 1) {
        res.writeHead(304).end()
      } else {
        res.writeHead(204).end()
      }
    })
    await new Promise<void>((resolve) => server.listen(socket, resolve))
    cleanup(async () => {
      await new Promise((resolve) => server.close(resolve))
      await rm(dir, { recursive: true, force: true })
    })
    const control = dockerControl({ type: 'docker', socket, containers: { n1: 'quorumlab-n1', n2: 'missing' } })
    await control.kill('n1')
    await control.start('n1')
    await control.start('n1')
    await control.pause('n1')
    await control.resume('n1')
    assert.deepEqual(calls, [
      'POST /containers/quorumlab-n1/kill?signal=SIGKILL',
      'POST /containers/quorumlab-n1/start',
      'POST /containers/quorumlab-n1/start',
      'POST /containers/quorumlab-n1/pause',
      'POST /containers/quorumlab-n1/unpause',
    ])
    await assert.rejects(() => control.kill('n2'), /404: \{"message":"No such container: missing"\}/)
    await assert.rejects(() => control.pause('n9'), /no container configured for n9/)
  })
})
