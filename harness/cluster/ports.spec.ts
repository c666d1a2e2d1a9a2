import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { test } from '@japa/runner'
import { freePorts } from './ports.ts'

const bindable = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })

test.group('free ports', () => {
  test('are distinct, free, below the ephemeral range, and never handed out twice', async ({ assert }) => {
    const [ephemeralStart] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/).map(Number)
    const first = await freePorts(20)
    const second = await freePorts(20)
    const all = [...first, ...second]
    assert.lengthOf(new Set(all), 40)
    for (const port of all) {
      assert.isAtLeast(port, 10_000)
      assert.isBelow(port, ephemeralStart)
    }
    for (const port of first) assert.isTrue(await bindable(port), `port ${port}`)
  })

  test('a port another process holds is not handed out', async ({ assert }) => {
    // Hold 500 ports of the range ourselves (not through freePorts), then ask for 500: with
    // no bind check, about 11 of them would be held ones.
    const held: import('node:net').Server[] = []
    try {
      for (let port = 20_000; held.length < 500; port += 7) {
        const server = createServer()
        if (
          await new Promise<boolean>((resolve) => server.once('error', () => resolve(false)).listen(port, '127.0.0.1', () => resolve(true)))
        )
          held.push(server)
      }
      const heldPorts = new Set(held.map((s) => (s.address() as import('node:net').AddressInfo).port))
      const fresh = await freePorts(500)
      assert.deepEqual(
        fresh.filter((port) => heldPorts.has(port)),
        [],
      )
    } finally {
      await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))))
    }
  })
})
