/**
 * The gossip loop: every interval, beat our heartbeat and push our membership view to a
 * random peer, merging the view it answers with (push-pull). A tick that comes far too
 * late means this node itself was stopped, and its silence is not the peers' fault.
 */
import type { GossipRequest, GossipResponse } from './api.ts'
import type { Membership } from './membership.ts'
import type { PeerClient } from './peers.ts'
import type { Stats } from './stats.ts'

export type GossiperOptions = {
  membership: Membership
  peers: PeerClient
  stats: Stats
  intervalMs: number
}

export class Gossiper {
  #membership: Membership
  #peers: PeerClient
  #stats: Stats
  #intervalMs: number
  #timer: NodeJS.Timeout | undefined
  #lastTick = 0

  constructor({ membership, peers, stats, intervalMs }: GossiperOptions) {
    this.#membership = membership
    this.#peers = peers
    this.#stats = stats
    this.#intervalMs = intervalMs
  }

  start(): void {
    this.#lastTick = performance.now()
    this.#schedule()
  }

  stop(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /** Answers a peer's gossip: merge its view, return ours. */
  receive(request: GossipRequest): GossipResponse {
    this.#stats.add('gossipReceived')
    this.#membership.receive(request.view)
    return { node: this.#membership.self, view: this.#membership.view() }
  }

  #schedule(): void {
    this.#timer = setTimeout(() => void this.#tick(), this.#intervalMs)
    this.#timer.unref()
  }

  async #tick(): Promise<void> {
    const now = performance.now()
    if (now - this.#lastTick > Math.max(3 * this.#intervalMs, this.#intervalMs + 1000)) this.#membership.forgiveSilence()
    this.#lastTick = now
    const view = this.#membership.tick()
    const peers = this.#peers.ids
    if (peers.length > 0) {
      const peer = peers[Math.floor(Math.random() * peers.length)]
      this.#stats.add('gossipSent')
      const request: GossipRequest = { from: this.#membership.self, view }
      try {
        const answer = await this.#peers.expectOk<GossipResponse>(peer, {
          method: 'POST',
          path: '/internal/gossip',
          body: request,
          timeoutMs: Math.max(this.#intervalMs, 200),
        })
        this.#membership.receive(answer.view)
      } catch {
        // An unreachable peer is what the failure detector is for.
      }
    }
    if (this.#timer !== undefined) this.#schedule()
  }
}
