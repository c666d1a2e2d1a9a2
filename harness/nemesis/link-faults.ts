/**
 * Nemeses on links, through the cluster's network (`harness/adapter/network.ts`), whatever
 * it is made of (Toxiproxy proxies, namespaces with iptables rules): `latency` (every
 * node-to-node link slowed, optionally client links too), `drop` (each node-to-node
 * packet or message lost with probability p) and `partition` (links cut).
 */
import type { Cluster, LinkPair, PeerTraffic } from '../adapter/index.ts'
import { PARTITION_KINDS, type Nemesis, type NemesisContext, type NemesisEvent, type PartitionKind } from './nemesis.ts'

/** Delays every node-to-node link (and client links with `latencyClients`) by latency ± jitter. */
export function latencyNemesis(): Nemesis {
  return {
    name: 'latency',
    async start({ cluster, options }) {
      const { links, error } = await cluster.network.slow({
        latencyMs: options.latencyMs,
        jitterMs: options.jitterMs,
        clients: options.latencyClients,
      })
      return {
        latencyMs: options.latencyMs,
        jitterMs: options.jitterMs,
        links: links.length,
        clients: options.latencyClients,
        ...(error ? { error } : {}),
      }
    },
    async stop({ cluster }) {
      const { links, error } = await cluster.network.fast()
      return { links: links.length, ...(error ? { error } : {}) }
    },
  }
}

/** Node-to-node messages and lost messages so far, by the nodes that answer (none on a store that does not count them). */
async function traffic(cluster: Cluster): Promise<Map<string, PeerTraffic>> {
  const byNode = new Map<string, PeerTraffic>()
  await Promise.all(
    cluster.nodes.map(async ({ id }) => {
      const counts = await cluster.peerTraffic?.(id).catch(() => undefined)
      if (counts) byNode.set(id, counts)
    }),
  )
  return byNode
}

type LinkTraffic = { messages: number; dropped: number }

/** What one count moved by between two snapshots (undefined: not counted in both). */
const delta = (now: number | undefined, then: number | undefined): number | undefined =>
  now === undefined || then === undefined ? undefined : now - then

/**
 * Messages and lost messages between two snapshots of {@link traffic}, over the nodes in
 * both, in total and by link (`from-to`, when the nodes count by peer), leaving out every
 * link from or to a node in `leftOut` (one a process fault had down: its calls failed or
 * went unanswered whatever the drop did, and its counts restarted with it). A message on
 * a link is lost when the receiving end counted fewer than were sent (a slow answer the
 * sender gave up on still arrived); without the receiver's count, when it went
 * unanswered. Without counts by peer, a node's own traffic is all there is.
 */
function trafficBetween(
  before: Map<string, PeerTraffic>,
  after: Map<string, PeerTraffic>,
  leftOut: ReadonlySet<string>,
): LinkTraffic & { byLink?: Record<string, LinkTraffic> } {
  const total: LinkTraffic = { messages: 0, dropped: 0 }
  const byLink: Record<string, LinkTraffic> = {}
  for (const [node, now] of after) {
    const then = before.get(node)
    if (!then || leftOut.has(node)) continue
    if (!now.byPeer) {
      total.messages += now.messages - then.messages
      total.dropped += now.dropped - then.dropped
      continue
    }
    for (const [peer, counts] of Object.entries(now.byPeer)) {
      if (leftOut.has(peer)) continue
      const earlier = then.byPeer?.[peer] ?? { messages: 0, dropped: 0 }
      const messages = counts.messages - earlier.messages
      const received = delta(after.get(peer)?.byPeer?.[node]?.received, before.get(peer)?.byPeer?.[node]?.received ?? 0)
      const dropped = received === undefined ? counts.dropped - earlier.dropped : Math.min(messages, Math.max(0, messages - received))
      byLink[`${node}-${peer}`] = { messages, dropped }
      total.messages += messages
      total.dropped += dropped
    }
  }
  return Object.keys(byLink).length > 0 ? { ...total, byLink } : total
}

/** Every ordered pair of the cluster's nodes. */
const everyPair = (cluster: Cluster): LinkPair[] =>
  cluster.nodes.flatMap(({ id: from }) => cluster.nodes.filter(({ id: to }) => to !== from).map(({ id: to }): LinkPair => [from, to]))

/**
 * Loses node-to-node traffic with probability p on every ordered pair of nodes. The stop
 * event carries the rate asked and the rate achieved: from the network's own counters
 * where it keeps them (netns: packets, from the iptables rules), else from the nodes'
 * counts during the fault of messages sent on each link and received at its far end
 * (proxy: a toxic is rolled per connection, so the nodes run with `--peer-connections
 * per-message` and a lost connection is a lost message). Links from or to a node a
 * process fault had down are left out (`leftOut`): their calls failed whatever the drop
 * did. The counts are taken before the drop ends, so traffic after it does not dilute them.
 */
