/**
 * A node's own copy of the keys it replicates: local reads, writes it coordinates and
 * states merged in from other replicas, each applied under the cluster's versioning mode.
 */
import { ApiError, badContext } from './errors.ts'
import type { Storage } from './storage.ts'
import {
  applyWrite,
  emptyObject,
  highestClaim,
  merge,
  isEmptyObject,
  sameState,
  type Sibling,
  type VersionedObject,
  type WriteResult,
} from './versioning.ts'
import type { CausalContext, VersioningMode } from '../common/contracts/causal.ts'

export type LocalWrite = {
  context: CausalContext
  value: unknown
  deleted: boolean
}

export type ReplicaOptions = {
  /** The actor this node issues dots under (`<node>.<incarnation>`). */
  node: string
  mode: VersioningMode
  storage: Storage
  /** Wall clock used to stamp writes, ms since the epoch. */
  now?: () => number
  /** Called with each key whose stored state changed, once on disk (keeps the Merkle index current). */
  onChange?: (key: string) => void
  /** How another replica's state combines with this one's; default: the versioning mode's merge. */
  merge?: (current: VersionedObject, incoming: VersionedObject) => VersionedObject
  /** What a write this node coordinates may leave on its key; default: no limits. */
  limits?: WriteLimits
}

/** What {@link Replica.update} runs in its transaction: the key's state and unique counters in, what to store out. */
export type ReplicaChange<T> = (current: VersionedObject, nextCounter: () => number) => { store?: VersionedObject; result: T }

/** A coordinated write as its transaction applied it, not yet on disk. */
export type AppliedWrite = WriteResult & {
  /**
   * Whether its dot lies in a counter reservation already on disk: only then may the
   * write leave the node before its own commit (a crash before that commit restarts
   * above the reservation, so the dot is never issued again). About one write in a
   * thousand takes a new reservation and must wait for its commit.
   */
  releasable: boolean
}

/** A state merged in: the merged state, and whether anything here changed. */
export type MergeResult = { object: VersionedObject; changed: boolean }

/** Bounds on what a coordinated write may leave on its key (see `NodeConfig`). */
export type WriteLimits = { maxSiblings: number; maxObjectBytes: number }

/** Why a write was refused: it would grow its key past a limit. */
type Refusal = { limit: 'siblings' | 'bytes'; would: number }

export class Replica {
  readonly node: string
  readonly mode: VersioningMode
  #storage: Storage
  #now: () => number
  #onChange: (key: string) => void
  #merge: (current: VersionedObject, incoming: VersionedObject) => VersionedObject
  #limits: WriteLimits

  constructor({ node, mode, storage, now = Date.now, onChange = () => {}, merge: mergeStates, limits = NO_LIMITS }: ReplicaOptions) {
    this.node = node
    this.mode = mode
    this.#storage = storage
    this.#now = now
    this.#onChange = onChange
    this.#limits = limits
    this.#merge = mergeStates ?? ((current, incoming) => merge(mode, current, incoming))
  }

  /** Wall-clock time this node stamps writes with, ms since the epoch. */
  now(): number {
    return this.#now()
  }

  read(key: string): VersionedObject {
    return this.#storage.get(key) ?? emptyObject()
  }

