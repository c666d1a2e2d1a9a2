/**
 * The client GET of a key this node holds, answered from Node's request and response
 * without the Hono app: the common read of the client API, and the one whose overhead is
 * most of its cost (the adapter's Request and Response, routing, three middleware layers,
 * the key read from the target three times). It takes only a GET it can answer as the app
 * would: anything else (a query, a bad key or context, a key to forward, a forwarded or
 * peer's call) goes to the app, so every refusal still comes from one place. A spec
 * compares its answers with the app's.
 */
import { CONTEXT_HEADER, FORWARDED_HEADER, SENDER_HEADER } from '../api.ts'
import { KV_PREFIX, keyProblem, readAnswer, sealOf } from './kv-routes.ts'
import { type FastPath, type KvFastPathOptions, sendError, sendJson } from './fast-path.ts'
import { contextOf, incomingTarget, keyOfTarget } from './request.ts'

/** The fast path of `GET /kv/:key` for the node's parts (the ones the app's `/kv` routes get). */
export function kvGetFastPath({ config, coordinator, consistency }: KvFastPathOptions): FastPath {
  const seal = sealOf(config, consistency)
  return (request, response) => {
    if (request.method !== 'GET') return false
    const target = incomingTarget(request)
    if (!target.startsWith(KV_PREFIX) || target.includes('?')) return false
    const { headers } = request
    if (headers[SENDER_HEADER] !== undefined || headers[FORWARDED_HEADER] !== undefined) return false
    const key = keyOfTarget(target, KV_PREFIX)
    if (keyProblem(key) !== undefined || !coordinator.isHome(key)) return false
    const sent = headers[CONTEXT_HEADER]
    let after: ReturnType<typeof contextOf>
    try {
      after = contextOf({ context: sent }, seal(key))
    } catch {
      return false
    }
    consistency.read(key, config.r, after).then(
      (result) => {
        const { status, body } = readAnswer(config, key, result, seal(key))
        sendJson(response, status, body)
      },
      (error: unknown) => sendError(response, config.id, `GET ${target}`, error),
    )
    return true
  }
}
