/**
 * Node-to-node HTTP client: JSON calls to peers with the cluster token and a deadline,
 * over kept-alive connections. Every failure becomes a {@link PeerError}, never a hang.
 */
import { Agent, request } from 'node:http'
import { TOKEN_HEADER } from './api.ts'
import type { PeerAddress, PeerConnections } from './config.ts'
import type { Stats } from './stats.ts'

export type PeerErrorKind = 'timeout' | 'unreachable' | 'protocol'

export class PeerError extends Error {
  constructor(
    readonly kind: PeerErrorKind,
    readonly peer: string,
    message: string,
  ) {
    super(`${peer}: ${message}`)
  }
}

export type PeerResponse<T> = { status: number; body: T }

export type PeerRequest = {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE'
  /** Path and query, already encoded. */
  path: string
  body?: unknown
  /** Deadline for the whole call, ms. */
  timeoutMs: number
  headers?: Record<string, string>
}

export type PeerClientOptions = {
  peers: PeerAddress[]
  token: string
  stats?: Stats
  /** Default `pooled`. */
  connections?: PeerConnections
}

export class PeerClient {
  #peers: Map<string, PeerAddress>
  #token: string
  #stats: Stats | undefined
  #agent: Agent

  constructor({ peers, token, stats, connections = 'pooled' }: PeerClientOptions) {
    this.#peers = new Map(peers.map((p) => [p.id, p]))
    this.#token = token
    this.#stats = stats
    this.#agent = new Agent({ keepAlive: connections === 'pooled', maxSockets: 64 })
  }

  get ids(): string[] {
    return [...this.#peers.keys()]
  }

  async request<T>(peer: string, call: PeerRequest): Promise<PeerResponse<T>> {
    this.#stats?.add('peerCalls')
    try {
      return await this.#send<T>(peer, call)
    } catch (error) {
      this.#stats?.add(error instanceof PeerError && error.kind === 'timeout' ? 'replicaTimeouts' : 'replicaErrors')
      throw error
    }
  }

  /** A call that must succeed with a 200: anything else is a {@link PeerError}. */
  async expectOk<T>(peer: string, call: PeerRequest): Promise<T> {
    const { status, body } = await this.request<T>(peer, call)
    if (status !== 200) {
      this.#stats?.add('replicaErrors')
      throw new PeerError('protocol', peer, `answered ${status} to ${call.method} ${call.path}`)
    }
    return body
  }

  #send<T>(peer: string, call: PeerRequest): Promise<PeerResponse<T>> {
    const address = this.#peers.get(peer)
    if (!address) return Promise.reject(new PeerError('unreachable', peer, 'unknown peer'))
    const payload = call.body === undefined ? undefined : JSON.stringify(call.body)
    return new Promise((resolve, reject) => {
      let settled = false
      const fail = (error: PeerError): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        req.destroy()
        reject(error)
      }
      const req = request(
        {
          host: address.host,
          port: address.port,
          method: call.method,
          path: call.path,
          agent: this.#agent,
          headers: {
            [TOKEN_HEADER]: this.#token,
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
            ...call.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('error', (e) => fail(new PeerError('unreachable', peer, e.message)))
          res.on('end', () => {
            if (settled) return
            let body: T
            try {
              body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as T
            } catch {
              fail(new PeerError('protocol', peer, `answered ${res.statusCode} with a body that is not JSON`))
              return
            }
            settled = true
            clearTimeout(timer)
            resolve({ status: res.statusCode ?? 0, body })
          })
        },
      )
      const timer = setTimeout(
        () => fail(new PeerError('timeout', peer, `no answer within ${call.timeoutMs} ms`)),
        call.timeoutMs,
      )
      req.on('error', (e) => fail(new PeerError('unreachable', peer, e.message)))
      req.end(payload)
    })
  }

  close(): void {
    this.#agent.destroy()
  }
}
