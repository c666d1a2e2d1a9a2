/**
 * Coordination of client reads and writes on the key's home replicas.
 *
 * A write gets its dot here and is stored locally; it is replicated in parallel while the
 * local commit is flushed, and answered after W durable acks and this node's own commit.
 * With sloppy quorums, a home replica that is believed down or does not answer in time is
 * replaced by the next live node of the preference list, which holds the write as a hint
 * for it; if there is no such node, this node keeps the hint itself (it adds no ack).
 *
 * Replicating before the local commit is on disk is safe under these rules:
 * - The dot must lie in a counter reservation already on disk (`Storage.reserved`): a
 *   node killed before its commit restarts under the same incarnation above that
 *   reservation, so it never issues a dot a peer already holds. A write that takes a new
 *   reservation (one in a thousand) waits for its commit before it is sent.
 * - Only a write the transaction applied is sent: a refused one (bad context, a limit) is
 *   never handed over.
 * - The answer waits for this node's commit whatever the peers say: an acknowledged write
 *   is durable here, so this node holds every acknowledged dot it issued and its later
 *   writes never cover one without holding it. A commit that fails after the write was
 *   sent is a 500 saying the write may have happened. Such a write (or one sent before a
 *   kill -9 that lost its commit) was never acknowledged; this node's next write of the
 *   key covers its dot without holding it and so may discard it, which no promise forbids
 *   for an unacknowledged write.
 *
 * A read asks every live home replica and answers with the merge of the first R
 * replies; read repair then sends the merge of all replies to the replicas that
 * answered stale or not at all.
 */
import { FORWARDED_HEADER } from './api.ts'
import type { NodeConfig } from './config.ts'
import { ApiError, HomesUnreachable } from './errors.ts'
import type { HintedHandoff } from './hinted-handoff.ts'
import type { Membership } from './membership.ts'
import { cachedRead, cacheRead, mutant, oldestState } from './mutants.ts'
import type { PeerBatcher } from './peer-batcher.ts'
import { PeerError, type PeerClient, type PeerRequest, type PeerResponse } from './peers.ts'
import { awaitQuorum } from './quorum.ts'
import type { AppliedWrite, LocalWrite, Replica } from './replica.ts'
import type { Ring } from './ring.ts'
import type { Stats } from './stats.ts'
import type { WarsRecorder } from './wars.ts'
import { mergeStates, sameState, type Sibling, type VersionedObject, type WriteResult } from './versioning.ts'
import type { CausalContext } from '../common/contracts/causal.ts'
import { monotonicMs } from '../common/contracts/wars.ts'

export type CoordinatorOptions = {
  config: NodeConfig
  ring: Ring
  /** This node's replica: every read and write is served here first. */
  replica: Replica
  /** Carries forwarded client requests to a home replica (a fake in tests). */
  peers: Pick<PeerClient, 'request'>
  /** Carries replica reads, merges and hints to peers, batched. */
  batcher: PeerBatcher
  /** The failure detector's view: peers believed down are skipped, or asked last. */
  membership: Pick<Membership, 'isUp'>
  /** Holds hints for home replicas a write missed. */
  handoff: HintedHandoff
  stats: Stats
  /** Times this node's own commit of the writes it coordinates (PBS); none in tests that do not ask. */
  wars?: Pick<WarsRecorder, 'commit'>
}

export type ReadResult = { object: VersionedObject; replies: number }

export type WriteOutcome = {
  sibling: Sibling
  /** What the writer has now seen: its context plus this write. */
  context: CausalContext
  acks: number
}

type ReplicaReply = { node: string; object: VersionedObject }

class PeerDown extends Error {
  constructor(peer: string) {
    super(`${peer} is believed down`)
  }
}

/**
 * Coordinates the client requests a node takes for keys it is a home replica of, and
 * forwards the others. Quorums are counted in replies (reads, this node's own included)
 * and durable acks (writes, this node's own included); each replica call waits at most
 * `config.replicaTimeoutMs` milliseconds, and a forwarded request three times that plus
 * one second.
 */
export class Coordinator {
  #config: NodeConfig
  #ring: Ring
  #replica: Replica
  #peers: Pick<PeerClient, 'request'>
  #batcher: PeerBatcher
  #membership: Pick<Membership, 'isUp'>
  #handoff: HintedHandoff
  #stats: Stats
  #wars: Pick<WarsRecorder, 'commit'> | undefined

