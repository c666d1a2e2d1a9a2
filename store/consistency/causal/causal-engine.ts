/**
 * The `causal` mode on a node: a {@link CausalNode} over this node's storage, a
 * {@link Shipper} per peer carrying its log over the peer links
 * (`POST /internal/consistency/causal`), the route that takes a peer's writes, and the
 * pruning of log entries every peer has applied.
 */
import { Hono } from 'hono'
import { isClock, type Clock } from '../../../common/contracts/causal.ts'
import { badRequest } from '../../errors.ts'
import { readJsonObject } from '../../http/request.ts'
import type { Table } from '../../storage.ts'
import type { ConsistencyEngine } from '../engine.ts'
import { ifUp, type EngineParts } from '../parts.ts'
import { CausalNode, logId } from './causal-node.ts'
import { isLogEntry, type LogEntry } from './delivery.ts'
import { Shipper } from './shipper.ts'

/**
 * What causal contexts are sealed for: not a key, since a context is a client's
 * dependencies, valid with any key. Longer than a key may be (512 bytes), so no key shares it.
 */
const CAUSAL_CONTEXT_SCOPE = `causal dependencies ${'.'.repeat(600)}`

/** Where a node ships its writes to a peer, under `/internal/consistency`. */
const SHIP_PATH = '/causal'

type ShipBody = { origin: string; entries: LogEntry[] }

export function causalEngine(parts: EngineParts): ConsistencyEngine {
  const { config, replica, storage, peers, stats } = parts
  const log = storage.table<LogEntry>('causal-log')
  const shippers: Shipper[] = []
  const node = new CausalNode({
    replica,
    state: storage.table<Clock>('causal-state'),
    log,
    dependencyTimeoutMs: config.replicaTimeoutMs,
    onLocalWrite: () => {
      for (const shipper of shippers) shipper.wake()
    },
  })
  const pruner = logPruner(log, shippers)
  for (const { id: peer } of config.peers) {
    const shipper = new Shipper({
      peer,
      origin: node.origin,
      log,
      ship: async (to, origin, entries) => {
        const call = {
          method: 'POST' as const,
          path: `/internal/consistency${SHIP_PATH}`,
          body: { origin, entries },
          timeoutMs: config.replicaTimeoutMs * 2,
        }
        const answer = await ifUp(parts, to, () => peers.expectOk<{ applied: Clock }>(to, call))
        if (!isClock(answer?.applied)) throw new Error(`${to} answered without what it applied`)
        pruner.soon()
        return answer.applied
      },
    })
    shippers.push(shipper)
  }
  const internal = new Hono()
  internal.post(SHIP_PATH, async (c) => {
    const body = await readJsonObject<ShipBody>(c)
    if (typeof body.origin !== 'string' || !Array.isArray(body.entries) || !body.entries.every(isLogEntry)) {
      throw badRequest('body must be {origin, entries: [{key, counter, prev, deps, delta}]}')
    }
    return c.json({ applied: await node.receive(body.origin, body.entries) })
  })
  return {
    mode: 'causal',
    contextScope: CAUSAL_CONTEXT_SCOPE,
    internal,
    read: (key, _r, after) => {
      stats.add('reads')
      return node.read(key, after)
    },
    write: (key, write) => {
      stats.add('writes')
      return node.write(key, write)
    },
    status: () => ({
      algorithm: 'causal+: dependency-checked requests, causal delivery of every write to every node',
      origin: node.origin,
      applied: node.applied(),
      buffered: node.buffered,
      ...node.counts,
      peers: Object.fromEntries(shippers.map((s, i) => [config.peers[i].id, { acked: s.acked, shipped: s.shipped, failures: s.failures }])),
    }),
    start: () => {
      for (const shipper of shippers) shipper.start()
    },
    stop: () => {
      pruner.stop()
      for (const shipper of shippers) void shipper.stop()
    },
  }
}

/** How often the log is pruned at most, ms. */
const PRUNE_INTERVAL_MS = 1000

/** Removes, now and then, the log entries every peer has applied. */
function logPruner(log: Table<LogEntry>, shippers: Shipper[]): { soon(): void; stop(): void } {
  let pruned = 0
  let timer: NodeJS.Timeout | undefined
  const prune = async (): Promise<void> => {
    timer = undefined
    const upTo = Math.min(...shippers.map((s) => s.acked))
    if (shippers.length === 0 || upTo <= pruned) return
    await log.commit(() => {
      for (const [id] of log.entries(pruned > 0 ? logId(pruned) : undefined)) {
        if (id > logId(upTo)) break
        log.remove(id)
      }
    })
    pruned = upTo
  }
  return {
    soon: () => {
      timer ??= setTimeout(() => void prune().catch(() => {}), PRUNE_INTERVAL_MS)
    },
    stop: () => clearTimeout(timer),
  }
}
