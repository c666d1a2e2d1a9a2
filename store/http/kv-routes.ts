/**
 * The client API, mounted at `/kv`: GET, PUT and DELETE of one key. A request is checked
 * in full first (key, `r`/`w`, body, context); then one for a key this node does not
 * hold is forwarded to a home replica (see {@link routeRequest}), and the rest is
 * coordinated here, in the cluster's consistency mode. A write no home replica could take is coordinated here too, with a
 * sloppy quorum, unless the cluster is strict.
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
import type { Coordinator, ReadResult, WriteOutcome } from '../coordinator.ts'
import { badRequest, HomesUnreachable } from '../errors.ts'
import type { LocalWrite } from '../replica.ts'
import { contextWithout, mutant } from '../mutants.ts'
import { encodeContext, encodeStateContext, liveSiblings, type ContextSeal } from '../versioning.ts'
import {
  contextOf,
  header,
  KEY_ROUTE,
  keyOf,
  limitBody,
  quorumParam,
  asJsonObject,
  readOptionalJson,
  sentTarget,
  tooLarge,
} from './request.ts'
import { routeRequest } from './routing.ts'

/** Longest key, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 512
/** What the client API's paths start with; the key is the rest. */
export const KV_PREFIX = '/kv/'
/** Room for the context and JSON framing around a value of the largest size, bytes. */
const BODY_OVERHEAD_BYTES = 64 * 1024

/** The largest body a `/kv` request may have, bytes: the value limit and room for its framing. */
export const kvBodyLimit = (config: NodeConfig): number => config.maxValueBytes + BODY_OVERHEAD_BYTES

export type KvRoutesOptions = {
  config: NodeConfig
  /** Forwards requests for keys this node does not hold. */
  coordinator: Coordinator
  /** Reads and writes the keys it holds, in the cluster's consistency mode. */
  consistency: KvEngine
}

/** A client write, checked: the quorum to wait for and what to store. */
type CheckedWrite = { w: number; write: LocalWrite }

/** What a key's contexts are sealed with. The causal mode's contexts are a session's dependencies on every key: one scope for all. */
export const sealOf =
  (config: NodeConfig, consistency: KvEngine) =>
  (key: string): ContextSeal => ({ secret: config.token, key: consistency.contextScope ?? key })

/** The `/kv` sub-app. */
export function kvRoutes({ config, coordinator, consistency }: KvRoutesOptions): Hono {
  const seal = sealOf(config, consistency)
  const kv = new Hono()
  kv.use(limitBody(kvBodyLimit(config), config.maxValueBytes))
  kv.use(KEY_ROUTE, forwardUnlessLocal(config, coordinator, seal))

  kv.get(KEY_ROUTE, async (c) => {
    const key = keyOf(c, KV_PREFIX)
    const r = quorumParam(c, 'r', config.r, config.n)
    const after = contextOf({ context: header(c, CONTEXT_HEADER) }, seal(key))
    const { status, body } = readAnswer(config, key, await consistency.read(key, r, after), seal(key))
    return c.json(body, status)
  })

  const write = async (c: Context): Promise<Response> => {
    const key = keyOf(c, KV_PREFIX)
    const { w, write } = await checkWrite(c, config, seal(key))
    return c.json(writeAnswer(config, seal(key), key, await consistency.write(key, write, w)))
  }
  kv.put(KEY_ROUTE, write)
  kv.delete(KEY_ROUTE, write)
  return kv
}

/** What is wrong with a client's key, if anything. */
export function keyProblem(key: string): string | undefined {
  const bytes = Buffer.byteLength(key)
  if (bytes < 1 || bytes > MAX_KEY_BYTES) return `key must be 1 to ${MAX_KEY_BYTES} bytes of UTF-8, got ${bytes}`
  if (key.includes('\u0000')) return 'key must not contain NUL (U+0000)'
  return undefined
}

