/**
 * Anti-entropy: every interval, pick a random live peer and reconcile every ring arc
 * both replicate. Roots are compared first; only subtrees whose hashes differ are walked,
 * level by level (one round trip per level for all arcs); only the keys under differing
 * leaves are listed, and only keys whose digests differ are exchanged, both ways, in one
 * sync call.
 */
import type { MerkleKeysRequest, MerkleKeysResponse, MerkleNodesRequest, MerkleNodesResponse, SyncRequest, SyncResponse } from './api.ts'
import type { Membership } from './membership.ts'
import { MERKLE_DEPTH, type MerkleIndex, type TreeNode } from './merkle.ts'
import type { PeerClient } from './peers.ts'
import type { Replica } from './replica.ts'
import type { Ring } from './ring.ts'
import type { Stats } from './stats.ts'
import { isEmptyObject, isVersionedObject, type VersionedObject } from './versioning.ts'

export type AntiEntropyOptions = {
  self: string
  n: number
  ring: Ring
  merkle: MerkleIndex
  replica: Replica
  peers: PeerClient
  membership: Membership
  stats: Stats
  /** Between rounds, ms; 0 turns the loop off. */
  intervalMs: number
  /** Deadline of each call to the peer, ms. */
  timeoutMs: number
}

export type SyncOutcome = { peer: string; arcs: number; differingArcs: number; keysExchanged: number }

export class AntiEntropy {
  #options: AntiEntropyOptions
  #timer: NodeJS.Timeout | undefined
  #running: Promise<unknown> | undefined

  constructor(options: AntiEntropyOptions) {
    this.#options = options
  }

  start(): void {
    if (this.#options.intervalMs <= 0) return
    this.#timer = setInterval(() => void this.runRound().catch(() => {}), this.#options.intervalMs)
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** The arcs this node is a home replica of. */
  heldArcs(): number[] {
    const { ring, self, n } = this.#options
    return ring.tokens.map((_, arc) => arc).filter((arc) => ring.arcPreferenceList(arc).slice(0, n).includes(self))
  }

  /** One round with a random live peer that shares arcs; skipped while a round runs. */
  async runRound(): Promise<SyncOutcome | undefined> {
    if (this.#running) return undefined
    const { ring, n, self, membership } = this.#options
    const candidates = new Set<string>()
    for (const arc of this.heldArcs()) {
      for (const node of ring.arcPreferenceList(arc).slice(0, n)) if (node !== self && membership.isUp(node)) candidates.add(node)
    }
    const peers = [...candidates]
    if (peers.length === 0) return undefined
    const round = this.syncWith(peers[Math.floor(Math.random() * peers.length)])
    this.#running = round
    try {
      return await round
    } finally {
      this.#running = undefined
    }
  }

  async syncWith(peer: string): Promise<SyncOutcome> {
    const { ring, n, stats } = this.#options
    stats.add('antiEntropyRounds')
    const arcs = this.heldArcs().filter((arc) => ring.arcPreferenceList(arc).slice(0, n).includes(peer))
    let differing: TreeNode[] = arcs.map((arc) => ({ arc, level: 0, index: 0 }))
    differing = await this.#differingNodes(peer, differing)
    const differingArcs = new Set(differing.map((d) => d.arc)).size
    for (let level = 1; level <= MERKLE_DEPTH && differing.length > 0; level++) {
      const children = differing.flatMap(({ arc, index }) => [
        { arc, level, index: 2 * index },
        { arc, level, index: 2 * index + 1 },
      ])
      differing = await this.#differingNodes(peer, children)
    }
    const keys = await this.#differingKeys(peer, differing)
    if (keys.length > 0) await this.#exchange(peer, keys)
    return { peer, arcs: arcs.length, differingArcs, keysExchanged: keys.length }
  }

  async #differingNodes(peer: string, nodes: TreeNode[]): Promise<TreeNode[]> {
    if (nodes.length === 0) return []
    const request: MerkleNodesRequest = { nodes }
    const { hashes } = await this.#call<MerkleNodesResponse>(peer, '/internal/merkle/nodes', request)
    return nodes.filter((node, i) => this.#options.merkle.hash(node) !== hashes[i])
  }

  async #differingKeys(peer: string, leaves: TreeNode[]): Promise<string[]> {
    if (leaves.length === 0) return []
    const request: MerkleKeysRequest = { leaves: leaves.map(({ arc, index }) => ({ arc, index })) }
    const answer = await this.#call<MerkleKeysResponse>(peer, '/internal/merkle/keys', request)
    const differing = new Set<string>()
    leaves.forEach(({ arc, index }, i) => {
      const theirs = new Map(answer.leaves[i].map((k) => [k.key, k.digest]))
      const ours = this.#options.merkle.leafKeys(arc, index)
      for (const { key, digest } of ours) if (theirs.get(key) !== digest) differing.add(key)
      for (const key of theirs.keys()) if (this.#options.merkle.digestOf(key) === undefined) differing.add(key)
    })
    return [...differing].sort()
  }

  async #exchange(peer: string, keys: string[]): Promise<void> {
    const { replica } = this.#options
    const request: SyncRequest = {
      entries: keys.map((key) => {
        const object = replica.read(key)
        return { key, object: isEmptyObject(object) ? null : object }
      }),
    }
    const answer = await this.#call<SyncResponse>(peer, '/internal/sync', request)
    for (const { key, object } of answer.entries) if (isVersionedObject(object)) await this.#repair(key, object)
  }

  /**
   * The other side of an exchange: merges what the peer sent, answers with this node's
   * merged state of every key, so both converge in one round trip.
   */
  async answerSync(entries: SyncRequest['entries']): Promise<SyncResponse> {
    const answer: SyncResponse = { entries: [] }
    for (const { key, object } of entries) {
      const merged = object ? await this.#repair(key, object) : this.#options.replica.read(key)
      answer.entries.push({ key, object: isEmptyObject(merged) ? null : merged })
    }
    return answer
  }

  /** Merges a peer's state; counts the key when this node's state changed (on either side of an exchange). */
  async #repair(key: string, object: VersionedObject): Promise<VersionedObject> {
    const { object: merged, changed } = await this.#options.replica.mergeIn(key, object)
    if (changed) this.#options.stats.add('antiEntropyKeysRepaired')
    return merged
  }

  #call<T>(peer: string, path: string, body: unknown): Promise<T> {
    return this.#options.peers.expectOk<T>(peer, { method: 'POST', path, body, timeoutMs: this.#options.timeoutMs })
  }
}
