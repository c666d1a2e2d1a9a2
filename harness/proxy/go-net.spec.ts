/**
 * Addresses and listening as Go's net package does them, so the embedded Toxiproxy answers
 * bad listen and upstream addresses with Toxiproxy's own error text: host:port splitting,
 * port names, printed addresses, and errors of a port in use.
 */
import { createServer, type AddressInfo } from 'node:net'
import { test } from '@japa/runner'
import { formatTcpAddr, GoNetError, listenTcp, lookupPort, resolveTcpAddr, splitHostPort } from './go-net.ts'

function failure(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    if (error instanceof GoNetError) return error.message
    throw error
  }
  return 'no error'
}

test.group('go-net: addresses as Go reads them', () => {
  test('splitHostPort error for {0}')
    .with([
      ['nonsense', 'address nonsense: missing port in address'],
      ['::1:80', 'address ::1:80: too many colons in address'],
      ['[::1', "address [::1: missing ']' in address"],
      ['[::1]', 'address [::1]: missing port in address'],
      ['[::1]x:80', 'address [::1]x:80: missing port in address'],
      ['a]:80', "address a]:80: unexpected ']' in address"],
    ])
    .run(({ assert }, [address, message]) => {
      assert.equal(
        failure(() => splitHostPort(address)),
        message,
      )
    })

  test('splitHostPort keeps IPv6 hosts and empty parts', ({ assert }) => {
    assert.deepEqual(splitHostPort('[::1]:80'), { host: '::1', port: '80' })
    assert.deepEqual(splitHostPort(':0'), { host: '', port: '0' })
    assert.deepEqual(splitHostPort('127.0.0.1:'), { host: '127.0.0.1', port: '' })
  })

  test('ports are numbers, empty (0) or service names', ({ assert }) => {
    assert.equal(lookupPort('8474'), 8474)
    assert.equal(lookupPort(''), 0)
    assert.equal(lookupPort('http'), 80)
    assert.equal(
      failure(() => lookupPort('99999')),
      'address 99999: invalid port',
    )
    assert.equal(
      failure(() => lookupPort('-1')),
      'address -1: invalid port',
    )
    assert.equal(
      failure(() => lookupPort('nosuchservice')),
      'lookup tcp/nosuchservice: unknown port',
    )
  })

  test('resolved addresses print as Go prints them', async ({ assert }) => {
    assert.equal(formatTcpAddr(await resolveTcpAddr('localhost:0')), '127.0.0.1:0')
    assert.equal(formatTcpAddr(await resolveTcpAddr('')), ':0')
    assert.equal(formatTcpAddr(await resolveTcpAddr('[0:0::1]:5')), '[::1]:5')
    assert.equal(formatTcpAddr(await resolveTcpAddr('0.0.0.0:http')), '0.0.0.0:80')
  })
})

test.group('go-net: listening as Go listens', (group) => {
  const servers: import('node:net').Server[] = []
  group.each.teardown(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
  })
  const server = () => {
    const s = createServer()
    servers.push(s)
    return s
  }

  test('port 0 reports the real port; an unspecified host listens on every interface', async ({ assert }) => {
    assert.match(await listenTcp(server(), '127.0.0.1:0'), /^127\.0\.0\.1:[1-9]\d*$/)
    assert.match(await listenTcp(server(), ':0'), /^(\[::\]|0\.0\.0\.0):[1-9]\d*$/)
  })

  test('a port in use and a bad address get Go error text', async ({ assert }) => {
    const held = server()
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', () => resolve()))
    const { port } = held.address() as AddressInfo
    await assert.rejects(() => listenTcp(server(), `localhost:${port}`), `listen tcp 127.0.0.1:${port}: bind: address already in use`)
    await assert.rejects(() => listenTcp(server(), 'nonsense'), 'listen tcp: address nonsense: missing port in address')
  })
})
