/**
 * Anti-entropy: every interval, pick a random live peer and reconcile every ring arc
 * both replicate. Roots are compared first; only subtrees whose hashes differ are walked,
 * level by level (one round trip per level for all arcs); the keys under differing
 * leaves are listed a page of leaves at a time, and the keys whose digests differ are
 * exchanged, both ways, in chunks of bounded keys and bytes, each merged in one
 * transaction on either side. A round starts no call after its deadline: what it did
 * not reach, the next round finds (the roots still differ).
 */
import type { MerkleKeysRequest, MerkleKeysResponse, MerkleNodesRequest, MerkleNodesResponse, SyncRequest, SyncResponse } from './api.ts'
import { ApiError } from './errors.ts'
import type { Membership } from './membership.ts'
import { MERKLE_DEPTH, type MerkleIndex, type TreeNode } from './merkle.ts'
import { mutant, SKIPPED_LEAF } from './mutants.ts'
import type { PeerClient } from './peers.ts'
import type { Replica } from './replica.ts'
import type { Ring } from './ring.ts'
import type { Stats } from './stats.ts'
import { isEmptyObject, isVersionedObject, type VersionedObject } from './versioning.ts'

/** Keys exchanged in one sync call at most. */
export const SYNC_CHUNK_KEYS = 500
/** A sync chunk is closed once its states reach this size (JSON), bytes. */
const SYNC_CHUNK_BYTES = 4 * 1024 * 1024
/** Leaves whose keys are listed in one call at most. */
const LEAVES_PER_CALL = 256

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
  /** A round starts no sync call after this long (so it ends within it plus one call's `timeoutMs`), ms. */
  roundDeadlineMs: number
  /** Deadline of each call to the peer, ms. */
  timeoutMs: number
}

export type SyncOutcome = {
  peer: string
  arcs: number
  differingArcs: number
  /** Keys sent and merged back, over every chunk. */
  keysExchanged: number
  /** Sync calls made. */
  chunks: number
  /** Most keys in one sync call, and the limit. */
  chunkKeys: number
  chunkLimit: number
  /** How long the round took, and its deadline, ms. */
  durationMs: number
  deadlineMs: number
  /** False when the deadline stopped the round before every differing key was exchanged. */
  complete: boolean
}

/** When a round started and when it must start no more calls, ms on the monotonic clock. */
type RoundClock = { started: number; deadline: number }

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
    const { ring, n, stats, roundDeadlineMs } = this.#options
    stats.add('antiEntropyRounds')
    const clock: RoundClock = { started: performance.now(), deadline: performance.now() + roundDeadlineMs }
    const arcs = this.heldArcs().filter((arc) => ring.arcPreferenceList(arc).slice(0, n).includes(peer))
    let differing = await this.#differingNodes(
      peer,
      arcs.map((arc) => ({ arc, level: 0, index: 0 })),
    )
    const differingArcs = new Set(differing.map((d) => d.arc)).size
    for (let level = 1; level <= MERKLE_DEPTH && differing.length > 0; level++) {
      const children = differing.flatMap(({ arc, index }) => [
        { arc, level, index: 2 * index },
        { arc, level, index: 2 * index + 1 },
      ])
      differing = await this.#differingNodes(peer, children)
    }
    if (mutant('anti-entropy-skips-range')) differing = differing.filter((leaf) => leaf.index !== SKIPPED_LEAF)
    const exchange = { keysExchanged: 0, chunks: 0, chunkKeys: 0, complete: true }
    for (let page = 0; page < differing.length && exchange.complete; page += LEAVES_PER_CALL) {
      if (this.#late(clock)) exchange.complete = false
      else await this.#exchangeKeys(peer, await this.#differingKeys(peer, differing.slice(page, page + LEAVES_PER_CALL)), clock, exchange)
    }
    const durationMs = Math.round(performance.now() - clock.started)
    return { peer, arcs: arcs.length, differingArcs, ...exchange, chunkLimit: SYNC_CHUNK_KEYS, durationMs, deadlineMs: roundDeadlineMs }
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

  /** Exchanges `keys` in chunks, each one call and one transaction here; stops at the deadline. */
  async #exchangeKeys(
    peer: string,
    keys: string[],
    clock: RoundClock,
    tally: Omit<SyncOutcome, 'peer' | 'arcs' | 'differingArcs' | 'chunkLimit' | 'durationMs' | 'deadlineMs'>,
  ): Promise<void> {
    for (const entries of this.#chunks(keys)) {
      if (this.#late(clock)) {
        tally.complete = false
        return
      }
      const request: SyncRequest = { entries }
      const answer = await this.#call<SyncResponse>(peer, '/internal/sync', request)
      await this.#repair(answer.entries.filter((e): e is { key: string; object: VersionedObject } => isVersionedObject(e.object)))
      tally.chunks += 1
      tally.keysExchanged += entries.length
      tally.chunkKeys = Math.max(tally.chunkKeys, entries.length)
    }
  }

  /** This node's states of `keys`, in chunks of at most {@link SYNC_CHUNK_KEYS} keys and about {@link SYNC_CHUNK_BYTES}. */
  *#chunks(keys: string[]): Generator<SyncRequest['entries']> {
    let chunk: SyncRequest['entries'] = []
    let bytes = 0
    for (const key of keys) {
      const object = this.#options.replica.read(key)
      const entry = { key, object: isEmptyObject(object) ? null : object }
      chunk.push(entry)
      bytes += entry.object ? JSON.stringify(entry.object).length : 0
      if (chunk.length >= SYNC_CHUNK_KEYS || bytes >= SYNC_CHUNK_BYTES) {
        yield chunk
        chunk = []
        bytes = 0
      }
    }
    if (chunk.length > 0) yield chunk
  }

  #late(clock: RoundClock): boolean {
    return performance.now() >= clock.deadline
  }

  /**
   * The other side of an exchange: merges what the peer sent in one transaction, and
   * answers with this node's merged state of every key, so both converge in one round
   * trip. A state this node refuses (it claims dots of this node never issued) is left
   * out; this node's own state of that key is sent back.
   */
  async answerSync(entries: SyncRequest['entries']): Promise<SyncResponse> {
    const incoming = entries.filter((e): e is { key: string; object: VersionedObject } => e.object !== null)
    const merged = await this.#repair(incoming)
    return {
      entries: entries.map(({ key }) => {
        const object = merged.get(key) ?? this.#options.replica.read(key)
        return { key, object: isEmptyObject(object) ? null : object }
      }),
    }
  }

  /** Merges peers' states in one transaction; counts the keys whose state here changed. */
  async #repair(entries: { key: string; object: VersionedObject }[]): Promise<Map<string, VersionedObject>> {
    const results = await this.#options.replica.mergeMany(entries)
    const merged = new Map<string, VersionedObject>()
    for (const [i, result] of results.entries()) {
      if (result instanceof ApiError) continue
      merged.set(entries[i].key, result.object)
      if (result.changed) this.#options.stats.add('antiEntropyKeysRepaired')
    }
    return merged
  }

  #call<T>(peer: string, path: string, body: unknown): Promise<T> {
    return this.#options.peers.expectOk<T>(peer, { method: 'POST', path, body, timeoutMs: this.#options.timeoutMs })
  }
}
