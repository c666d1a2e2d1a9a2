/**
 * `linearizable`: an atomic register per key over strict majorities of the key's home
 * replicas, by the multi-writer ABD algorithm (Attiya, Bar-Noy and Dolev; Lynch and
 * Shvartsman's multi-writer form).
 *
 * - Write: ask every home replica for its state and wait for a majority; the write's tag is
 *   one above the highest `n` among them (its dot breaks ties between writers); store the
 *   new state here, then at the other home replicas, and answer after a majority stored it.
 * - Read: ask every home replica and wait for a majority; keep the highest tag. If every
 *   replica of that majority already holds it, answer; otherwise write it back until a
 *   majority holds it, then answer, so no later read can return an older value.
 *
 * Only home replicas count, and only a strict majority of them: without one, a read or a
 * write is a 503 (a write whose second phase fell short may still take effect later).
 * Replicas combine states by tag (`register.ts`), so a late or repeated message never moves
 * a replica back. A delete is a write of a tombstone.
 */
import type { Dot } from '../../../common/contracts/causal.ts'
import type { ReadResult, WriteOutcome } from '../../coordinator.ts'
import { ApiError } from '../../errors.ts'
import { awaitQuorum } from '../../quorum.ts'
import type { LocalWrite } from '../../replica.ts'
import { emptyObject, type VersionedObject } from '../../versioning.ts'
import { compareTags, joinContexts, mergeRegisters, registerAfter, tagOf, type Register } from '../register.ts'

/** How ABD reaches the key's home replicas: this node's own, and its peers through the peer links (a fake in tests). */
export type RegisterReplicas = {
  /** This node's id. */
  self: string
  /** The key's home replicas. */
  homes(key: string): string[]
  /** A replica's state of the key (this node's own when `node` is `self`). */
  read(node: string, key: string): Promise<VersionedObject>
  /** Merges `state` into a replica's state of the key, durably (this node's own when `node` is `self`). */
  store(node: string, key: string, state: VersionedObject): Promise<void>
  /**
   * Orders a write here: gives it a new dot from this node's counter, builds its state
   * with `build` from this node's own state of the key, merges that in durably, and
   * resolves to it.
   */
  issue(key: string, build: (dot: Dot, ts: number, local: VersionedObject) => Register): Promise<Register>
}

type Reply = { node: string; state: VersionedObject }

/** What one ABD operation cost, for `/admin/consistency`. */
export type AbdCounts = { reads: number; writes: number; writeBacks: number; writeBacksSkipped: number; unavailable: number }

export class Abd {
  readonly counts: AbdCounts = { reads: 0, writes: 0, writeBacks: 0, writeBacksSkipped: 0, unavailable: 0 }
  #replicas: RegisterReplicas

  constructor(replicas: RegisterReplicas) {
    this.#replicas = replicas
  }

  /** Reads from a majority, writing the highest state back first when the majority disagrees. */
  async read(key: string): Promise<ReadResult> {
    this.counts.reads++
    const homes = this.#replicas.homes(key)
    const replies = await this.#collect(key, homes, 'read')
    const merged = replies.reduce<VersionedObject>((acc, reply) => mergeRegisters(acc, reply.state), emptyObject())
    const highest = tagOf(merged)
    const holding = replies.filter((reply) => compareTags(tagOf(reply.state), highest) === 0).map((reply) => reply.node)
    if (holding.length === replies.length) {
      this.counts.writeBacksSkipped++
      return { object: merged, replies: replies.length }
    }
    this.counts.writeBacks++
    await this.#storeAtMajority(key, homes, merged, holding, 'read')
    return { object: merged, replies: replies.length }
  }

  /** Writes with a tag above every tag a majority holds, and answers once a majority stored it. */
  async write(key: string, write: LocalWrite): Promise<WriteOutcome> {
    this.counts.writes++
    const homes = this.#replicas.homes(key)
    if (!homes.includes(this.#replicas.self))
      throw new Error(`${this.#replicas.self} coordinates a write to ${key} but is not one of its home replicas`)
    const replies = await this.#collect(key, homes, 'write')
    const seen = replies.reduce<VersionedObject>((acc, reply) => mergeRegisters(acc, reply.state), emptyObject())
    // Above this node's own state too: its earlier writes of the key are all there, so each
    // node's writes of a key get increasing tags (what lets contexts be clocks: register.ts).
    const state = await this.#replicas.issue(key, (dot, ts, local) => {
      const n = Math.max(tagOf(seen)?.n ?? 0, tagOf(local)?.n ?? 0) + 1
      return registerAfter({ value: write.value, deleted: write.deleted, dot, n, after: joinContexts(seen.context, local.context), ts })
    })
    const acks = await this.#storeAtMajority(key, homes, state, [this.#replicas.self], 'write')
    return { sibling: state.siblings[0], context: state.context, acks }
  }

  /** The states of a majority of the home replicas (more when they answer together). */
  async #collect(key: string, homes: string[], op: 'read' | 'write'): Promise<Reply[]> {
    const calls = homes.map(async (node): Promise<Reply> => ({ node, state: await this.#replicas.read(node, key) }))
    const { reached, results } = await awaitQuorum([], calls, majority(homes)).outcome
    if (!reached) throw this.#unavailable(op, 'phase 1 (reading the highest tag)', homes, results.length)
    return results
  }

  /** Stores `state` at the home replicas not in `holding` until a majority holds it; resolves to how many do. */
  async #storeAtMajority(key: string, homes: string[], state: VersionedObject, holding: string[], op: 'read' | 'write'): Promise<number> {
    const calls = homes
      .filter((node) => !holding.includes(node))
      .map(async (node) => {
        await this.#replicas.store(node, key, state)
        return node
      })
    const { reached, results } = await awaitQuorum(holding, calls, majority(homes)).outcome
    if (!reached) {
      const phase = op === 'read' ? 'the write-back' : 'phase 2 (storing the new tag): the write may still take effect'
      throw this.#unavailable(op, phase, homes, results.length)
    }
    return results.length
  }

  #unavailable(op: 'read' | 'write', phase: string, homes: string[], got: number): ApiError {
    this.counts.unavailable++
    const required = majority(homes)
    return new ApiError(
      503,
      'quorum_unavailable',
      `linearizable ${op} needs a majority (${required} of ${homes.length}) of the key's home replicas; ${phase} reached ${got}`,
      { required, acks: got },
    )
  }
}

/** A strict majority of the home replicas. */
export const majority = (homes: readonly string[]): number => Math.floor(homes.length / 2) + 1
