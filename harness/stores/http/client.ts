/**
 * The client of an http store: one kept-alive {@link HttpEndpoint} per node, every op one
 * request filled in from the description's template, every answer sorted by `outcome.ts`.
 * Contexts travel through the seam as JSON text and go back into request bodies as JSON.
 */
import { HttpEndpoint, HttpFailure } from '../../../common/helpers/http-endpoint.ts'
import { type Client, type ClientOptions, type NodeAddress, type Op, type OpResult, UNSUPPORTED_OP } from '../../adapter/index.ts'
import type { HttpStoreDescription, RequestTemplate } from './description.ts'
import { answerOutcome, failureOutcome } from './outcome.ts'
import { fillRequest } from './templates.ts'

export class HttpStoreClient implements Client {
  #description: HttpStoreDescription
  #endpoints: Map<string, HttpEndpoint>
  #timeoutMs: number

  constructor(description: HttpStoreDescription, nodes: readonly NodeAddress[], { timeoutMs }: ClientOptions) {
    this.#description = description
    this.#endpoints = new Map(nodes.map((n) => [n.id, new HttpEndpoint({ host: n.host, port: n.port })]))
    this.#timeoutMs = timeoutMs
  }

  async invoke(op: Op): Promise<OpResult> {
    const template = templateOf(this.#description, op)
    if (!template) return { type: 'fail', error: UNSUPPORTED_OP }
    const endpoint = this.#endpoints.get(op.node)
    if (!endpoint) return { type: 'fail', error: 'unknown_node' }
    let request: ReturnType<typeof fillRequest>
    try {
      request = fillRequest(template, {
        key: op.key,
        value: op.f === 'put' ? op.value : undefined,
        context: 'context' in op ? (op.context ?? null) : null,
      })
    } catch {
      // A context that is not JSON text cannot go into a body: refused before sending.
      return { type: 'fail', error: 'invalid_context' }
    }
    try {
      return answerOutcome(op.f, await endpoint.request({ ...request, timeoutMs: this.#timeoutMs }), this.#description)
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error
      return failureOutcome(op.f, error)
    }
  }

  async close(): Promise<void> {
    for (const endpoint of this.#endpoints.values()) endpoint.close()
  }
}

/** The request template of an op, or undefined when the description has none for it (compare-and-set; delete if left out). */
function templateOf({ requests }: HttpStoreDescription, op: Op): RequestTemplate | undefined {
  switch (op.f) {
    case 'get':
      return requests.get
    case 'put':
      return requests.put
    case 'delete':
      return requests.delete
    case 'cas':
      return undefined
  }
}