export function dropNemesis(): Nemesis {
  let before = new Map<string, PeerTraffic>()
  let down = new Set<string>()
  return {
    name: 'drop',
    async start({ cluster, options, down: downNow }) {
      before = await traffic(cluster)
      down = new Set(downNow)
      const { links, error } = await cluster.network.drop({ pairs: everyPair(cluster), probability: options.dropProbability })
      return { probability: options.dropProbability, links: links.length, ...(error ? { error } : {}) }
    },
    async stop({ cluster, options, down: downNow }): Promise<NemesisEvent> {
      // Process faults start and stop with this one, before or after it: down at either end is down in between.
      for (const node of downNow ?? []) down.add(node)
      const counts = await traffic(cluster)
      const { links, loss, error } = await cluster.network.stopDrop()
      if (links.length === 0 && !error) return {}
      const probability = options.dropProbability
      if (loss) {
        const rate = loss.seen > 0 ? loss.dropped / loss.seen : null
        const counted = { unit: loss.unit, messages: loss.seen, dropped: loss.dropped, achievedRate: rate, byLink: loss.byLink }
        return { probability, ...counted, ...(error ? { error } : {}) }
      }
      if (error) return { probability, error }
      const { messages, dropped, byLink } = trafficBetween(before, counts, down)
      const leftOut = down.size > 0 ? { leftOut: [...down].sort() } : {}
      const achievedRate = messages > 0 ? dropped / messages : null
      return { probability, unit: 'messages', messages, dropped, achievedRate, ...(byLink ? { byLink } : {}), ...leftOut }
    },
  }
}

/** Directed node-to-node links to cut for a partition of these nodes (in the nemesis's shuffled order). */
export function partitionCuts(kind: PartitionKind, nodes: string[]): { cuts: [string, string][]; description: Record<string, unknown> } {
  const cutBetween = (a: string[], b: string[]): [string, string][] =>
    a.flatMap((x) =>
      b.flatMap((y): [string, string][] => [
        [x, y],
        [y, x],
      ]),
    )
  const half = Math.floor(nodes.length / 2)
  switch (kind) {
    case 'isolate': {
      const [alone, ...rest] = nodes
      return { cuts: cutBetween([alone], rest), description: { groups: [[alone], rest] } }
    }
    case 'halves': {
      const a = nodes.slice(0, Math.max(1, half))
      const b = nodes.slice(Math.max(1, half))
      return { cuts: cutBetween(a, b), description: { groups: [a, b] } }
    }
    case 'bridge': {
      // Two halves that only one node (the bridge) can talk to both of.
      const bridge = nodes[half]
      const a = nodes.slice(0, half)
      const b = nodes.slice(half + 1)
      return { cuts: cutBetween(a, b), description: { groups: [a, b], bridge } }
    }
    case 'majority-ring': {
      // Every node sees a majority (itself and the next ones around a ring), each a different one.
      const majority = Math.floor(nodes.length / 2) + 1
      const sees = new Map(nodes.map((n, i) => [n, new Set(Array.from({ length: majority }, (_, k) => nodes[(i + k) % nodes.length]))]))
      const cuts: [string, string][] = []
      for (const from of nodes) for (const to of nodes) if (from !== to && !sees.get(from)!.has(to)) cuts.push([from, to])
      return { cuts, description: { sees: Object.fromEntries([...sees].map(([n, s]) => [n, [...s]])) } }
    }
    case 'one-way': {
      // One node can still hear the others, but nothing it sends gets through.
      const [mute, ...rest] = nodes
      return { cuts: rest.map((to): [string, string] => [mute, to]), description: { mute, others: rest } }
    }
  }
}

/** Cuts links through the network: calls over them are refused (proxy) or get no answer (netns). */
export function partitionNemesis(): Nemesis {
  return {
    name: 'partition',
    async start(ctx: NemesisContext) {
      const kind = ctx.options.partition === 'random' ? ctx.rng.pick(PARTITION_KINDS) : ctx.options.partition
      const order = ctx.rng.shuffle(ctx.cluster.nodes.map((n) => n.id))
      const { cuts, description } = partitionCuts(kind, order)
      const { links, error } = await ctx.cluster.network.cut(cuts)
      return { kind, ...description, cut: links, ...(error ? { error } : {}) }
    },
    async stop({ cluster }) {
      const { links, error } = await cluster.network.heal()
      return { healed: links, ...(error ? { error } : {}) }
    },
  }
}
