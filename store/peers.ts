/**
 * Node-to-node client: JSON calls to peers with the cluster token and a deadline, over
 * the project's HTTP/1.1 client (kept-alive connections, or one per message), and replica
 * batches over a {@link PeerStream} per peer when streamed. Every failure becomes a
 * {@link PeerError}, never a hang.
 */
import { BATCH_PATH, INTERNAL_BODY_BYTES, SENDER_HEADER, TOKEN_HEADER } from './api.ts'
import type { PeerAddress, PeerConnections } from './config.ts'
import { HttpEndpoint, HttpFailure, type HttpResponse } from '../common/helpers/http-endpoint.ts'
import { PeerStream } from './peer-stream.ts'
import type { Stats } from './stats.ts'

export type PeerErrorKind = 'timeout' | 'unreachable' | 'protocol'

export class PeerError extends Error {
  constructor(
    readonly kind: PeerErrorKind,
    readonly peer: string,
    message: string,
    /** False only when the call certainly never reached the peer. */
    readonly maybeDelivered = true,
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
  /** The body already as JSON (sent as is; `body` is ignored). */
  json?: string
  /** Deadline for the whole call, ms. */
  timeoutMs: number
  headers?: Record<string, string>
}

export type PeerClientOptions = {
  /** This node's id, sent with every call so the peer can count what reached it from here. */
  self: string
  peers: PeerAddress[]
  token: string
  stats?: Stats
  /** Default `streamed`. */
  connections?: PeerConnections
}

export class PeerClient {
  #endpoints: Map<string, HttpEndpoint>
  /** Replica batches' connections, when streamed. */
  #streams: Map<string, PeerStream> | undefined
  #token: string
  #self: string
  #stats: Stats | undefined

  constructor({ self, peers, token, stats, connections = 'streamed' }: PeerClientOptions) {
    this.#self = self
    this.#endpoints = new Map(
      peers.map((p) => [p.id, new HttpEndpoint({ host: p.host, port: p.port, keepAlive: connections !== 'per-message' })]),
    )
    this.#token = token
    this.#stats = stats
    if (connections === 'streamed') {
      const headers = { [TOKEN_HEADER]: token, [SENDER_HEADER]: self }
      this.#streams = new Map(
        peers.map((p) => [p.id, new PeerStream({ host: p.host, port: p.port, headers, maxLineBytes: INTERNAL_BODY_BYTES })]),
      )
    }
  }

  get ids(): string[] {
    return [...this.#endpoints.keys()]
  }

  /** A call to `peer`'s HTTP API; a failure to get an answer is a {@link PeerError}. */
  request<T>(peer: string, call: PeerRequest): Promise<PeerResponse<T>> {
    return this.#counted<T>(peer, call.timeoutMs, () => {
      const endpoint = this.#endpoints.get(peer)
      if (!endpoint) throw new PeerError('unreachable', peer, 'unknown peer', false)
      return endpoint.request({
        method: call.method,
        path: call.path,
        body: call.json ?? (call.body === undefined ? undefined : JSON.stringify(call.body)),
        headers: { [TOKEN_HEADER]: this.#token, [SENDER_HEADER]: this.#self, ...call.headers },
        timeoutMs: call.timeoutMs,
      })
    })
  }

  /** A call that must succeed with a 200: anything else is a {@link PeerError}. */
  async expectOk<T>(peer: string, call: PeerRequest): Promise<T> {
    return this.#ok(peer, await this.request<T>(peer, call), `${call.method} ${call.path}`)
  }

  /** A replica batch (a `BatchRequest`, as JSON): on the peer's stream when streamed, else `POST /internal/batch`; any answer but a 200 is a {@link PeerError}. */
  async batch<T>(peer: string, json: string, timeoutMs: number): Promise<T> {
    const stream = this.#streams?.get(peer)
    if (!stream) return this.expectOk<T>(peer, { method: 'POST', path: BATCH_PATH, json, timeoutMs })
    return this.#ok(peer, await this.#counted<T>(peer, timeoutMs, () => stream.send(json, timeoutMs)), 'a batch')
  }

  /** Runs one exchange with `peer`, counted in the stats, its failures as {@link PeerError}s and its body parsed. */
  async #counted<T>(peer: string, timeoutMs: number, exchange: () => Promise<HttpResponse>): Promise<PeerResponse<T>> {
    this.#stats?.add('peerCalls')
    this.#stats?.peerCall(peer)
    try {
      return await this.#answer<T>(peer, timeoutMs, exchange)
    } catch (error) {
      const kind = error instanceof PeerError ? error.kind : 'protocol'
      this.#stats?.add(kind === 'timeout' ? 'replicaTimeouts' : 'replicaErrors')
      this.#stats?.peerCall(peer, kind === 'timeout' ? 'timeout' : kind === 'unreachable' ? 'unreachable' : 'error')
      throw error
    }
  }

  async #answer<T>(peer: string, timeoutMs: number, exchange: () => Promise<HttpResponse>): Promise<PeerResponse<T>> {
    let response: HttpResponse
    try {
      response = await exchange()
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error
      const kind = error.kind === 'timeout' ? 'timeout' : error.kind === 'protocol' ? 'protocol' : 'unreachable'
      throw new PeerError(kind, peer, error.kind === 'timeout' ? `no answer within ${timeoutMs} ms` : error.message, error.maybeDelivered)
    }
    try {
      return { status: response.status, body: JSON.parse(response.body) as T }
    } catch {
      throw new PeerError('protocol', peer, `answered ${response.status} with a body that is not JSON`)
    }
  }

  #ok<T>(peer: string, { status, body }: PeerResponse<T>, what: string): T {
    if (status === 200) return body
    this.#stats?.add('replicaErrors')
    this.#stats?.peerCall(peer, 'error')
    throw new PeerError('protocol', peer, `answered ${status} to ${what}`)
  }

  close(): void {
    for (const endpoint of this.#endpoints.values()) endpoint.close()
    for (const stream of this.#streams?.values() ?? []) stream.close()
  }
}
