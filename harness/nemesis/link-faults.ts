/**
 * Nemeses on links, through the Toxiproxy API: `latency` (a latency toxic on every
 * node-to-node link, optionally client links too), `drop` (each node-to-node message lost
 * with probability p) and `partition` (links cut by disabling their proxies).
 */
import type { Proxy as ClientProxy, Toxic } from 'toxiproxy-node-client'
import { nodeStats } from '../cluster/admin.ts'
import type { Cluster } from '../cluster/cluster.ts'
import { peerLinkName } from '../cluster/links.ts'
import { failures, PARTITION_KINDS, type Nemesis, type NemesisContext, type PartitionKind } from './nemesis.ts'

type ToxicBody = Parameters<ClientProxy['addToxic']>[0]

/** Adds a toxic to every link; returns those added (to be removed later) and what failed. */
async function addToxics(links: ClientProxy[], body: ToxicBody): Promise<{ added: Toxic<unknown>[]; error?: string }> {
  const results = await Promise.allSettled(links.map((proxy) => proxy.addToxic(body)))
  const added = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value as Toxic<unknown>] : []))
  return {
    added,
    ...failures(
      links.map((l) => l.name),
      results,
    ),
  }
}

/** Removes toxics; returns those that could not be removed (to try again) and what failed. */
async function removeToxics(toxics: Toxic<unknown>[]): Promise<{ left: Toxic<unknown>[]; error?: string }> {
  const results = await Promise.allSettled(toxics.map((t) => t.remove()))
  const left = toxics.filter((_, i) => results[i].status === 'rejected')
  return {
    left,
    ...failures(
      toxics.map((t) => t.proxyPath.split('/').pop() ?? t.name),
      results,
    ),
  }
}

/**
 * Delays the responses on every node-to-node link (and client link with
 * `latencyClients`) by latency ± jitter, so every call over a link takes about that
 * much longer.
 */
export function latencyNemesis(): Nemesis {
  let toxics: Toxic<unknown>[] = []
  return {
    name: 'latency',
    async start({ cluster, options }) {
      const links: ClientProxy[] = [...cluster.peerLinks.values()].map((l) => l.proxy)
      if (options.latencyClients) links.push(...cluster.clientLinks.values())
      const { added, error } = await addToxics(links, {
        name: 'nemesis-latency',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: options.latencyMs, jitter: options.jitterMs },
      })
      toxics.push(...added)
      return {
        latencyMs: options.latencyMs,
        jitterMs: options.jitterMs,
        links: added.length,
        clients: options.latencyClients,
        ...(error ? { error } : {}),
      }
    },
    async stop() {
      const count = toxics.length
      const { left, error } = await removeToxics(toxics)
      toxics = left
      return { links: count, ...(error ? { error } : {}) }
    },
  }
}

type Traffic = { messages: number; dropped: number }

/** Node-to-node calls and failed calls so far, summed over the nodes that answer. */
async function traffic(cluster: Cluster): Promise<Map<string, Traffic>> {
  const byNode = new Map<string, Traffic>()
  await Promise.all(
    cluster.nodes.map(async ({ id }) => {
      const stats = await nodeStats(cluster, id).catch(() => undefined)
      if (stats) byNode.set(id, { messages: stats.peerCalls, dropped: stats.replicaTimeouts + stats.replicaErrors })
    }),
  )
  return byNode
}

/**
 * Loses node-to-node messages with probability p: a `timeout` toxic (data held, never
 * delivered) with toxicity p on every node-to-node link. Toxicity is rolled per
 * connection, so nodes must run with `--peer-connections per-message` (the harness
 * does this for `drop`). The stop event carries the drop rate achieved, from the
 * nodes' own counts of calls and failed calls during the fault.
 */
export function dropNemesis(): Nemesis {
  let toxics: Toxic<unknown>[] = []
  let before = new Map<string, Traffic>()
  return {
    name: 'drop',
    async start({ cluster, options }) {
      before = await traffic(cluster)
      const { added, error } = await addToxics(
        [...cluster.peerLinks.values()].map(({ proxy }) => proxy),
        { name: 'nemesis-drop', type: 'timeout', stream: 'upstream', toxicity: options.dropProbability, attributes: { timeout: 0 } },
      )
      toxics.push(...added)
      return { probability: options.dropProbability, links: added.length, ...(error ? { error } : {}) }
    },
    async stop({ cluster, options }) {
      if (toxics.length === 0) return {}
      const { left, error } = await removeToxics(toxics)
      toxics = left
      if (error) return { probability: options.dropProbability, error }
      const after = await traffic(cluster)
      let messages = 0
      let dropped = 0
      for (const [node, now] of after) {
        const then = before.get(node)
        if (!then) continue
        messages += now.messages - then.messages
        dropped += now.dropped - then.dropped
      }
      return { probability: options.dropProbability, messages, dropped, achievedRate: messages > 0 ? dropped / messages : null }
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

/** Cuts links by disabling their proxies: calls over them are refused at once. */
export function partitionNemesis(): Nemesis {
  let disabled: ClientProxy[] = []
  return {
    name: 'partition',
    async start(ctx: NemesisContext) {
      const kind = ctx.options.partition === 'random' ? ctx.rng.pick(PARTITION_KINDS) : ctx.options.partition
      const order = ctx.rng.shuffle(ctx.cluster.nodes.map((n) => n.id))
      const { cuts, description } = partitionCuts(kind, order)
      const links = cuts.map(([from, to]) => ctx.cluster.peerLinks.get(peerLinkName(from, to))!.proxy)
      const results = await Promise.allSettled(links.map((p) => p.update({ enabled: false, listen: p.listen, upstream: p.upstream })))
      // A link whose disable failed may still have been disabled: heal every one.
      disabled.push(...links)
      return {
        kind,
        ...description,
        cut: links.map((p) => p.name),
        ...failures(
          links.map((p) => p.name),
          results,
        ),
      }
    },
    async stop() {
      const links = disabled
      const results = await Promise.allSettled(links.map((p) => p.update({ enabled: true, listen: p.listen, upstream: p.upstream })))
      disabled = links.filter((_, i) => results[i].status === 'rejected')
      return {
        healed: links.map((p) => p.name),
        ...failures(
          links.map((p) => p.name),
          results,
        ),
      }
    },
  }
}
