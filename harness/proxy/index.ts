/**
 * The embedded Toxiproxy-compatible fault proxy. The harness gets a proxy API to drive
 * with toxiproxy-node-client from {@link toxiproxyEndpoint}: a real Toxiproxy when
 * TOXIPROXY_URL is set, else an embedded one.
 */
import { startEmbeddedToxiproxy, type EmbeddedToxiproxy } from './server.ts'

export { TOXIPROXY_VERSION } from './api.ts'
export { startEmbeddedToxiproxy, type EmbeddedToxiproxy, type EmbeddedToxiproxyOptions } from './server.ts'
export type { Direction, Toxic, ToxicAttributes, ToxicType } from './toxic.ts'

export type ToxiproxyEndpoint = {
  /** Base URL of the Toxiproxy API. */
  url: string
  /** Which server it is, for logs and reports. */
  kind: 'real' | 'embedded'
  /** Stops the embedded server; does nothing to a real one. */
  close(): Promise<void>
}

/** The Toxiproxy at `TOXIPROXY_URL` if set, else an embedded one on an ephemeral loopback port. */
export async function toxiproxyEndpoint(env: NodeJS.ProcessEnv = process.env): Promise<ToxiproxyEndpoint> {
  const url = env.TOXIPROXY_URL?.trim()
  if (url) return { url: url.replace(/\/+$/, ''), kind: 'real', close: async () => {} }
  const embedded: EmbeddedToxiproxy = await startEmbeddedToxiproxy({ host: '127.0.0.1', port: 0 })
  return { url: embedded.url, kind: 'embedded', close: () => embedded.close() }
}
