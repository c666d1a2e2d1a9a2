/**
 * The node's HTTP API as a Hono app: the client API (`/kv`, `/health`), the token-guarded
 * node-to-node calls (`/internal`) and introspection (`/admin`). Every failure becomes a
 * JSON error; no request can crash the node or change data unless it is valid.
 */
import type { IncomingMessage } from 'node:http'
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { AntiEntropy } from './anti-entropy.ts'
import {
  FORWARDED_HEADER,
  TOKEN_HEADER,
  type BatchOp,
  type BatchRequest,
  type BatchResponse,
  type BatchResult,
  type DeleteRequest,
  type GossipRequest,
  type GossipResponse,
  type HealthResponse,
  type MerkleKeysRequest,
  type MerkleKeysResponse,
  type MerkleNodesRequest,
  type MerkleNodesResponse,
  type ReadResponse,
  type ReplicaReadResponse,
  type SyncRequest,
  type SyncResponse,
  type WriteRequest,
  type WriteResponse,
} from './api.ts'
import type { NodeConfig } from './config.ts'
import type { Coordinator, WriteOutcome } from './coordinator.ts'
import { ApiError, badRequest } from './errors.ts'
import type { Gossiper } from './gossip.ts'
import type { HintedHandoff } from './hinted-handoff.ts'
import type { Membership, MemberView } from './membership.ts'
import { MERKLE_DEPTH, MerkleIndex, type TreeNode } from './merkle.ts'
import type { Replica } from './replica.ts'
import type { Ring } from './ring.ts'
import type { Stats } from './stats.ts'
import { MAX_SKEW_MS, type WallClock } from './wall-clock.ts'
import { decodeContext, encodeContext, isEmptyObject, isVersionedObject, liveSiblings, type ContextSeal } from './versioning.ts'
import { emptyContext, type CausalContext } from '../common/contracts/causal.ts'

/** The parts of a node the HTTP API exposes. */
export type AppOptions = {
  config: NodeConfig
  ring: Ring
  coordinator: Coordinator
  replica: Replica
  membership: Membership
  gossiper: Gossiper
  handoff: HintedHandoff
  merkle: MerkleIndex
  antiEntropy: AntiEntropy
  stats: Stats
  wallClock: WallClock
}

/** Longest key, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 512
/** Room for the context and JSON framing around a value of the largest size, bytes. */
const BODY_OVERHEAD_BYTES = 64 * 1024
/** Internal calls carry whole objects (every sibling), so they get a larger limit, bytes. */
const INTERNAL_BODY_BYTES = 1024 * 1024 * 1024

const KEY_ROUTE = '/:key{.+}'