  /**
   * Applies a write this node coordinates; resolves once it is durable. A context
   * claiming dots of this node beyond what it issued is a 400 `bad_context`, and a write
   * that would grow its key past a limit a 409 `too_many_siblings` or a 413 `too_large`:
   * either changes nothing.
   *
   * `onApplied` is called with the write's result as soon as its transaction has applied
   * it, before the commit is on disk (never for a refused write), so the coordinator can
   * replicate while the commit is flushed; `releasable` says whether its dot may already
   * leave the node (see {@link AppliedWrite}).
   */
  async write(key: string, write: LocalWrite, onApplied?: (applied: AppliedWrite) => void): Promise<WriteResult> {
    const unissued = this.#unissued(write.context, [], 'the context')
    if (unissued) throw unissued
    const ts = this.#now()
    const result = await this.#storage.update<WriteResult | Refusal>(key, (current, nextCounter) => {
      const before = current ?? emptyObject()
      const counter = nextCounter()
      const applied = applyWrite(this.mode, before, { node: this.node, counter, ts, ...write })
      const refusal = this.#overLimit(before, applied.object)
      if (refusal) return { result: refusal }
      onApplied?.({ ...applied, releasable: counter <= this.#storage.reserved })
      return { store: applied.object, result: applied }
    })
    if ('limit' in result) throw limitError(result, this.#limits)
    this.#onChange(key)
    return result
  }

  /**
   * Merges another replica's state of the key into this one, durably. Resolves to the
   * merged state and whether anything here changed.
   */
  async mergeIn(key: string, incoming: VersionedObject): Promise<MergeResult> {
    const refusal = this.#refusal(incoming, key)
    if (refusal) throw refusal
    const result = await this.#storage.update(key, (current) => this.#merged(current, incoming))
    if (result.changed) this.#onChange(key)
    return result
  }

  /**
   * Runs `change` on the key's state in one durable transaction, for the consistency modes
   * that order writes themselves; resolves once it is on disk. Writes that `change` makes to
   * other tables of the same storage commit with it.
   */
  async update<T>(key: string, change: ReplicaChange<T>): Promise<T> {
    let stored = false
    const result = await this.#storage.update(key, (current, nextCounter) => {
      const outcome = change(current ?? emptyObject(), nextCounter)
      stored = outcome.store !== undefined
      return outcome
    })
    if (stored) this.#onChange(key)
    return result
  }

  /**
   * {@link mergeIn} for many states in one transaction: one log record and one wait for
   * its flush instead of one each. They merge in order, so a key given twice merges both.
   * Resolves to each entry's result, or to the error that refused it (a state claiming
   * dots of this node never issued), which changes nothing.
   */
  async mergeMany(entries: readonly { key: string; object: VersionedObject }[]): Promise<Array<MergeResult | ApiError>> {
    const refusals = entries.map(({ key, object }) => this.#refusal(object, key))
    const accepted = entries.filter((_, i) => refusals[i] === undefined)
    const merged = await this.#storage.updateMany(
      accepted.map(({ key }) => key),
      (_, current, i) => this.#merged(current, accepted[i].object),
    )
    const changed = new Set(accepted.filter((_, i) => merged[i].changed).map(({ key }) => key))
    for (const key of changed) this.#onChange(key)
    let next = 0
    return refusals.map((refusal) => refusal ?? merged[next++])
  }

  #merged(current: VersionedObject | undefined, incoming: VersionedObject): { store?: VersionedObject; result: MergeResult } {
    const before = current ?? emptyObject()
    const object = this.#merge(before, incoming)
    const changed = current === undefined ? !isEmptyObject(object) : !sameState(before, object)
    return { store: changed ? object : undefined, result: { object, changed } }
  }

  /** A write may not grow its key past a limit; one that does not grow it (a resolution) always passes. */
  #overLimit(before: VersionedObject, after: VersionedObject): Refusal | undefined {
    const { maxSiblings, maxObjectBytes } = this.#limits
    if (after.siblings.length > maxSiblings && after.siblings.length > before.siblings.length) {
      return { limit: 'siblings', would: after.siblings.length }
    }
    if (maxObjectBytes === Number.POSITIVE_INFINITY) return undefined
    const bytes = objectBytes(after)
    if (bytes > maxObjectBytes && bytes > objectBytes(before)) return { limit: 'bytes', would: bytes }
    return undefined
  }

  /**
   * Dots of this node are issued here only: a context or state claiming one beyond the
   * last issued was forged (it would make every later write of the key invisible). `vv`
   * derives counters from the writer's clock instead, so it has nothing to check. The
   * error refusing one, or undefined.
   */
  #unissued(context: CausalContext, siblings: readonly Sibling[], what: string): ApiError | undefined {
    if (this.mode === 'vv') return undefined
    const claimed = highestClaim(this.node, context, siblings)
    if (claimed <= this.#storage.issued) return undefined
    return badContext(`${what} claims dot ${this.node}:${claimed}, which ${this.node} never issued (it issued ${this.#storage.issued})`)
  }

  /** Why another replica's state of `key` is refused, if it is (see {@link #unissued}). */
  #refusal(incoming: VersionedObject, key: string): ApiError | undefined {
    return this.#unissued(incoming.context, incoming.siblings, `the state of ${JSON.stringify(key)}`)
  }
}

const NO_LIMITS: WriteLimits = { maxSiblings: Number.POSITIVE_INFINITY, maxObjectBytes: Number.POSITIVE_INFINITY }

/** An object's size as JSON, bytes: what the limit counts (and about what it takes on disk and on the wire). */
const objectBytes = (object: VersionedObject): number => Buffer.byteLength(JSON.stringify(object))

function limitError({ limit, would }: Refusal, limits: WriteLimits): ApiError {
  if (limit === 'siblings') {
    return new ApiError(
      409,
      'too_many_siblings',
      `the write would leave ${would} siblings on the key, over the limit of ${limits.maxSiblings}: read the key, resolve its values and write with the read's context`,
    )
  }
  return new ApiError(
    413,
    'too_large',
    `the write would make the key's object ${would} bytes, over the limit of ${limits.maxObjectBytes} bytes`,
  )
}
