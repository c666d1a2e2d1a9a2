/**
 * `sequential`: one total order of the writes of each key, given by the key's sequencer,
 * its first home replica on the ring (fixed: every node computes the same one, so no two
 * nodes can order the same key).
 *
 * - Write: the node the client is attached to sends it to the key's sequencer, which gives
 *   it the next sequence number of the key (one above the last, in the same durable
 *   transaction as the write: a sequencer that restarts goes on from where it was), stores
 *   it and pushes it to the other home replicas without waiting. The attached node applies
 *   the ordered write to its own replica before answering, so the client reads it next.
 * - Read: the attached node's own replica, with no message at all.
 *
 * Replicas merge a key by sequence number (`register.ts`), so each applies the key's
 * writes in the sequencer's order (skipping ahead, never back); a replica a push missed is
 * brought up to date by the next push, or by anti-entropy. Writes need the key's sequencer:
 * while it is down or cut off from the client's node they are refused (503); reads never
 * need another node.
 *
 * Why a sequencer rather than total-order broadcast with Lamport clocks (BESPOKV): a
 * broadcast delivers a write only once every replica has been heard from with a later
 * clock, so one slow, paused or cut-off replica stops every write of the cluster; a
 * per-key sequencer stops only the writes of the keys it orders, costs one round trip
 * instead of a round of all replicas, and makes durable order a counter on one disk.
 */
import type { ReadResult, WriteOutcome } from '../../coordinator.ts'
import { ApiError } from '../../errors.ts'
import { PeerError } from '../../peers.ts'
import type { LocalWrite, Replica } from '../../replica.ts'
import type { VersionedObject } from '../../versioning.ts'
import { registerAfter, tagOf, type Register } from '../register.ts'

/** A write as the sequencer receives it: what to store. */
export type OrderRequest = { value: unknown; deleted: boolean }

/** How the sequential mode reaches other nodes (a fake in tests). */
export type SequencerLink = {
  /** Has `sequencer` order the write; resolves to the state it left. */
  order(sequencer: string, key: string, write: OrderRequest): Promise<VersionedObject>
  /** Merges an ordered state into a home replica's state, durably. */
  push(node: string, key: string, state: VersionedObject): Promise<unknown>
}

export type SequentialOptions = {
  /** This node's id. */
  self: string
  replica: Pick<Replica, 'node' | 'now' | 'read' | 'mergeIn' | 'update'>
  /** The key's home replicas; the first is its sequencer. */
  homes(key: string): string[]
  link: SequencerLink
}

export type SequentialCounts = { ordered: number; sentToSequencer: number; pushes: number; pushFailures: number; unavailable: number }

export class Sequential {
  readonly counts: SequentialCounts = { ordered: 0, sentToSequencer: 0, pushes: 0, pushFailures: 0, unavailable: 0 }
  #options: SequentialOptions

  constructor(options: SequentialOptions) {
    this.#options = options
  }

  /** The node that orders the key's writes. */
  sequencerOf(key: string): string {
    return this.#options.homes(key)[0]
  }

  /** This node's own state of the key: no other node is asked. */
  read(key: string): ReadResult {
    return { object: this.#options.replica.read(key), replies: 1 }
  }

  /** Has the key's sequencer order the write, applies the ordered state here, and resolves. */
  async write(key: string, write: LocalWrite): Promise<WriteOutcome> {
    const { self, replica, link } = this.#options
    const sequencer = this.sequencerOf(key)
    const request = { value: write.value, deleted: write.deleted }
    if (sequencer === self) {
      const state = await this.order(key, request)
      return { sibling: state.siblings[0], context: state.context, acks: 1 }
    }
    this.counts.sentToSequencer++
    let state: VersionedObject
    try {
      state = await link.order(sequencer, key, request)
    } catch (error) {
      throw this.#unavailable(sequencer, error)
    }
    await replica.mergeIn(key, state)
    return { sibling: state.siblings[0], context: state.context, acks: 2 }
  }

  /**
   * At the key's sequencer: gives the write the key's next sequence number, stores it
   * durably, pushes it to the other home replicas (not waited for) and resolves to the
   * state it left. A node that is not the key's sequencer refuses (409).
   */
  async order(key: string, write: OrderRequest): Promise<Register> {
    const { self, replica, homes, link } = this.#options
    if (this.sequencerOf(key) !== self) {
      throw new ApiError(409, 'bad_request', `${self} is not the sequencer of ${JSON.stringify(key)} (${this.sequencerOf(key)} is)`)
    }
    const state = await replica.update(key, (current, nextCounter) => {
      const next = registerAfter({
        value: write.value,
        deleted: write.deleted,
        dot: { node: replica.node, counter: nextCounter() },
        n: (tagOf(current)?.n ?? 0) + 1,
        after: current.context,
        ts: replica.now(),
      })
      return { store: next, result: next }
    })
    this.counts.ordered++
    for (const node of homes(key).filter((n) => n !== self)) {
      this.counts.pushes++
      link.push(node, key, state).catch(() => this.counts.pushFailures++)
    }
    return state
  }

  #unavailable(sequencer: string, error: unknown): ApiError {
    if (error instanceof ApiError) return error
    this.counts.unavailable++
    const maybe = !(error instanceof PeerError) || error.maybeDelivered ? ': the write may have been ordered' : ''
    return new ApiError(
      503,
      'sequencer_unavailable',
      `the key's sequencer ${sequencer} did not order the write (${(error as Error).message})${maybe}`,
    )
  }
}