/** The answer to a GET of `key`: its live values and versions, and the context of what was read, sealed. */
export function readAnswer(
  config: NodeConfig,
  key: string,
  { object, replies }: ReadResult,
  seal: ContextSeal,
): { status: 200 | 404; body: ReadResponse } {
  const live = liveSiblings(object)
  const body: ReadResponse = {
    key,
    values: live.map((s) => (mutant('phantom-read') && Math.random() < 0.02 ? `phantom-${Math.random()}` : s.value)),
    versions: live.map((s) => ({ dot: s.dot, clock: s.clock })),
    context: encodeStateContext(
      mutant('context-omits-sibling') && live.length > 1 ? contextWithout(object.context, live[live.length - 1].dot) : object.context,
      seal,
    ),
    coordinator: config.id,
    replies,
  }
  return { status: live.length > 0 ? 200 : 404, body }
}

/** A PUT or DELETE checked in full: a bad one is a 4xx here, before it is forwarded or stored. */
async function checkWrite(c: Context, config: NodeConfig, seal: ContextSeal): Promise<CheckedWrite> {
  const w = quorumParam(c, 'w', config.w, config.n)
  if (c.req.method === 'PUT') return { w, write: putOf(await readOptionalJson(c), config, seal) }
  const request = ((await readOptionalJson(c)) ?? {}) as DeleteRequest
  if (typeof request !== 'object' || request === null || Array.isArray(request)) throw badRequest('body must be a JSON object')
  const siblingsKept = config.versioning !== 'lww' && (config.consistency === 'eventual' || config.consistency === 'causal')
  if ((request.context === undefined || request.context === null) && siblingsKept) {
    // A tombstone is one more sibling: without a context it supersedes nothing. (The single-valued modes order deletes like writes.)
    throw badRequest(
      `DELETE needs the context of a read of the key: in ${config.versioning} a delete removes only the values its context covers`,
    )
  }
  return { w, write: { context: contextOf(request, seal), value: null, deleted: true } }
}

/** The write a PUT's body (parsed) asks for, checked: an object with a value within the limit, and a valid context if any. */
export function putOf(body: unknown, config: NodeConfig, seal: ContextSeal): LocalWrite {
  const request = asJsonObject<WriteRequest>(body)
  if (!('value' in request)) throw badRequest('body must have a "value" field')
  const size = Buffer.byteLength(JSON.stringify(request.value))
  if (size > config.maxValueBytes) throw tooLarge(config.maxValueBytes)
  return { context: contextOf(request, seal), value: request.value, deleted: false }
}

/**
 * Checks the key and the request, then lets it through (this node coordinates) or
 * answers with a home replica's answer. A write no home could take goes through too,
 * for a sloppy quorum, unless the cluster is strict.
 */
function forwardUnlessLocal(config: NodeConfig, coordinator: Coordinator, seal: (key: string) => ContextSeal): MiddlewareHandler {
  const node = { token: config.token, isHome: (key: string) => coordinator.isHome(key) }
  return async (c, next) => {
    const key = keyOf(c, KV_PREFIX)
    const problem = keyProblem(key)
    if (problem !== undefined) throw badRequest(problem)
    const headers = { [FORWARDED_HEADER]: header(c, FORWARDED_HEADER), [TOKEN_HEADER]: header(c, TOKEN_HEADER) }
    if (routeRequest(key, headers, node) === 'local') return next()
    const method = c.req.method as 'GET' | 'PUT' | 'DELETE'
    if (method === 'GET') quorumParam(c, 'r', config.r, config.n)
    else await checkWrite(c, config, seal(key))
    try {
      const body = method === 'GET' ? undefined : await readOptionalJson(c)
      const { status, body: answer } = await coordinator.forward(key, { method, path: sentTarget(c), body })
      return c.json(answer as object, status as 200)
    } catch (error) {
      if (error instanceof HomesUnreachable && method !== 'GET' && !config.strict) return next()
      throw error
    }
  }
}

/** The answer to a write of `key`: the new version and the context of what was written, sealed. */
export function writeAnswer(config: NodeConfig, seal: ContextSeal, key: string, { sibling, context, acks }: WriteOutcome): WriteResponse {
  return {
    key,
    context: encodeContext(context, seal),
    dot: sibling.dot,
    clock: sibling.clock,
    coordinator: config.id,
    acks,
  }
}
