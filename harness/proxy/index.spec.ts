/**
 * Which Toxiproxy the harness uses: a real one named by TOXIPROXY_URL (left running on
 * close), or else an embedded one on an ephemeral loopback port (stopped on close).
 */
import { test } from '@japa/runner'
import { Toxiproxy } from 'toxiproxy-node-client'
import { toxiproxyEndpoint } from './index.ts'

test.group('toxiproxyEndpoint: which Toxiproxy the harness talks to', () => {
  test('TOXIPROXY_URL names a real server, which close() leaves alone', async ({ assert }) => {
    const endpoint = await toxiproxyEndpoint({ TOXIPROXY_URL: ' http://127.0.0.1:8474/ ' })
    assert.deepEqual({ url: endpoint.url, kind: endpoint.kind }, { url: 'http://127.0.0.1:8474', kind: 'real' })
    await endpoint.close()
  })

  test('without it an embedded server starts on an ephemeral loopback port and stops on close()', async ({ assert }) => {
    const endpoint = await toxiproxyEndpoint({})
    try {
      assert.equal(endpoint.kind, 'embedded')
      assert.match(endpoint.url, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/)
      assert.match(await new Toxiproxy(endpoint.url).getVersion(), /"version"/)
    } finally {
      await endpoint.close()
    }
    await assert.rejects(() => fetch(`${endpoint.url}/version`))
  })
})
