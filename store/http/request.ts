/**
 * What every route of the node's HTTP API does with a request before its own work:
 * read a header cheaply, refuse an oversized body, parse a JSON body, read `?r=`/`?w=`,
 * check the cluster token, and open a client's causal context. Each refusal is an
 * {@link ApiError} the app turns into a JSON answer.
 */
import type { IncomingMessage } from 'node:http'
import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { tryDecodeURIComponent } from 'hono/utils/url'
import { emptyContext, type CausalContext } from '../../common/contracts/causal.ts'
import { TOKEN_HEADER } from '../api.ts'
import type { NodeConfig } from '../config.ts'
import { ApiError, badContext, badRequest } from '../errors.ts'
import type { Stats } from '../stats.ts'
import { decodeContext, type ContextSeal } from '../versioning.ts'

/** The route of one key: everything after the prefix, slashes included. */
export const KEY_ROUTE = '/:key{.+}'

/** Where a request's target, as the client sent it, is kept when the adapter gets another. */
const SENT_TARGET = Symbol('quorumlab.sentTarget')
type Incoming = IncomingMessage & { [SENT_TARGET]?: string }
type NodeEnv = { incoming?: Incoming } | undefined

/** Paths that end in a key: the client API and the replica inspection. */
const KEY_PREFIXES = ['/kv/', '/internal/objects/']
/** A `.` or `..` path segment, as a URL parser finds it (`%2e` is a dot to it too). */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?=\/|$)/i

/**
 * Keeps the target of a request for a key as the client sent it, before the HTTP adapter
 * parses it as a URL: a URL parser resolves `.` and `..` segments, encoded or not, so
 * `/kv/x/../y` would name `y` and the keys `.` and `..` could not be named at all. A
 * target with such a segment after its prefix goes on with a placeholder for the key;
 * {@link keyOf} reads the key from the kept target. Called on every request.
 */
export function keepKeyTarget(incoming: IncomingMessage): void {
  const url = incoming.url ?? ''
  const prefix = KEY_PREFIXES.find((p) => url.startsWith(p))
  if (prefix === undefined) return
  const query = url.indexOf('?')
  const path = query >= 0 ? url.slice(0, query) : url
  if (!DOT_SEGMENT.test(path.slice(prefix.length))) return
  ;(incoming as Incoming)[SENT_TARGET] = url
  incoming.url = `${prefix}_${query >= 0 ? url.slice(query) : ''}`
}

/** The request's target (path and query) as the client sent it. */
export function sentTarget(c: Context): string {
  const incoming = (c.env as NodeEnv)?.incoming
  if (incoming?.url !== undefined) return incomingTarget(incoming)
  const url = new URL(c.req.url)
  return `${url.pathname}${url.search}`
}

/** The target (path and query) of a request Node's server took, as the client sent it (see {@link keepKeyTarget}). */
export const incomingTarget = (incoming: IncomingMessage): string => (incoming as Incoming)[SENT_TARGET] ?? incoming.url ?? ''

/** The key of a request to `<prefix><key>`, percent-decoded from the target as sent. */
export function keyOf(c: Context, prefix: string): string {
  return keyOfTarget(sentTarget(c), prefix)
}

/** The key of the target `<prefix><key>[?query]`, percent-decoded. */
export function keyOfTarget(target: string, prefix: string): string {
  const query = target.indexOf('?')
  return tryDecodeURIComponent((query >= 0 ? target.slice(0, query) : target).slice(prefix.length))
}

/**
 * A request header (name in lower case). On Node it is read from the IncomingMessage
 * the adapter passes as `c.env.incoming`: asking Hono builds a Headers object of all of
 * them first, a cost paid on every request.
 */
