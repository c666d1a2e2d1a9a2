/**
 * The store's client API for the harness: one {@link HttpEndpoint} per node, and every
 * answer sorted into what a history needs: `ok` (it happened), `fail` (it certainly did
 * not) or `info` (it may have: a write that timed out, was reset, or got 503/504 after
 * the coordinator may already have stored it). Reads never change state, so a read that
 * went wrong is a `fail`.
 */
import type { ErrorResponse, ReadResponse, WriteResponse } from '../../store/api.ts'
import { HttpEndpoint, HttpFailure } from '../../common/helpers/http-endpoint.ts'

export type StoreOutcome<T> = { type: 'ok'; status: number; body: T } | { type: 'fail'; error: string } | { type: 'info'; error: string }

export type StoreNode = { id: string; host: string; port: number }

export type StoreClientOptions = {
  nodes: StoreNode[]
  /** Deadline for one request, ms. */
  timeoutMs: number
}

export class StoreClient {
  #endpoints: Map<string, HttpEndpoint>
  #timeoutMs: number

  constructor({ nodes, timeoutMs }: StoreClientOptions) {
    this.#endpoints = new Map(nodes.map((n) => [n.id, new HttpEndpoint({ host: n.host, port: n.port })]))
    this.#timeoutMs = timeoutMs
  }

  get(node: string, key: string, r?: number): Promise<StoreOutcome<ReadResponse>> {
    return this.#call<ReadResponse>(node, 'GET', kvPath(key, 'r', r), undefined, false)
  }

  put(node: string, key: string, value: unknown, context?: string | null, w?: number): Promise<StoreOutcome<WriteResponse>> {
    return this.#call<WriteResponse>(node, 'PUT', kvPath(key, 'w', w), JSON.stringify(context ? { value, context } : { value }), true)
  }

  close(): void {
    for (const endpoint of this.#endpoints.values()) endpoint.close()
  }

  async #call<T>(node: string, method: string, path: string, body: string | undefined, changes: boolean): Promise<StoreOutcome<T>> {
    const endpoint = this.#endpoints.get(node)
    if (!endpoint) return { type: 'fail', error: `unknown_node` }
    let status: number
    let text: string
    try {
      ;({ status, body: text } = await endpoint.request({ method, path, body, timeoutMs: this.#timeoutMs }))
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error
      const name = error.kind === 'refused' ? 'connection_refused' : error.kind === 'reset' ? 'connection_reset' : error.kind
      return { type: changes && error.maybeDelivered ? 'info' : 'fail', error: name }
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return { type: changes ? 'info' : 'fail', error: 'bad_response' }
    }
    if (status === 200 || (status === 404 && method === 'GET' && isRead(parsed))) return { type: 'ok', status, body: parsed as T }
    const code = (parsed as ErrorResponse)?.error?.code ?? `http_${status}`
    // 503 and 504 come after the coordinator may have stored the write: unknown outcome.
    const uncertain = changes && status >= 500
    return { type: uncertain ? 'info' : 'fail', error: code }
  }
}

const isRead = (body: unknown): body is ReadResponse =>
  typeof body === 'object' && body !== null && Array.isArray((body as ReadResponse).values)

function kvPath(key: string, quorum: 'r' | 'w', value: number | undefined): string {
  const path = `/kv/${encodeURIComponent(key)}`
  return value === undefined ? path : `${path}?${quorum}=${value}`
}
