/**
 * A node's own copy of the keys it replicates: local reads, writes it coordinates and
 * states merged in from other replicas, each applied under the cluster's versioning mode.
 */
import { badContext } from './errors.ts'
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

  /**
   * Applies a write this node coordinates; resolves once it is durable. A context
   * claiming dots of this node beyond what it issued is a 400 `bad_context` and changes
   * nothing.
   */
  async write(key: string, write: LocalWrite): Promise<WriteResult> {
    this.#refuseUnissued(write.context, [], 'the context')
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
    this.#refuseUnissued(incoming.context, incoming.siblings, `the state of ${JSON.stringify(key)}`)
    const result = await this.#storage.update(key, (current) => {
      const before = current ?? emptyObject()
      const object = merge(this.mode, before, incoming)
      const changed = current === undefined ? !isEmptyObject(object) : !sameState(before, object)
      return { store: changed ? object : undefined, result: { object, changed } }
    })
    if (result.changed) this.#onChange(key)
    return result
  }

  /**
   * Dots of this node are issued here only: a context or state claiming one beyond the
   * last issued was forged (it would make every later write of the key invisible). `vv`
   * derives counters from the writer's clock instead, so it has nothing to check.
   */
  #refuseUnissued(context: CausalContext, siblings: readonly Sibling[], what: string): void {
    if (this.mode === 'vv') return
    const claimed = highestClaim(this.node, context, siblings)
    if (claimed > this.#storage.issued) {
      throw badContext(`${what} claims dot ${this.node}:${claimed}, which ${this.node} never issued (it issued ${this.#storage.issued})`)
    }
  }
}
