/**
 * A peer's `POST /internal/batch` (its replica reads, merges and hints), answered from
 * Node's request and response without the Hono app: every client read sends one to each
 * other home replica (batched per event-loop turn), and the app's adapter, routing and
 * middleware cost about what the ops do. It takes only a batch with the cluster token and
 * a Content-Length within the limit; the rest (no token: 401; chunked or oversized: the
 * app's body limit) goes to the app. Once it has read a body it answers as the app would,
 * a 400 included. A spec compares its answers with the app's.
 */
import { BATCH_PATH, INTERNAL_BODY_BYTES, SENDER_HEADER, TOKEN_HEADER } from '../api.ts'
import { answerBatch, type InternalRoutesOptions } from './internal-routes.ts'
import { bodyWithin, type FastPath, readJsonBody, sendError, sendJson } from './fast-path.ts'
import { peerCallCounter } from './request.ts'
import type { Stats } from '../stats.ts'

export type BatchFastPathOptions = Pick<InternalRoutesOptions, 'config' | 'replica' | 'handoff'> & { stats: Stats }

/** The fast path of `POST /internal/batch` for the node's parts (the ones the app's `/internal` routes get). */
export function batchFastPath(options: BatchFastPathOptions): FastPath {
  const { config } = options
  const count = peerCallCounter(config, options.stats)
  return (request, response) => {
    if (request.method !== 'POST' || request.url !== BATCH_PATH) return false
    const { headers } = request
    const token = headers[TOKEN_HEADER]
    if (token !== config.token || !bodyWithin(request, INTERNAL_BODY_BYTES)) return false
    const sender = headers[SENDER_HEADER]
    count(typeof sender === 'string' ? sender : sender?.join(', '), token)
    readJsonBody(request)
      .then((body) => answerBatch(options, body))
      .then(
        (answer) => sendJson(response, 200, answer),
        (error: unknown) => sendError(response, config.id, `POST ${BATCH_PATH}`, error),
      )
    return true
  }
}
