/**
 * The Toxiproxy servers the conformance suite runs against: always an embedded one it
 * starts itself, and the real Toxiproxy at TOXIPROXY_URL when that is set.
 */
import { startEmbeddedToxiproxy, type EmbeddedToxiproxy } from '../server.ts'

export type ServerUnderTest = {
  /** For test titles: `embedded` or `real toxiproxy at <url>`. */
  label: string
  real: boolean
  /** Base URL of the API; known once started. */
  readonly url: string
  start(): Promise<void>
  stop(): Promise<void>
}

function embedded(): ServerUnderTest {
  let server: EmbeddedToxiproxy | undefined
  return {
    label: 'embedded',
    real: false,
    get url() {
      if (!server) throw new Error('the embedded server is not started')
      return server.url
    },
    async start() {
      server = await startEmbeddedToxiproxy({ host: '127.0.0.1', port: 0 })
    },
    async stop() {
      await server?.close()
      server = undefined
    },
  }
}

function real(url: string): ServerUnderTest {
  return {
    label: `real toxiproxy at ${url}`,
    real: true,
    url,
    async start() {
      let response: Response
      try {
        response = await fetch(`${url}/version`)
      } catch (error) {
        throw new Error(`TOXIPROXY_URL is set but ${url} does not answer: ${(error as Error).message}`)
      }
      if (!response.ok) throw new Error(`TOXIPROXY_URL is set but ${url}/version answers ${response.status}`)
    },
    async stop() {},
  }
}

export function serversUnderTest(env: NodeJS.ProcessEnv = process.env): ServerUnderTest[] {
  const url = env.TOXIPROXY_URL?.trim().replace(/\/+$/, '')
  return url ? [embedded(), real(url)] : [embedded()]
}
