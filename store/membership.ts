/**
 * Cluster membership as this node sees it: every member's generation (bumped at each
 * start) and heartbeat counter, merged from gossip, with a phi-accrual failure detector
 * per peer fed by the heartbeats that arrive.
 */
import { PhiAccrualDetector, type PeerState } from './failure-detector.ts'

/** One member as gossip carries it. */
export type MemberView = { node: string; generation: number; heartbeat: number }

/** One member as `/admin/members` shows it. */
export type MemberInfo = MemberView & {
  state: PeerState | 'self'
  phi: number
  /** ms since a newer heartbeat of this member last arrived; null for this node. */
  lastHeardMsAgo: number | null
}

export type MembershipOptions = {
  self: string
  generation: number
  peers: string[]
  phiThreshold: number
  gossipIntervalMs: number
  /** Monotonic clock, ms. */
  now?: () => number
}

export class Membership {
  readonly self: string
  #now: () => number
  #views = new Map<string, MemberView>()
  #detectors = new Map<string, PhiAccrualDetector>()

  constructor({ self, generation, peers, phiThreshold, gossipIntervalMs, now = () => performance.now() }: MembershipOptions) {
    this.self = self
    this.#now = now
    this.#views.set(self, { node: self, generation, heartbeat: 0 })
    for (const peer of peers) {
      this.#views.set(peer, { node: peer, generation: 0, heartbeat: 0 })
      this.#detectors.set(peer, new PhiAccrualDetector({ threshold: phiThreshold, expectedIntervalMs: gossipIntervalMs, now: now() }))
    }
  }

  /** Beats this node's own heartbeat; returns the view to gossip. */
  tick(): MemberView[] {
    const own = this.#views.get(this.self)!
    own.heartbeat += 1
    return this.view()
  }

  view(): MemberView[] {
    return [...this.#views.values()].map((v) => ({ ...v }))
  }

  /** Merges a view received by gossip: newer (generation, heartbeat) pairs win. */
  receive(view: MemberView[]): void {
    const now = this.#now()
    for (const incoming of view) {
      const known = this.#views.get(incoming.node)
      const detector = this.#detectors.get(incoming.node)
      if (!known || !detector) continue
      if (incoming.generation > known.generation) {
        detector.reset(now)
      } else if (incoming.generation < known.generation || incoming.heartbeat <= known.heartbeat) {
        continue
      } else {
        detector.heartbeat(now)
      }
      known.generation = incoming.generation
      known.heartbeat = incoming.heartbeat
    }
  }

  /** This node was stopped (its timers did not run): do not blame the peers for the silence. */
  forgiveSilence(): void {
    const now = this.#now()
    for (const detector of this.#detectors.values()) detector.forgive(now)
  }

  state(node: string): PeerState {
    if (node === this.self) return 'up'
    return this.#detectors.get(node)?.state(this.#now()) ?? 'down'
  }

  /** Coordinators skip peers believed down; suspects still get calls. */
  isUp(node: string): boolean {
    return this.state(node) !== 'down'
  }

  members(): MemberInfo[] {
    const now = this.#now()
    return [...this.#views.values()].map((view) => {
      const detector = this.#detectors.get(view.node)
      if (!detector) return { ...view, state: 'self' as const, phi: 0, lastHeardMsAgo: null }
      return {
        ...view,
        state: detector.state(now),
        phi: Number(detector.phi(now).toFixed(3)),
        lastHeardMsAgo: Math.round(now - detector.lastHeartbeat),
      }
    })
  }
}
