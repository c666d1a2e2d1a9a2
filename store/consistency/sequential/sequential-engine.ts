/**
 * The `sequential` mode on a node: {@link Sequential} with its messages over the peer
 * links (a write to the key's sequencer: `POST /internal/consistency/order`; its pushes to
 * the other home replicas: the ordinary batched merge, which merges by sequence number in
 * this mode), and the route a sequencer answers.
 */
import { Hono } from 'hono'
import { badRequest } from '../../errors.ts'
import { readJsonObject } from '../../http/request.ts'
import { isVersionedObject, type VersionedObject } from '../../versioning.ts'
import type { ConsistencyEngine } from '../engine.ts'
import { ifUp, type EngineParts } from '../parts.ts'
import { tagOf } from '../register.ts'
import { Sequential, type OrderRequest } from './sequencer.ts'

/** Where a node asks a key's sequencer to order a write, under `/internal/consistency`. */
const ORDER_PATH = '/order'

type OrderBody = OrderRequest & { key: string }

export function sequentialEngine(parts: EngineParts): ConsistencyEngine {
  const { config, ring, replica, peers, batcher, stats } = parts
  const sequential = new Sequential({
    self: config.id,
    replica,
    homes: (key) => ring.homeReplicas(key, config.n),
    link: {
      order: async (sequencer, key, write) => {
        const body: OrderBody = { key, ...write }
        const call = { method: 'POST' as const, path: `/internal/consistency${ORDER_PATH}`, body, timeoutMs: config.replicaTimeoutMs }
        const answer = await ifUp(parts, sequencer, () => peers.expectOk<{ object: VersionedObject }>(sequencer, call))
        if (!isVersionedObject(answer?.object) || !tagOf(answer.object)) throw new Error(`${sequencer} answered with a malformed state`)
        return answer.object
      },
      push: (node, key, state) => ifUp(parts, node, () => batcher.merge(node, key, state)),
    },
  })
  const internal = new Hono()
  internal.post(ORDER_PATH, async (c) => {
    const body = await readJsonObject<OrderBody>(c)
    if (typeof body.key !== 'string' || typeof body.deleted !== 'boolean' || !('value' in body)) {
      throw badRequest('body must be {key, value, deleted}')
    }
    return c.json({ object: await sequential.order(body.key, { value: body.value, deleted: body.deleted }) })
  })
  return {
    mode: 'sequential',
    internal,
    read: async (key) => {
      stats.add('reads')
      return sequential.read(key)
    },
    write: (key, write) => {
      stats.add('writes')
      return sequential.write(key, write)
    },
    status: () => ({ algorithm: "a per-key sequencer at the key's first home replica; local reads", ...sequential.counts }),
    start: () => {},
    stop: () => {},
  }
}