  constructor({ config, ring, replica, peers, batcher, membership, handoff, stats, wars }: CoordinatorOptions) {
    this.#config = config
    this.#ring = ring
    this.#replica = replica
    this.#peers = peers
    this.#batcher = batcher
    this.#membership = membership
    this.#handoff = handoff
    this.#stats = stats
    this.#wars = wars
  }

  /** The key's home replicas: the first N nodes of its preference list. */
  homeReplicas(key: string): string[] {
    return this.#ring.homeReplicas(key, this.#config.n)
  }

  /** Whether this node is one of the key's home replicas. */
  isHome(key: string): boolean {
    return this.homeReplicas(key).includes(this.#config.id)
  }

  /**
   * Reads the key from every live home replica and answers with the merge of the first
   * `r` replies (this node's own is one). Throws a 503 {@link ApiError} when fewer than
   * `r` replicas answer within the replica timeout.
   */
  async read(key: string, r: number): Promise<ReadResult> {
    this.#stats.add('reads')
    const cached = mutant('cached-reads') ? cachedRead<ReadResult>(key) : undefined
    if (cached) return cached
    const home = this.homeReplicas(key)
    const local: ReplicaReply = { node: this.#config.id, object: this.#replica.read(key) }
    const calls = this.#others(home).map((peer) => this.#ifUp(peer, () => this.#readFrom(peer, key)))
    const quorum = awaitQuorum([local], calls, mutant('read-first-reply') ? 1 : r)
    if (this.#config.readRepair) {
      // Repair is best effort; a replica it could not reach is anti-entropy's to fix.
      void quorum.settled.then(({ results }) => this.#repair(key, home, results)).catch(() => this.#stats.add('replicaErrors'))
    }
    const { reached, results } = await quorum.outcome
    if (!reached) throw quorumError('read', r, (await quorum.settled).results.length)
    const result = { object: this.#mergeAll(results), replies: results.length }
    if (mutant('cached-reads')) cacheRead(key, result)
    return result
  }

  /**
   * Stores the write here (durably, with a new dot), replicates it to the other home
   * replicas (or, with sloppy quorums, to fallbacks holding it as a hint) while the local
   * commit is flushed, and answers after `w` durable acks, this node's included, and
   * never before this node's own commit. Throws a 503 {@link ApiError} when fewer arrive,
   * and a 500 one when the local commit fails after the write was sent: either way the
   * write may still have happened.
   *
   * A node that is not a home replica of the key coordinates a write only when no home
   * could take it (sloppy quorum, see {@link forward}): it keeps the write as it would as
   * a home (it must hold every dot it issues for the key) and holds it as a hint for every
   * home replica, so its own ack is handed off like a fallback's.
   */
  async write(key: string, write: LocalWrite, w: number): Promise<WriteOutcome> {
    this.#stats.add('writes')
    const { applied, durable } = await this.#writeLocally(key, write)
    const { object, sibling, context } = applied
    const home = this.homeReplicas(key)
    const holdsHints = !home.includes(this.#config.id)
    const hinted = holdsHints ? Promise.all(home.map((owner) => this.#handoff.store(owner, key, object))) : undefined
    const fallbacks = this.#config.strict
      ? []
      : this.#ring
          .preferenceList(key)
          .slice(this.#config.n)
          .filter((node) => node !== this.#config.id)
    const calls = this.#others(home).map((owner) =>
      this.#ifUp(owner, () =>
        mutant('skip-replication') && sibling.dot.counter % 4 === 0 ? Promise.resolve(owner) : this.#replicateTo(owner, key, object, true),
      ).catch((error: unknown) =>
        this.#config.strict ? Promise.reject(error) : this.#writeElsewhere(owner, key, object, fallbacks, holdsHints),
      ),
    )
    // This node's ack: its commit (and the hints it holds) on disk.
    const local = Promise.all([durable, hinted]).then(
      () => this.#config.id,
      (error: unknown) => Promise.reject(uncommitted(this.#config.id, error)),
    )
    const quorum = awaitQuorum([], [local, ...calls], mutant('ack-local-only') ? 1 : w)
    const { reached, results } = await quorum.outcome
    if (!reached) throw quorumError('write', w, (await quorum.settled).results.length)
    await local
    return { sibling, context, acks: results.length + (results.includes(this.#config.id) ? 0 : 1) }
  }

  /**
   * Starts the local write and resolves once it may be replicated: as soon as its
   * transaction applied it when its dot is releasable, else once it is on disk. A write
   * refused, or whose commit fails before it may leave, rejects here: it was sent nowhere.
   * `durable` settles with the commit.
   */
  async #writeLocally(key: string, write: LocalWrite): Promise<{ applied: WriteResult; durable: Promise<unknown> }> {
    let announce: (applied: AppliedWrite) => void = () => {}
    const early = new Promise<AppliedWrite>((resolve) => {
      announce = (applied) => {
        if (applied.releasable) resolve(applied)
      }
    })
    const durable = this.#replica.write(key, write, announce).catch((error: unknown) => {
      if (error instanceof ApiError && error.code === 'too_many_siblings') this.#stats.add('siblingLimitRefusals')
      if (error instanceof ApiError && error.code === 'too_large') this.#stats.add('objectSizeRefusals')
      throw error
    })
    // Storage applies the write when called and resolves once it is on disk: the time between is this node's commit.
    const wars = this.#wars
    if (wars) {
      const appliedMs = monotonicMs()
      void durable.then(
        () => wars.commit(appliedMs, monotonicMs()),
        () => {},
      )
    }
    const applied = await Promise.race([early, durable])
    return { applied, durable }
  }

  /**
   * Sends a client request to a home replica of the key and returns its answer as is: any
   * node takes any request, at the cost of one extra hop. Each call waits at most
   * `3 * config.replicaTimeoutMs + 1000` milliseconds (the home may itself wait a full
   * replica timeout, twice with a fallback).
   *
   * A GET goes to the home replicas believed up first, and on to the next whenever one
   * fails or has not answered within `config.readHedgeMs` (the first answer wins), so a
   * paused home costs a read that much, not a timeout. A PUT or DELETE goes on to the
   * next home only when it certainly never reached the last (connection refused): one that
   * may have arrived (dropped after sending: 503; no answer in time: 504) may have
   * happened, and sending it again would make one write two. Homes believed down are not
   * tried for writes (with `strict`, they are, last); when no home could take the write,
   * {@link HomesUnreachable} says the node may coordinate it with a sloppy quorum.
   */
  async forward(key: string, call: Omit<PeerRequest, 'timeoutMs' | 'headers'>): Promise<PeerResponse<unknown>> {
    this.#stats.add('forwards')
    const request: PeerRequest = {
      ...call,
      timeoutMs: 3 * this.#config.replicaTimeoutMs + 1000,
      headers: { [FORWARDED_HEADER]: this.#config.id },
    }
    const home = this.homeReplicas(key)
    const up = home.filter((n) => this.#membership.isUp(n))
    const down = home.filter((n) => !this.#membership.isUp(n))
    if (call.method === 'GET') return this.#hedgedRead([...up, ...down], request)
    return this.#forwardWrite(this.#config.strict ? [...up, ...down] : up, request)
  }

  async #forwardWrite(homes: string[], request: PeerRequest): Promise<PeerResponse<unknown>> {
    for (const node of homes) {
      try {
        return await this.#peers.request(node, request)
      } catch (error) {
        if (!(error instanceof PeerError) || error.kind === 'protocol') throw error
        if (error.kind === 'timeout') {
          throw new ApiError(504, 'timeout', `forwarded to ${node}, which did not answer within ${request.timeoutMs} ms`)
        }
        // A write that may have reached a coordinator must not be sent to a second one:
        // it would become two writes with two dots.
        if (error.maybeDelivered) {
          throw new ApiError(503, 'quorum_unavailable', `forwarded to ${node}, which dropped the connection: the write may have happened`, {
            required: 1,
            acks: 0,
          })
        }
      }
    }
    throw new HomesUnreachable()
  }

  /** Sends the read to `homes` in turn, the next one on a failure or after `readHedgeMs`; resolves with the first answer. */
  #hedgedRead(homes: string[], request: PeerRequest): Promise<PeerResponse<unknown>> {
    return new Promise((resolve, reject) => {
      let sent = 0
      let failed = 0
      let timedOut = false
      let done = false
      let hedge: NodeJS.Timeout | undefined
      const finish = (settle: () => void): void => {
        done = true
        clearTimeout(hedge)
        settle()
      }
      const sendNext = (): void => {
        clearTimeout(hedge)
        if (done || sent >= homes.length) return
        const node = homes[sent++]
        if (sent < homes.length) hedge = setTimeout(sendNext, this.#config.readHedgeMs)
        this.#peers.request(node, request).then(
          (answer) => {
            if (!done) finish(() => resolve(answer))
          },
          (error: unknown) => {
            failed += 1
            if (error instanceof PeerError && error.kind === 'timeout') timedOut = true
            if (done) return
            if (failed === homes.length) finish(() => reject(readFailure(timedOut, request.timeoutMs)))
            else sendNext()
          },
        )
      }
      if (homes.length === 0) reject(readFailure(false, request.timeoutMs))
      else sendNext()
    })
  }

  #others(home: string[]): string[] {
    return home.filter((node) => node !== this.#config.id)
  }

  /** Calls `call` unless the failure detector believes `peer` down. */
  #ifUp<T>(peer: string, call: () => Promise<T>): Promise<T> {
    if (this.#membership.isUp(peer)) return call()
    this.#stats.add('skippedDown')
    return Promise.reject(new PeerDown(peer))
  }

  /**
   * Sloppy quorum: a home replica missed the write, so the next live fallback node of
   * the preference list takes it as a hint (and its ack counts). Without one, this node
   * keeps the hint itself (unless it holds it already) and the write has one ack fewer.
   */
  async #writeElsewhere(owner: string, key: string, object: VersionedObject, fallbacks: string[], held: boolean): Promise<string> {
    while (fallbacks.length > 0) {
      const fallback = fallbacks.shift()!
      if (!this.#membership.isUp(fallback)) continue
      try {
        await this.#batcher.hint(fallback, owner, key, object)
        this.#stats.add('sloppyWrites')
        return fallback
      } catch {
        // Try the next fallback.
      }
    }
    if (!held) await this.#handoff.store(owner, key, object)
    throw new Error(`${owner} missed the write; this node holds it as a hint`)
  }

  async #readFrom(peer: string, key: string): Promise<ReplicaReply> {
    return { node: peer, object: await this.#batcher.read(peer, key, true) }
  }

  /** `timed`: a client write's call, whose legs count for PBS (not a repair's). */
  #replicateTo(peer: string, key: string, object: VersionedObject, timed = false): Promise<string> {
    return this.#batcher.merge(peer, key, object, timed).then(() => peer)
  }

  #mergeAll(replies: ReplicaReply[]): VersionedObject {
    return mergeStates(
      this.#replica.mode,
      replies.map((reply) => reply.object),
    )
  }

  /** Read repair: every home replica that answered stale, or not at all, gets the merge. */
  async #repair(key: string, home: string[], replies: ReplicaReply[]): Promise<void> {
    // The common case, every home replica answered the same: nothing to merge or send.
    if (replies.length === home.length && replies.every((r) => sameState(r.object, replies[0].object))) return
    const merged = this.#mergeAll(replies)
    const repair = mutant('read-repair-overwrites') ? { ...oldestState(replies.map((r) => r.object)), context: merged.context } : merged
    for (const node of home) {
      const reply = replies.find((r) => r.node === node)
      if (reply && sameState(reply.object, repair)) continue
      if (node === this.#config.id) {
        await this.#replica.mergeIn(key, repair)
      } else if (this.#membership.isUp(node)) {
        await this.#replicateTo(node, key, repair).catch(() => undefined)
      } else {
        continue
      }
      this.#stats.add('readRepairs')
    }
  }
}

function readFailure(timedOut: boolean, timeoutMs: number): ApiError {
  return timedOut
    ? new ApiError(504, 'timeout', `no home replica of the key answered the forwarded read within ${timeoutMs} ms`)
    : new ApiError(503, 'quorum_unavailable', 'no home replica of the key could be reached', { required: 1, acks: 0 })
}

function quorumError(op: 'read' | 'write', required: number, acks: number): ApiError {
  const what = op === 'read' ? 'replies' : 'durable acks'
  return new ApiError(503, 'quorum_unavailable', `${op} needed ${required} ${what}, got ${acks}`, { required, acks })
}

/** The local commit of a write failed after the write may have left the node: it may have happened. */
function uncommitted(node: string, error: unknown): ApiError {
  if (error instanceof ApiError) return error
  const why = error instanceof Error ? error.message : String(error)
  return new ApiError(
    500,
    'internal',
    `${node} could not commit the write to its disk (${why}) after sending it to other replicas: the write may have happened`,
  )
}
