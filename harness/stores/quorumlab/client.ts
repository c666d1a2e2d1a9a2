/**
 * The reference store's client: one kept-alive {@link HttpEndpoint} per node, every op
 * one request to the store's HTTP API (`/kv/:key`), every answer sorted by
 * `outcome.ts`.
 */
import { HttpEndpoint, HttpFailure } from '../../../common/helpers/http-endpoint.ts'
import { CONTEXT_HEADER, type DeleteRequest, type WriteRequest } from '../../../store/api.ts'
import {
  type Client,
  type ClientOptions,
  type DeleteOp,
  type GetOp,
  type NodeAddress,
  type Op,
  type OpResult,
  type PutOp,
  UNSUPPORTED_OP,
} from '../../adapter/index.ts'
import { outcomeOfAnswer, outcomeOfFailure } from './outcome.ts'

export class QuorumlabClient implements Client {
  #endpoints: Map<string, HttpEndpoint>
  #timeoutMs: number

  constructor(nodes: readonly NodeAddress[], { timeoutMs }: ClientOptions) {
    this.#endpoints = new Map(nodes.map((n) => [n.id, new HttpEndpoint({ host: n.host, port: n.port })]))
    this.#timeoutMs = timeoutMs
  }

  async invoke(op: Op): Promise<OpResult> {
    // The reference store has no compare-and-set: refused before sending.
    if (op.f === 'cas') return { type: 'fail', error: UNSUPPORTED_OP }
    const endpoint = this.#endpoints.get(op.node)
    if (!endpoint) return { type: 'fail', error: 'unknown_node' }
    const path = `/kv/${encodeURIComponent(op.key)}`
    try {
      return outcomeOfAnswer(op.f, await endpoint.request({ ...requestOf(op), path, timeoutMs: this.#timeoutMs }))
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error
      return outcomeOfFailure(op.f, error)
    }
  }

  async close(): Promise<void> {
    for (const endpoint of this.#endpoints.values()) endpoint.close()
  }
}

function requestOf(op: GetOp | PutOp | DeleteOp): { method: string; body?: string; headers?: Record<string, string> } {
  switch (op.f) {
    case 'get':
      return op.context ? { method: 'GET', headers: { [CONTEXT_HEADER]: op.context } } : { method: 'GET' }
    case 'put':
      return {
        method: 'PUT',
        body: JSON.stringify((op.context ? { value: op.value, context: op.context } : { value: op.value }) satisfies WriteRequest),
      }
    case 'delete':
      return { method: 'DELETE', body: JSON.stringify((op.context ? { context: op.context } : {}) satisfies DeleteRequest) }
  }
}
