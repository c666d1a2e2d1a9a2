/**
 * Introspection, mounted at `/admin`: members with their failure-detector state, held
 * hints, stats counters, WARS latencies (PBS), Merkle digests per arc, the ring, the config (without its
 * token) and the clock skew. Calls that change behaviour (run anti-entropy now, skew the
 * clock) need the cluster token, like node-to-node calls.
 */
import { Hono } from 'hono'
import type { AntiEntropy } from '../anti-entropy.ts'
import type { NodeConfig } from '../config.ts'
import { badRequest } from '../errors.ts'
import type { HintedHandoff } from '../hinted-handoff.ts'
import type { Membership } from '../membership.ts'
import type { MerkleIndex } from '../merkle.ts'
import type { Ring } from '../ring.ts'
import type { Stats } from '../stats.ts'
import type { WarsRecorder } from '../wars.ts'
import { MAX_SKEW_MS, type WallClock } from '../wall-clock.ts'
import { readJsonObject, requireToken } from './request.ts'

/** Hints listed by `GET /admin/hints` at most (the count covers all of them). */
const LISTED_HINTS = 1000

export type AdminRoutesOptions = {
  config: NodeConfig
  ring: Ring
  membership: Membership
  handoff: HintedHandoff
  merkle: MerkleIndex
  antiEntropy: AntiEntropy
  stats: Stats
  wallClock: WallClock
  /** WARS legs timed here (PBS); `/admin/wars` answers 404 without. */
  wars?: WarsRecorder
}

/** The `/admin` sub-app. */
export function adminRoutes({ config, ring, membership, handoff, merkle, antiEntropy, stats, wallClock, wars }: AdminRoutesOptions): Hono {
  const admin = new Hono()
  admin.get('/members', (c) => c.json({ node: config.id, members: membership.members() }))
  admin.get('/hints', (c) => {
    const hints = handoff.pending()
    return c.json({ node: config.id, pending: hints.length, hints: hints.slice(0, LISTED_HINTS) })
  })
  admin.get('/stats', (c) => c.json(stats.snapshot()))
  if (wars) admin.get('/wars', (c) => c.json(wars.snapshot()))
  admin.get('/digest', (c) =>
    c.json({
      node: config.id,
      ranges: antiEntropy.heldArcs().map((arc) => ({
        arc,
        ...ring.arcRange(arc),
        replicas: ring.arcPreferenceList(arc).slice(0, config.n),
        keys: merkle.keyCount(arc),
        root: merkle.root(arc),
      })),
    }),
  )
  admin.get('/ring', (c) => c.json({ node: config.id, n: config.n, vnodes: ring.vnodes, nodes: ring.nodes, tokens: ring.tokens }))
  admin.get('/config', (c) => c.json({ ...config, token: undefined }))
  // Runs an anti-entropy round now, with a random live peer (like `nodetool repair`).
  admin.post('/anti-entropy', async (c) => {
    requireToken(c, config.token)
    const outcome = await antiEntropy.runRound()
    return c.json({ node: config.id, ran: outcome !== undefined, ...outcome })
  })

  admin.get('/clock', (c) => c.json({ node: config.id, skewMs: wallClock.skewMs, now: wallClock.now() }))
  admin.post('/clock', async (c) => {
    requireToken(c, config.token)
    const { skewMs } = await readJsonObject<{ skewMs: number }>(c)
    if (!Number.isInteger(skewMs) || Math.abs(skewMs!) > MAX_SKEW_MS) {
      throw badRequest(`skewMs must be an integer from -${MAX_SKEW_MS} to ${MAX_SKEW_MS}`)
    }
    wallClock.skewMs = skewMs!
    return c.json({ node: config.id, skewMs: wallClock.skewMs, now: wallClock.now() })
  })
  return admin
}
