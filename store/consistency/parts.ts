/**
 * The parts of a node a consistency mode is built from (see `store/node.ts`), and the one
 * way the modes call a peer: through the peer links (`nI-nJ`, so every nemesis affects the
 * mode's messages), skipping peers the failure detector believes down.
 */
import type { NodeConfig } from '../config.ts'
import type { Coordinator } from '../coordinator.ts'
import type { Membership } from '../membership.ts'
import type { PeerBatcher } from '../peer-batcher.ts'
import type { PeerClient } from '../peers.ts'
import type { Replica } from '../replica.ts'
import type { Ring } from '../ring.ts'
import type { Stats } from '../stats.ts'
import type { Storage } from '../storage.ts'

export type EngineParts = {
  config: NodeConfig
  ring: Ring
  replica: Replica
  storage: Storage
  coordinator: Coordinator
  /** Single calls to peers (the modes' own endpoints). */
  peers: Pick<PeerClient, 'expectOk'>
  /** Batched replica reads and merges to peers. */
  batcher: Pick<PeerBatcher, 'read' | 'merge'>
  membership: Pick<Membership, 'isUp'>
  stats: Stats
}

/** Thrown instead of calling a peer the failure detector believes down. */
export class PeerBelievedDown extends Error {
  constructor(peer: string) {
    super(`${peer} is believed down`)
  }
}

/** Calls `call` unless the failure detector believes `peer` down (then rejects at once). */
export function ifUp<T>(parts: Pick<EngineParts, 'membership' | 'stats'>, peer: string, call: () => Promise<T>): Promise<T> {
  if (parts.membership.isUp(peer)) return call()
  parts.stats.add('skippedDown')
  return Promise.reject(new PeerBelievedDown(peer))
}
