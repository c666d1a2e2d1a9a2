/**
 * The node's HTTP API as one Hono app, made of three sub-apps: the client API (`/kv`),
 * the token-guarded node-to-node calls (`/internal`) and introspection (`/admin`), plus
 * `/health`. Every failure becomes a JSON error; no request can crash the node or
 * change data unless it is valid.
 */
import { Hono } from 'hono'
import { SENDER_HEADER, TOKEN_HEADER, type HealthResponse } from './api.ts'
import { consistencyAdminRoutes, consistencyInternalRoutes, type ConsistencyEngine } from './consistency/index.ts'
import { ApiError } from './errors.ts'
import { adminRoutes, type AdminRoutesOptions } from './http/admin-routes.ts'
import { internalRoutes, type InternalRoutesOptions } from './http/internal-routes.ts'
import { kvRoutes, type KvRoutesOptions } from './http/kv-routes.ts'
import { header, peerCallCounter } from './http/request.ts'

// The key limit is part of the client API; tests and clients find it with the app.
export { MAX_KEY_BYTES } from './http/kv-routes.ts'

/** The parts of a node the HTTP API exposes: what the three sub-apps need, together. */
export type AppOptions = KvRoutesOptions &
  InternalRoutesOptions &
  AdminRoutesOptions & {
    /** The cluster's consistency mode as this node runs it. */
    consistency: ConsistencyEngine
    /** The data dir's incarnation, shown by `/health`. */
    incarnation: string
  }

/**
 * Builds the node's HTTP API over its running parts. It holds no state of its own:
 * every answer comes from the coordinator, the replica and the background loops.
 *
 * - `GET|PUT|DELETE /kv/:key` (keys of 1 to {@link MAX_KEY_BYTES} bytes of UTF-8;
 *   `?r=`/`?w=` from 1 to N): coordinated here when this node is a home replica of the
 *   key, otherwise forwarded to one. Bodies up to `config.maxValueBytes` bytes of JSON
 *   value plus 64 KiB of framing.
 * - `/internal/*`: replica batches, gossip, Merkle walk, sync; needs `config.token` in
 *   the `x-quorumlab-token` header; bodies up to 1 GiB.
 * - `/internal/consistency/*`: the consistency mode's own node-to-node calls (token too).
 * - `/admin/*`: introspection; the two POSTs that change behaviour need the token.
 *   `/admin/consistency` shows the mode and its state.
 * - `GET /health`: the node's id, pid and incarnation.
 *
 * Errors are `{"error": {"code", "message"}}` with the status of the {@link ApiError};
 * anything else thrown is logged and answered `500 internal`.
 */
export function createApp(parts: AppOptions): Hono {
  const { config } = parts
  const app = new Hono()

  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.toJSON(), error.status)
    console.error(`[${config.id}] unexpected error on ${c.req.method} ${c.req.path}:`, error)
    return c.json(new ApiError(500, 'internal', 'internal error').toJSON(), 500)
  })
  app.notFound((c) => c.json(new ApiError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`).toJSON(), 404))

  // A call from a peer is counted as it arrives, before any work: the drop nemesis's loss is what was sent and never came.
  const count = peerCallCounter(config, parts.stats)
  app.use('*', async (c, next) => {
    count(header(c, SENDER_HEADER), header(c, TOKEN_HEADER))
    await next()
  })
  app.get('/health', (c) => c.json<HealthResponse>({ node: config.id, status: 'ok', pid: process.pid, incarnation: parts.incarnation }))
  app.route('/kv', kvRoutes(parts))
  app.route('/internal', internalRoutes(parts))
  app.route('/internal/consistency', consistencyInternalRoutes(parts.consistency, config))
  app.route('/admin', adminRoutes(parts))
  app.route('/admin/consistency', consistencyAdminRoutes(parts.consistency, config))
  return app
}
