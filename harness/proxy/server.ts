/**
 * A whole embedded Toxiproxy server: the proxies and the HTTP API that drives them,
 * started on one address and stopped (listeners and connections included) by `close`.
 */
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { createToxiproxyApp } from './api.ts'
import { ProxyCollection } from './proxy-collection.ts'

export type EmbeddedToxiproxyOptions = {
  /** Interface the API listens on; default `127.0.0.1`. */
  host?: string
  /** Port of the API; default 0, any free port. */
  port?: number
}

export type EmbeddedToxiproxy = {
  /** Base URL of the API, e.g. `http://127.0.0.1:8474`: what TOXIPROXY_URL would hold. */
  url: string
  host: string
  port: number
  /** Stops the API and every proxy, closing their listeners and connections. */
  close(): Promise<void>
}

export async function startEmbeddedToxiproxy(options: EmbeddedToxiproxyOptions = {}): Promise<EmbeddedToxiproxy> {
  const host = options.host ?? '127.0.0.1'
  const proxies = new ProxyCollection()
  const app = createToxiproxyApp(proxies)
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 0 }, () => {
      s.off('error', reject)
      resolve(s)
    })
    s.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  let closing: Promise<void> | undefined
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    close() {
      closing ??= (async () => {
        await proxies.close()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          if ('closeAllConnections' in server) server.closeAllConnections()
        })
      })()
      return closing
    },
  }
}
