/**
 * The client API, mounted at `/kv`: GET, PUT and DELETE of one key. A request for a key
 * this node does not hold is forwarded to a home replica (see {@link routeRequest});
 * the rest is coordinated here.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import {
  CONTEXT_HEADER,
  FORWARDED_HEADER,
  TOKEN_HEADER,
  type DeleteRequest,
  type ReadResponse,
  type WriteRequest,
  type WriteResponse,
} from '../api.ts'
import type { NodeConfig } from '../config.ts'
import type { KvEngine } from '../consistency/index.ts'
import type { Coordinator, WriteOutcome } from '../coordinator.ts'
import { badRequest } from '../errors.ts'
import { contextWithout, mutant } from '../mutants.ts'
import { encodeContext, liveSiblings, type ContextSeal } from '../versioning.ts'
import { contextOf, header, KEY_ROUTE, limitBody, quorumParam, readJsonObject, readOptionalJson, tooLarge } from './request.ts'
import { routeRequest } from './routing.ts'

/** Longest key, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 512
/** Room for the context and JSON framing around a value of the largest size, bytes. */
const BODY_OVERHEAD_BYTES = 64 * 1024

export type KvRoutesOptions = {
  config: NodeConfig
  /** Forwards requests for keys this node does not hold. */
  coordinator: Coordinator
  /** Reads and writes the keys it holds, in the cluster's consistency mode. */
  consistency: KvEngine
}

/** The `/kv` sub-app. */
export function kvRoutes({ config, coordinator, consistency }: KvRoutesOptions): Hono {
  const seal = (key: string): ContextSeal => ({ secret: config.token, key: consistency.contextScope ?? key })
  const kv = new Hono()
  kv.use(limitBody(config.maxValueBytes + BODY_OVERHEAD_BYTES, config.maxValueBytes))
  kv.use(KEY_ROUTE, forwardUnlessLocal(config, coordinator))

  kv.get(KEY_ROUTE, async (c) => {
    const key = c.req.param('key')
    const r = quorumParam(c, 'r', config.r, config.n)
    const after = contextOf({ context: header(c, CONTEXT_HEADER) }, seal(key))
    const { object, replies } = await consistency.read(key, r, after)
    const live = liveSiblings(object)
    const body: ReadResponse = {
      key,
      values: live.map((s) => (mutant('phantom-read') && Math.random() < 0.02 ? `phantom-${Math.random()}` : s.value)),
      versions: live.map((s) => ({ dot: s.dot, clock: s.clock })),
      context: encodeContext(
        mutant('context-omits-sibling') && live.length > 1 ? contextWithout(object.context, live[live.length - 1].dot) : object.context,
        seal(key),
      ),
      coordinator: config.id,
      replies,
    }
    return c.json(body, live.length > 0 ? 200 : 404)
  })

  kv.put(KEY_ROUTE, async (c) => {
    const key = c.req.param('key')
    const w = quorumParam(c, 'w', config.w, config.n)
    const request = await readJsonObject<WriteRequest>(c)
    if (!('value' in request)) throw badRequest('body must have a "value" field')
    const size = Buffer.byteLength(JSON.stringify(request.value))
    if (size > config.maxValueBytes) throw tooLarge(config.maxValueBytes)
    const context = contextOf(request, seal(key))
    return respondToWrite(c, config, seal(key), key, await consistency.write(key, { context, value: request.value, deleted: false }, w))
  })

  kv.delete(KEY_ROUTE, async (c) => {
    const key = c.req.param('key')
    const w = quorumParam(c, 'w', config.w, config.n)
    const request = ((await readOptionalJson(c)) ?? {}) as DeleteRequest
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      throw badRequest('body must be a JSON object')
    }
    const context = contextOf(request, seal(key))
    return respondToWrite(c, config, seal(key), key, await consistency.write(key, { context, value: null, deleted: true }, w))
  })

  return kv
}

/** Checks the key, then lets the request through or answers with a home replica's answer. */
function forwardUnlessLocal(config: NodeConfig, coordinator: Coordinator): MiddlewareHandler {
  const node = { token: config.token, isHome: (key: string) => coordinator.isHome(key) }
  return async (c, next) => {
    const key = c.req.param('key') ?? ''
    const bytes = Buffer.byteLength(key)
    if (bytes < 1 || bytes > MAX_KEY_BYTES) {
      throw badRequest(`key must be 1 to ${MAX_KEY_BYTES} bytes of UTF-8, got ${bytes}`)
    }
    const headers = { [FORWARDED_HEADER]: header(c, FORWARDED_HEADER), [TOKEN_HEADER]: header(c, TOKEN_HEADER) }
    if (routeRequest(key, headers, node) === 'local') return next()
    const url = new URL(c.req.url)
    const body = c.req.method === 'GET' ? undefined : await readOptionalJson(c)
    const { status, body: answer } = await coordinator.forward(key, {
      method: c.req.method as 'GET' | 'PUT' | 'DELETE',
      path: `${url.pathname}${url.search}`,
      body,
    })
    return c.json(answer as object, status as 200)
  }
}

function respondToWrite(
  c: Context,
  config: NodeConfig,
  seal: ContextSeal,
  key: string,
  { sibling, context, acks }: WriteOutcome,
): Response {
  const body: WriteResponse = {
    key,
    context: encodeContext(context, seal),
    dot: sibling.dot,
    clock: sibling.clock,
    coordinator: config.id,
    acks,
  }
  return c.json(body)
}
