/**
 * The network a cluster's nodes talk over, as the nemeses drive it (Jepsen's `net`
 * protocol): cut links and heal them, make them lossy, slow them down. A link is an
 * ordered pair of nodes, `[from, to]`: the calls `from` makes to `to`, so every fault can
 * be one-way. Client traffic (from the harness) is never cut. Contract only: the networks
 * live in `harness/network/` (Toxiproxy links, network namespaces with iptables rules).
 */
import type { NetworkKind } from '../../common/contracts/history.ts'

/** The calls node `from` makes to node `to` (node ids of the cluster). */
export type LinkPair = readonly [from: string, to: string]

/** Whether a network can do a fault, and when it cannot, why (a sentence a user reads before the run). */
export type NetworkCapability = { ok: true } | { ok: false; reason: string }

/** The faults a network can inject; a run refuses, before it starts, a nemesis whose fault its network cannot. */
export type NetworkCapabilities = {
  /** `cut` and `heal` (the partition nemesis). */
  cut: NetworkCapability
  /** `drop` and `stopDrop` (the drop nemesis). */
  drop: NetworkCapability
  /** `slow` and `fast` (the latency nemesis). */
  slow: NetworkCapability
}

export type NetworkFault = keyof NetworkCapabilities

/** What one call did: the links it acted on, by name (`n1-n2`: from n1 to n2), and what failed. */
export type FaultOutcome = { links: string[]; error?: string }

/** Loses each packet (or message) of these links with probability `probability` (0..1). */
export type DropRequest = { pairs: readonly LinkPair[]; probability: number }

/** Packets that reached a lossy link's filter (`seen`) and those it threw away, as counted by the network. */
export type LossCount = { seen: number; dropped: number }

/**
 * What `stopDrop` found. `loss` is there when the network counts what it dropped itself
 * (netns: the iptables rule counters, in packets, in total and per link); without it the
 * loss is only known to the nodes (proxy: each toxic is rolled per connection).
 */
export type DropOutcome = FaultOutcome & { loss?: LossCount & { unit: 'packets'; byLink: Record<string, LossCount> } }

/** Delays every node-to-node link (and client links with `clients`) by `latencyMs` ± `jitterMs` ms. */
export type SlowRequest = { latencyMs: number; jitterMs: number; clients: boolean }

/**
 * The links between a cluster's nodes. Each fault is undone by its own call (`heal` the
 * cuts, `stopDrop` the loss, `fast` the delay), so faults of different nemeses can overlap;
 * an undo that fails for a link keeps it, and the next call tries it again. A fault the
 * network cannot do (see `can`) rejects saying why.
 */
export type Network = {
  readonly kind: NetworkKind
  /** Where the links are, for the run's log: `the embedded Toxiproxy at http://...`, `namespaces qln1a2b3c-* on 10.x.y.0/24`. */
  readonly description: string
  readonly can: NetworkCapabilities
  /** Cuts these links: calls over them get no answer (netns) or are refused (proxy). */
  cut(pairs: readonly LinkPair[]): Promise<FaultOutcome>
  /** Restores every link cut so far. */
  heal(): Promise<FaultOutcome>
  drop(request: DropRequest): Promise<FaultOutcome>
  /** Ends every loss, saying what was lost where the network counts it. */
  stopDrop(): Promise<DropOutcome>
  slow(request: SlowRequest): Promise<FaultOutcome>
  /** Ends every delay. */
  fast(): Promise<FaultOutcome>
}