export function createApp(parts: AppOptions): Hono {
  const { config, coordinator, replica } = parts
  // Node-to-node calls and admin calls that change behaviour need the cluster token.
  const requireToken = (c: Context): void => {
    if (header(c, TOKEN_HEADER) !== config.token) {
      throw new ApiError(401, 'unauthorized', `${c.req.method} ${c.req.path} needs the cluster token in ${TOKEN_HEADER}`)
    }
  }
  const app = new Hono()

  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.toJSON(), error.status)
    console.error(`[${config.id}] unexpected error on ${c.req.method} ${c.req.path}:`, error)
    return c.json(new ApiError(500, 'internal', 'internal error').toJSON(), 500)
  })
  app.notFound((c) => c.json(new ApiError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`).toJSON(), 404))

  app.get('/health', (c) => c.json<HealthResponse>({ node: config.id, status: 'ok', pid: process.pid }))

  // ---- client API ----
  const kv = new Hono()
  kv.use(limitBody(config.maxValueBytes + BODY_OVERHEAD_BYTES, config.maxValueBytes))
  kv.use(KEY_ROUTE, async (c, next) => {
    const key = c.req.param('key') ?? ''
    const bytes = Buffer.byteLength(key)
    if (bytes < 1 || bytes > MAX_KEY_BYTES) {
      throw badRequest(`key must be 1 to ${MAX_KEY_BYTES} bytes of UTF-8, got ${bytes}`)
    }
    const forwarded = header(c, FORWARDED_HEADER) !== undefined && header(c, TOKEN_HEADER) === config.token
    if (forwarded || coordinator.isHome(key)) return next()
    const url = new URL(c.req.url)
    const body = c.req.method === 'GET' ? undefined : await readOptionalJson(c)
    const { status, body: answer } = await coordinator.forward(key, {
      method: c.req.method as 'GET' | 'PUT' | 'DELETE',
      path: `${url.pathname}${url.search}`,
      body,
    })
    return c.json(answer as object, status as 200)
  })

  kv.get(KEY_ROUTE, async (c) => {
    const key = c.req.param('key')
    const r = quorumParam(c, 'r', config.r, config.n)
    const { object, replies } = await coordinator.read(key, r)
    const live = liveSiblings(object)
    const body: ReadResponse = {
      key,
      values: live.map((s) => s.value),
      versions: live.map((s) => ({ dot: s.dot, clock: s.clock })),
      context: encodeContext(object.context, { secret: config.token, key }),
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
    const context = contextOf(request, { secret: config.token, key })
    return respondToWrite(c, key, await coordinator.write(key, { context, value: request.value, deleted: false }, w))
  })

  kv.delete(KEY_ROUTE, async (c) => {
    const key = c.req.param('key')
    const w = quorumParam(c, 'w', config.w, config.n)
    const request = ((await readOptionalJson(c)) ?? {}) as DeleteRequest
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      throw badRequest('body must be a JSON object')
    }
    const context = contextOf(request, { secret: config.token, key })
    return respondToWrite(c, key, await coordinator.write(key, { context, value: null, deleted: true }, w))
  })

  const respondToWrite = (c: Context, key: string, { sibling, context, acks }: WriteOutcome): Response => {
    const body: WriteResponse = {
      key,
      context: encodeContext(context, { secret: config.token, key }),
      dot: sibling.dot,
      clock: sibling.clock,
      coordinator: config.id,
      acks,
    }
    return c.json(body)
  }

  app.route('/kv', kv)

  // ---- node to node ----
  const internal = new Hono()
  internal.use(async (c, next) => {
    requireToken(c)
    return next()
  })
  internal.use(limitBody(INTERNAL_BODY_BYTES, INTERNAL_BODY_BYTES))

  internal.get(`/objects${KEY_ROUTE}`, (c) => {
    const stored = replica.read(c.req.param('key'))
    const object = isEmptyObject(stored) ? null : stored
    return c.json<ReplicaReadResponse>({ node: config.id, object })
  })

  internal.post('/batch', async (c) => {
    const { ops } = await readJsonObject<BatchRequest>(c)
    if (!Array.isArray(ops)) throw badRequest('body.ops must be a list of replica ops')
    const results = await Promise.all(
      ops.map((op) => runBatchOp(op).catch((error: Error): BatchResult => ({ ok: false, error: error.message }))),
    )
    return c.json<BatchResponse>({ node: config.id, results })
  })

  const runBatchOp = async (op: BatchOp): Promise<BatchResult> => {
    if (typeof op !== 'object' || op === null || typeof op.key !== 'string') return { ok: false, error: 'an op needs a key' }
    if (op.op === 'read') {
      const object = replica.read(op.key)
      return { ok: true, object: isEmptyObject(object) ? null : object }
    }
    if (!isVersionedObject(op.object)) return { ok: false, error: 'op.object is not a versioned object' }
    if (op.op === 'merge') {
      await replica.mergeIn(op.key, op.object)
      return { ok: true }
    }
    if (op.op === 'hint' && typeof op.owner === 'string') {
      await parts.handoff.store(op.owner, op.key, op.object)
      return { ok: true }
    }
    return { ok: false, error: 'op.op must be read, merge or hint (with an owner)' }
  }

  internal.post('/gossip', async (c) => {
    const body = await readJsonObject<GossipRequest>(c)
    if (!Array.isArray(body.view) || !body.view.every(isMemberView)) throw badRequest('body.view is not a membership view')
    return c.json<GossipResponse>(parts.gossiper.receive({ from: String(body.from), view: body.view }))
  })

  internal.post('/merkle/nodes', async (c) => {
    const { nodes } = await readJsonObject<MerkleNodesRequest>(c)
    if (!Array.isArray(nodes) || !nodes.every((n) => MerkleIndex.isValidNode(n, parts.merkle.arcCount))) {
      throw badRequest('body.nodes must be tree nodes {arc, level, index} of this ring')
    }
    return c.json<MerkleNodesResponse>({ hashes: nodes.map((n) => parts.merkle.hash(n)) })
  })

  internal.post('/merkle/keys', async (c) => {
    const { leaves } = await readJsonObject<MerkleKeysRequest>(c)
    const asNodes: TreeNode[] | undefined = Array.isArray(leaves) ? leaves.map((l) => ({ ...l, level: MERKLE_DEPTH })) : undefined
    if (!asNodes?.every((n) => MerkleIndex.isValidNode(n, parts.merkle.arcCount))) {
      throw badRequest('body.leaves must be leaves {arc, index} of this ring')
    }
    return c.json<MerkleKeysResponse>({ leaves: asNodes.map((n) => parts.merkle.leafKeys(n.arc, n.index)) })
  })

  internal.post('/sync', async (c) => {
    const { entries } = await readJsonObject<SyncRequest>(c)
    const valid =
      Array.isArray(entries) && entries.every((e) => typeof e?.key === 'string' && (e.object === null || isVersionedObject(e.object)))
    if (!valid) throw badRequest('body.entries must be [{key, object}] with versioned objects or null')
    return c.json<SyncResponse>(await parts.antiEntropy.answerSync(entries))
  })

  app.route('/internal', internal)

  // ---- introspection ----
  app.get('/admin/members', (c) => c.json({ node: config.id, members: parts.membership.members() }))
  app.get('/admin/hints', (c) => {
    const hints = parts.handoff.pending()
    return c.json({ node: config.id, pending: hints.length, hints: hints.slice(0, 1000) })
  })
  app.get('/admin/stats', (c) => c.json(parts.stats.snapshot()))
  app.get('/admin/digest', (c) =>
    c.json({
      node: config.id,
      ranges: parts.antiEntropy.heldArcs().map((arc) => ({
        arc,
        ...parts.ring.arcRange(arc),
        replicas: parts.ring.arcPreferenceList(arc).slice(0, config.n),
        keys: parts.merkle.keyCount(arc),
        root: parts.merkle.root(arc),
      })),
    }),
  )
  app.get('/admin/ring', (c) =>
    c.json({ node: config.id, n: config.n, vnodes: parts.ring.vnodes, nodes: parts.ring.nodes, tokens: parts.ring.tokens }),
  )
  app.get('/admin/config', (c) => c.json({ ...config, token: undefined }))
  // Runs an anti-entropy round now, with a random live peer (like `nodetool repair`).
  app.post('/admin/anti-entropy', async (c) => {
    requireToken(c)
    const outcome = await parts.antiEntropy.runRound()
    return c.json({ node: config.id, ran: outcome !== undefined, ...outcome })
  })

  app.get('/admin/clock', (c) => c.json({ node: config.id, skewMs: parts.wallClock.skewMs, now: parts.wallClock.now() }))
  // Changing behaviour needs the cluster token, like node-to-node calls.
  app.post('/admin/clock', async (c) => {
    requireToken(c)
    const { skewMs } = await readJsonObject<{ skewMs: number }>(c)
    if (!Number.isInteger(skewMs) || Math.abs(skewMs!) > MAX_SKEW_MS) {
      throw badRequest(`skewMs must be an integer from -${MAX_SKEW_MS} to ${MAX_SKEW_MS}`)
    }
    parts.wallClock.skewMs = skewMs!
    return c.json({ node: config.id, skewMs: parts.wallClock.skewMs, now: parts.wallClock.now() })
  })

  return app
}

const isMemberView = (v: unknown): v is MemberView =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as MemberView).node === 'string' &&
  Number.isSafeInteger((v as MemberView).generation) &&
  Number.isSafeInteger((v as MemberView).heartbeat)

/**
 * Refuses bodies over `maxBytes` before reading them. Requests without a body (GET) pass
 * untouched: asking for the body stream makes the Node adapter build a full Request,
 * which costs more than the whole read. Bodies with a Content-Length are checked from
 * the header; only chunked uploads go through Hono's counting body limit.
 */
function limitBody(maxBytes: number, reportedLimit: number): MiddlewareHandler {
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

/**
 * A request header (name in lower case). On Node it is read from the IncomingMessage
 * the adapter passes as `c.env.incoming`: asking Hono builds a Headers object of all of
 * them first, a cost paid on every request.
 */
function header(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  if (!incoming) return c.req.header(name)
  const value = incoming.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, 'too_large', `value is larger than the limit of ${limit} bytes`)
}

function quorumParam(c: Context, name: 'r' | 'w', fallback: number, n: number): number {
  const raw = c.req.query(name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < 1 || value > n) throw badRequest(`${name} must be an integer from 1 to N=${n}, got "${raw}"`)
  return value
}

function contextOf(request: { context?: unknown }, seal: ContextSeal): CausalContext {
  if (request.context === undefined || request.context === null) return emptyContext()
  if (typeof request.context !== 'string') throw badRequest('context must be the string a read or write returned')
  const decoded = decodeContext(request.context, seal)
  if (!decoded.ok) throw badRequest(`invalid context: ${decoded.reason}`)
  return decoded.context
}

async function readOptionalJson(c: Context): Promise<unknown> {
  const text = await c.req.text()
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text)
  } catch (error) {
    throw badRequest(`body is not valid JSON: ${(error as Error).message}`)
  }
}

async function readJsonObject<T extends object>(c: Context): Promise<Partial<T>> {
  const body = await readOptionalJson(c)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(body === undefined ? 'body is empty; expected a JSON object' : 'body must be a JSON object')
  }
  return body as Partial<T>
}
