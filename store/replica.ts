/**
 * A node's own copy of the keys it replicates: local reads, writes it coordinates and
 * states merged in from other replicas, each applied under the cluster's versioning mode.
 */
import type { Storage } from './storage.ts'
import { applyWrite, emptyObject, merge, isEmptyObject, sameState, type VersionedObject, type WriteResult } from './versioning.ts'
import type { CausalContext, VersioningMode } from '../common/contracts/causal.ts'

export type LocalWrite = {
  context: CausalContext
  value: unknown
  deleted: boolean
}

export type ReplicaOptions = {
  node: string
  mode: VersioningMode
  storage: Storage
  /** Wall clock used to stamp writes, ms since the epoch. */
  now?: () => number
  /** Called with each key whose stored state changed, once on disk (keeps the Merkle index current). */
  onChange?: (key: string) => void
  /** How another replica's state combines with this one's; default: the versioning mode's merge. */
  merge?: (current: VersionedObject, incoming: VersionedObject) => VersionedObject
}

/** What {@link Replica.update} runs in its transaction: the key's state and unique counters in, what to store out. */
export type ReplicaChange<T> = (current: VersionedObject, nextCounter: () => number) => { store?: VersionedObject; result: T }

export class Replica {
  readonly node: string
  readonly mode: VersioningMode
  #storage: Storage
  #now: () => number
  #onChange: (key: string) => void
  #merge: (current: VersionedObject, incoming: VersionedObject) => VersionedObject

  constructor({ node, mode, storage, now = Date.now, onChange = () => {}, merge: mergeStates }: ReplicaOptions) {
    this.node = node
    this.mode = mode
    this.#storage = storage
    this.#now = now
    this.#onChange = onChange
    this.#merge = mergeStates ?? ((current, incoming) => merge(mode, current, incoming))
  }

  /** Wall-clock time this node stamps writes with, ms since the epoch. */
  now(): number {
    return this.#now()
  }

  read(key: string): VersionedObject {
    return this.#storage.get(key) ?? emptyObject()
  }

  /** Applies a write this node coordinates; resolves once it is durable. */
  async write(key: string, write: LocalWrite): Promise<WriteResult> {
    const ts = this.#now()
    const result = await this.#storage.update(key, (current, nextCounter) => {
      const applied = applyWrite(this.mode, current ?? emptyObject(), { node: this.node, counter: nextCounter(), ts, ...write })
      return { store: applied.object, result: applied }
    })
    this.#onChange(key)
    return result
  }

  /**
   * Merges another replica's state of the key into this one, durably. Resolves to the
   * merged state and whether anything here changed.
   */
  async mergeIn(key: string, incoming: VersionedObject): Promise<{ object: VersionedObject; changed: boolean }> {
    const result = await this.#storage.update(key, (current) => {
      const before = current ?? emptyObject()
      const object = this.#merge(before, incoming)
      const changed = current === undefined ? !isEmptyObject(object) : !sameState(before, object)
      return { store: changed ? object : undefined, result: { object, changed } }
    })
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
}
