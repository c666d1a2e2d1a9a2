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
}

export class Replica {
  readonly node: string
  readonly mode: VersioningMode
  #storage: Storage
  #now: () => number
  #onChange: (key: string) => void

  constructor({ node, mode, storage, now = Date.now, onChange = () => {} }: ReplicaOptions) {
    this.node = node
    this.mode = mode
    this.#storage = storage
    this.#now = now
    this.#onChange = onChange
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
      const object = merge(this.mode, before, incoming)
      const changed = current === undefined ? !isEmptyObject(object) : !sameState(before, object)
      return { store: changed ? object : undefined, result: { object, changed } }
    })
    if (result.changed) this.#onChange(key)
    return result
  }
}