export function header(c: Context, name: string): string | undefined {
  const incoming = (c.env as NodeEnv)?.incoming
  if (!incoming) return c.req.header(name)
  const value = incoming.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/** Counts a call that came from a peer (`sender`, with the cluster `token`); anything else is not a peer's call. */
export function peerCallCounter(config: NodeConfig, stats: Stats): (sender: string | undefined, token: string | undefined) => void {
  const peerIds = new Set(config.peers.map((p) => p.id))
  return (sender, token) => {
    if (sender !== undefined && peerIds.has(sender) && token === config.token) stats.peerCallReceived(sender)
  }
}

/** Refuses a request without the cluster token (node-to-node calls, admin calls that change behaviour). */
export function requireToken(c: Context, token: string): void {
  if (header(c, TOKEN_HEADER) !== token) {
    throw new ApiError(401, 'unauthorized', `${c.req.method} ${c.req.path} needs the cluster token in ${TOKEN_HEADER}`)
  }
}

/**
 * Refuses bodies over `maxBytes` before reading them. Requests without a body (GET) pass
 * untouched: asking for the body stream makes the Node adapter build a full Request,
 * which costs more than the whole read. Bodies with a Content-Length are checked from
 * the header; only chunked uploads go through Hono's counting body limit.
 * `reportedLimit` (bytes) is the limit the refusal names: the value limit a client sees,
 * not the room left for framing.
 */
export function limitBody(maxBytes: number, reportedLimit: number): MiddlewareHandler {
  const counting = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge(reportedLimit)
    },
  })
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    const length = header(c, 'content-length')
    if (length === undefined || header(c, 'transfer-encoding') !== undefined) return counting(c, next)
    if (!/^\d+$/.test(length)) throw badRequest('content-length must be a number of bytes')
    if (Number(length) > maxBytes) throw tooLarge(reportedLimit)
    return next()
  }
}

/** The 413 of a value (or body) over `limit` bytes. */
export function tooLarge(limit: number): ApiError {
  return new ApiError(413, 'too_large', `value is larger than the limit of ${limit} bytes`)
}

/** `?r=` or `?w=`: an integer from 1 to `n`, or `fallback` when absent. */
export function quorumParam(c: Context, name: 'r' | 'w', fallback: number, n: number): number {
  const raw = c.req.query(name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < 1 || value > n) throw badRequest(`${name} must be an integer from 1 to N=${n}, got "${raw}"`)
  return value
}

/** The causal context a client sent back (empty when it sent none), checked against its seal. */
export function contextOf(request: { context?: unknown }, seal: ContextSeal): CausalContext {
  if (request.context === undefined || request.context === null) return emptyContext()
  if (typeof request.context !== 'string') throw badContext('context must be the string a read or write returned')
  const decoded = decodeContext(request.context, seal)
  if (!decoded.ok) throw badContext(`invalid context: ${decoded.reason}`)
  return decoded.context
}

/**
 * The JSON body, or undefined when there is none. A body with an object key `__proto__`
 * is refused: LMDB's encoding (msgpackr) reads such a key back as `__proto_`, so the value
 * would be stored changed.
 */
export async function readOptionalJson(c: Context): Promise<unknown> {
  return parseJsonBody(await c.req.text())
}

/** A request body's text as JSON (see {@link readOptionalJson}): undefined when empty, a 400 when not JSON or holding `__proto__`. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (error) {
    throw badRequest(`body is not valid JSON: ${(error as Error).message}`)
  }
  // Only a body spelling the key out, or escaping a character (\u), can hold it: most are not walked.
  if ((text.includes('__proto__') || text.includes('\\u')) && holdsProtoKey(body))
    throw badRequest('a key named "__proto__" cannot be stored: the store would read it back renamed')
  return body
}

/** Whether an object in `value`, at any depth, has an own key `__proto__` (as JSON.parse makes one). */
function holdsProtoKey(value: unknown): boolean {
  // A stack, not recursion: a deeply nested body must not overflow this one.
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const next = stack.pop()
    if (typeof next !== 'object' || next === null) continue
    if (!Array.isArray(next) && Object.hasOwn(next, '__proto__')) return true
    for (const child of Object.values(next)) stack.push(child)
  }
  return false
}

/** The JSON body, which must be an object; its fields are still to be checked. */
export async function readJsonObject<T extends object>(c: Context): Promise<Partial<T>> {
  return asJsonObject<T>(await readOptionalJson(c))
}

/** A parsed body that must be an object (see {@link readJsonObject}). */
export function asJsonObject<T extends object>(body: unknown): Partial<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(body === undefined ? 'body is empty; expected a JSON object' : 'body must be a JSON object')
  }
  return body as Partial<T>
}
