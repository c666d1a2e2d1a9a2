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

/** This node's calls to one peer, and those of them that failed (no answer in time, refused, reset, bad answer). */
export type PeerCallCounts = { calls: number; failures: number }

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

  /** Counts a call to `peer`, or (`failed`) the failure of one. */
  peerCall(peer: string, failed = false): void {
    const counts = this.#peers.get(peer) ?? { calls: 0, failures: 0 }
    counts[failed ? 'failures' : 'calls'] += 1
    this.#peers.set(peer, counts)
  }

  snapshot(): StatsSnapshot {
    return { node: this.#node, ...this.#counts, peers: Object.fromEntries([...this.#peers].map(([peer, c]) => [peer, { ...c }])) }
  }
}
