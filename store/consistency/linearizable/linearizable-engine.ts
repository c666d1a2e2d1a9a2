/**
 * The `linearizable` mode on a node: {@link Abd} over the key's home replicas, this
 * node's own replica and its peers' through the batched replica calls (`/internal/batch`
 * reads and merges over the peer links). Replicas merge states by tag (the replica's merge
 * is `mergeRegisters` in this mode), so the ordinary batch merge is ABD's store message.
 */
import type { ConsistencyEngine } from '../engine.ts'
import { ifUp, type EngineParts } from '../parts.ts'
import { mergeRegisters } from '../register.ts'
import { Abd } from './abd.ts'

export function linearizableEngine(parts: EngineParts): ConsistencyEngine {
  const { config, ring, replica, batcher, stats } = parts
  const self = config.id
  const abd = new Abd({
    self,
    homes: (key) => ring.homeReplicas(key, config.n),
    read: async (node, key) => (node === self ? replica.read(key) : ifUp(parts, node, () => batcher.read(node, key))),
    store: async (node, key, state) => {
      if (node === self) await replica.mergeIn(key, state)
      else await ifUp(parts, node, () => batcher.merge(node, key, state))
    },
    issue: (key, build) =>
      replica.update(key, (current, nextCounter) => {
        const state = build({ node: replica.node, counter: nextCounter() }, replica.now(), current)
        return { store: mergeRegisters(current, state), result: state }
      }),
  })
  return {
    mode: 'linearizable',
    read: (key) => {
      stats.add('reads')
      return abd.read(key)
    },
    write: (key, write) => {
      stats.add('writes')
      return abd.write(key, write)
    },
    status: () => ({ algorithm: 'multi-writer ABD over strict majorities of the home replicas', ...abd.counts }),
    start: () => {},
    stop: () => {},
  }
}
