/**
 * Hinted handoff: writes held for a home replica that missed them, stored durably, and a
 * loop that offers them to their owner once the failure detector says it is up. A hint
 * is deleted only after the owner acknowledged it (and only if no newer write for the
 * same owner and key was merged into it meanwhile).
 */
import type { Membership } from './membership.ts'
import { mutant } from './mutants.ts'
import type { PeerBatcher } from './peer-batcher.ts'
import type { Stats } from './stats.ts'
import type { Storage } from './storage.ts'
import { merge, sameState, type VersionedObject } from './versioning.ts'
import type { VersioningMode } from '../common/contracts/causal.ts'

export type HintedHandoffOptions = {
  storage: Storage
  mode: VersioningMode
  batcher: PeerBatcher
  membership: Membership
  stats: Stats
  /** How often pending hints are offered, ms. */
  intervalMs: number
}

export type HintSummary = { owner: string; key: string; siblings: number }

export class HintedHandoff {
  #options: HintedHandoffOptions
  #timer: NodeJS.Timeout | undefined
  #delivering = false

  constructor(options: HintedHandoffOptions) {
    this.#options = options
  }

  /** Holds `object` for `owner`, durably, merged with what is already held for that key. */
  async store(owner: string, key: string, object: VersionedObject): Promise<void> {
    const { storage, mode, stats } = this.#options
    await storage.updateHint(owner, key, (current) => (current ? merge(mode, current, object) : object))
    stats.add('hintsStored')
  }

  pending(): HintSummary[] {
    return [...this.#options.storage.hints()].map((h) => ({ owner: h.owner, key: h.key, siblings: h.object.siblings.length }))
  }

  start(): void {
    this.#timer = setInterval(() => void this.deliver(), this.#options.intervalMs)
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** Offers every hint whose owner is up; one pass at a time. */
  async deliver(): Promise<void> {
    if (this.#delivering) return
    this.#delivering = true
    const { storage, batcher, membership, stats } = this.#options
    try {
      // Offered together, the hints for one owner travel in few batches.
      const offers = [...storage.hints()]
        .filter((hint) => this.#timer !== undefined && membership.isUp(hint.owner))
        .map(async (hint) => {
          if (!mutant('hints-dropped')) await batcher.merge(hint.owner, hint.key, hint.object)
          if (await storage.deleteHintIf(hint.owner, hint.key, (current) => sameState(current, hint.object))) {
            stats.add('hintsDelivered')
          }
        })
      await Promise.allSettled(offers)
    } finally {
      this.#delivering = false
    }
  }
}
