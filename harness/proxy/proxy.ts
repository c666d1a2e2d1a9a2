/**
 * One proxy (Toxiproxy's Proxy): its listener, the connections it accepted and its toxics.
 * Each accepted client gets a connection to the upstream; only then does data flow.
 * Disabling the proxy closes the listener and every open connection.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { Connection } from './connection.ts'
import { dialTcp, formatTcpAddr, listenTcp, resolveTcpAddr } from './go-net.ts'
import type { ProxyFields } from './requests.ts'
import { ToxicCollection } from './toxic-collection.ts'

/** Go's ErrProxyAlreadyStarted: starting a proxy that runs is not an error for /reset. */
export class ProxyAlreadyStarted extends Error {
  constructor() {
    super('Proxy already started')
  }
}

export class TcpProxy {
  readonly name: string
  /** As given until the proxy listens, then the address it listens on (`127.0.0.1:41234`). */
  listen: string
  upstream: string
  enabled = false
  readonly toxics = new ToxicCollection()
  #server?: Server
  #connections = new Set<Connection>()
  /** Clients waiting for their upstream connection. */
  #dialing = new Set<Socket>()

  constructor({ name, listen, upstream }: Omit<ProxyFields, 'enabled'>) {
    this.name = name
    this.listen = listen
    this.upstream = upstream
  }

  async start(): Promise<void> {
    if (this.enabled) throw new ProxyAlreadyStarted()
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, this.#accept)
    this.listen = await listenTcp(server, this.listen)
    // A failed accept (out of file descriptors, say) must not bring the whole server down.
    server.on('error', (error) => console.error(`proxy ${this.name}: ${error.message}`))
    this.#server = server
    this.enabled = true
  }

  /** Closes the listener and every connection, at once. */
  stop(): void {
    if (!this.enabled) return
    this.enabled = false
    this.#server?.close()
    this.#server = undefined
    for (const client of this.#dialing) client.destroy()
    for (const connection of this.#connections) connection.destroy()
  }

  /**
   * Toxiproxy's update: a new listen address or upstream restarts the proxy (dropping its
   * connections); then `enabled` starts or stops it. A failed start leaves it disabled.
   */
  async update(fields: ProxyFields): Promise<void> {
    if (await this.differs(fields)) {
      this.stop()
      this.listen = fields.listen
      this.upstream = fields.upstream
    }
    if (fields.enabled === this.enabled) return
    if (fields.enabled) await this.start()
    else this.stop()
  }

  /** Whether `fields` name another listen address (once resolved) or upstream. */
  async differs(fields: Pick<ProxyFields, 'listen' | 'upstream'>): Promise<boolean> {
    const listen = formatTcpAddr(await resolveTcpAddr(fields.listen))
    return this.listen !== listen || this.upstream !== fields.upstream
  }

  readonly #accept = (client: Socket): void => {
    client.on('error', () => {})
    let upstream: Socket
    try {
      upstream = dialTcp(this.upstream)
    } catch {
      client.destroy()
      return
    }
    this.#dialing.add(client)
    const dialFailed = (): void => {
      this.#dialing.delete(client)
      client.destroy()
    }
    const clientGone = (): void => {
      this.#dialing.delete(client)
      upstream.destroy()
    }
    upstream.once('error', dialFailed)
    client.once('close', clientGone)
    upstream.once('connect', () => {
      upstream.off('error', dialFailed)
      client.off('close', clientGone)
      this.#dialing.delete(client)
      if (client.destroyed) {
        upstream.destroy()
        return
      }
      const connection = new Connection({
        client,
        upstream,
        toxics: this.toxics,
        onClosed: (closed) => this.#connections.delete(closed),
      })
      this.#connections.add(connection)
    })
  }
}
