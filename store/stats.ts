/**
 * A node's counters, served at `/admin/stats`: what the node did, so a run can show each
 * mechanism at work (forwards, replica timeouts, hints, read repairs, anti-entropy), and
 * its calls to each peer with how many failed, so a test can see which links were cut.
 */

const COUNTERS = [
  /** Client reads this node coordinated. */
  'reads',
  /** Client writes (PUT and DELETE) this node coordinated. */
  'writes',
  /** Client requests this node sent on to a home replica. */
  'forwards',
  /** Calls to peers: replica reads and writes, hints, repairs, gossip, anti-entropy. */
  'peerCalls',
  /** Peer calls with no answer in time. */
  'replicaTimeouts',
  /** Peer calls that failed otherwise: refused, reset, bad answer. */
  'replicaErrors',
  /** Replica calls skipped because the failure detector believed the peer down. */
  'skippedDown',
  /** Writes refused because they would leave more than `maxSiblings` siblings on their key (409). */
  'siblingLimitRefusals',
  /** Writes refused because they would leave an object over `maxObjectBytes` (413). */
  'objectSizeRefusals',
  /** Writes a fallback node took in place of a home replica (sloppy quorum). */
  'sloppyWrites',
  /** Hints stored here, for a home replica that missed a write. */
  'hintsStored',
  /** Hints handed off from here to their owner. */
  'hintsDelivered',
  /** Objects sent to stale replicas by read repair after reads coordinated here. */
  'readRepairs',
  /** Anti-entropy exchanges started here. */
  'antiEntropyRounds',
  /** Keys whose state here changed through anti-entropy, whichever node started the exchange. */
  'antiEntropyKeysRepaired',
  'gossipSent',
  'gossipReceived',
] as const

export type Counter = (typeof COUNTERS)[number]

/**
 * This node's calls to one peer: all of them, those that failed (any way), and of those
 * the calls with no answer in time (`timeouts`: a lost message, or a slow peer) and the
 * calls that failed at once without reaching it (`unreachable`: refused, or closed
 * before an answer, as by a proxy whose upstream is down); and `received`, the calls
 * from that peer that reached this node (so a lost message is one sent and never
 * received, whatever the sender's deadline).
 */
export type PeerCallCounts = { calls: number; failures: number; timeouts: number; unreachable: number; received: number }

/** How a peer call failed, for {@link PeerCallCounts}. */
export type PeerFailure = 'timeout' | 'unreachable' | 'error'

export type StatsSnapshot = { node: string; peers: Record<string, PeerCallCounts> } & Record<Counter, number>

export class Stats {
  #node: string
  #counts = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>
  #peers = new Map<string, PeerCallCounts>()

  constructor(node: string) {
    this.#node = node
  }

  add(counter: Counter, by = 1): void {
    this.#counts[counter] += by
  }

  get(counter: Counter): number {
    return this.#counts[counter]
  }

  /** Counts a call to `peer`, or (`failed`) the failure of one, and how it failed. */
  peerCall(peer: string, failed?: PeerFailure): void {
    const counts = this.#countsOf(peer)
    if (failed === undefined) counts.calls += 1
    else {
      counts.failures += 1
      if (failed === 'timeout') counts.timeouts += 1
      if (failed === 'unreachable') counts.unreachable += 1
    }
  }

  /** Counts a call from `peer` that reached this node (`peer` must be one of the cluster's nodes: the map never grows past them). */
  peerCallReceived(peer: string): void {
    this.#countsOf(peer).received += 1
  }

  #countsOf(peer: string): PeerCallCounts {
    let counts = this.#peers.get(peer)
    if (!counts) {
      counts = { calls: 0, failures: 0, timeouts: 0, unreachable: 0, received: 0 }
      this.#peers.set(peer, counts)
    }
    return counts
  }

  snapshot(): StatsSnapshot {
    return { node: this.#node, ...this.#counts, peers: Object.fromEntries([...this.#peers].map(([peer, c]) => [peer, { ...c }])) }
  }
}
