/**
 * The client PUT of a key this node holds, answered from Node's request and response
 * without the Hono app, as the GET beside it is: the adapter's Request and Response,
 * routing and the middleware layers cost a PUT about a tenth of its CPU. It takes only a
 * PUT it can answer as the app would: anything else (a query, a bad key, a body without a
 * Content-Length or over the limit, a key to forward, a forwarded or peer's call) goes to
 * the app. Once it has read a body it answers as the app would, a 400 included. A spec
 * compares its answers with the app's.
 */
import { FORWARDED_HEADER, SENDER_HEADER } from '../api.ts'
import { KV_PREFIX, keyProblem, kvBodyLimit, putOf, sealOf, writeAnswer } from './kv-routes.ts'
import { bodyWithin, type FastPath, type KvFastPathOptions, readJsonBody, sendError, sendJson } from './fast-path.ts'
import { incomingTarget, keyOfTarget } from './request.ts'

/** The fast path of `PUT /kv/:key` for the node's parts (the ones the app's `/kv` routes get). */
export function kvPutFastPath({ config, coordinator, consistency }: KvFastPathOptions): FastPath {
  const seal = sealOf(config, consistency)
  const maxBytes = kvBodyLimit(config)
  return (request, response) => {
    if (request.method !== 'PUT') return false
    const target = incomingTarget(request)
    if (!target.startsWith(KV_PREFIX) || target.includes('?') || target.includes('#')) return false
    const { headers } = request
    if (headers[SENDER_HEADER] !== undefined || headers[FORWARDED_HEADER] !== undefined) return false
    if (!bodyWithin(request, maxBytes)) return false
    const key = keyOfTarget(target, KV_PREFIX)
    if (keyProblem(key) !== undefined || !coordinator.isHome(key)) return false
    const sealed = seal(key)
    readJsonBody(request)
      .then((body) => consistency.write(key, putOf(body, config, sealed), config.w))
      .then(
        (outcome) => sendJson(response, 200, writeAnswer(config, sealed, key, outcome)),
        (error: unknown) => sendError(response, config.id, `PUT ${target}`, error),
      )
    return true
  }
}
