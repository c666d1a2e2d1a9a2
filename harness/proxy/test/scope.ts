/**
 * What one conformance test opens against a server under test — proxies (by unique name),
 * echo servers, clients — and closes afterwards even when the test fails. Proxies are
 * removed from the server, which may be a real Toxiproxy shared by the whole test run.
 */
import type { Group } from '@japa/runner/core'
import { Toxiproxy, type Proxy as ClientProxy } from 'toxiproxy-node-client'
import { startEchoServer, type EchoServer } from './echo-server.ts'
import type { ServerUnderTest } from './servers.ts'
import { TestClient } from './tcp-client.ts'

/** A raw HTTP exchange with the API. */
export type RawResponse = { status: number; contentType: string | null; text: string }

let names = 0

export class TestScope {
  readonly server: ServerUnderTest
  readonly client: Toxiproxy
  #proxyNames: string[] = []
  #closers: (() => Promise<void> | void)[] = []

  constructor(server: ServerUnderTest) {
    this.server = server
    this.client = new Toxiproxy(server.url)
  }

  /** A proxy name no other test (or test run) uses; the proxy is removed after the test. */
  name(suffix: string): string {
    names += 1
    const name = `ql-${process.pid}-${names}-${suffix}`
    this.#proxyNames.push(name)
    return name
  }

  /** A proxy on an ephemeral loopback port, through toxiproxy-node-client. */
  proxy(suffix: string, upstream: string): Promise<ClientProxy> {
    return this.client.createProxy({ name: this.name(suffix), listen: '127.0.0.1:0', upstream })
  }

  async echo(): Promise<EchoServer> {
    const echo = await startEchoServer()
    this.#closers.push(() => echo.close())
    return echo
  }

  async connect(address: string): Promise<TestClient> {
    const client = await TestClient.connect(address)
    this.#closers.push(() => client.destroy())
    return client
  }

  /** Something else to close after the test. */
  defer(close: () => Promise<void> | void): void {
    this.#closers.push(close)
  }

  async raw(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    const response = await fetch(`${this.server.url}${path}`, { method, body, headers })
    return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() }
  }

  async release(): Promise<void> {
    for (const close of this.#closers.splice(0).reverse()) await close()
    for (const name of this.#proxyNames.splice(0)) {
      await fetch(`${this.server.url}/proxies/${encodeURIComponent(name)}`, { method: 'DELETE' })
    }
  }
}

/**
 * Starts the server for the group and gives each test a fresh scope, released after it.
 * Returns the current test's scope.
 */
export function useServer(group: Group, server: ServerUnderTest): () => TestScope {
  let scope: TestScope | undefined
  group.setup(async () => {
    await server.start()
    return () => server.stop()
  })
  group.each.setup(() => {
    scope = new TestScope(server)
    const current = scope
    return () => current.release()
  })
  return () => {
    if (!scope) throw new Error('no test is running')
    return scope
  }
}
