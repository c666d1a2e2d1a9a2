/**
 * The netns network: each node in its own Linux network namespace with its own address
 * on a bridge this network creates (a private /24 no route of the host uses), the host
 * on the bridge too so the harness and its clients reach every node, and faults as
 * iptables rules inside the receiving node's namespace (see `rules.ts`): cuts per
 * ordered pair, random packet loss per ordered pair with its counters read back. Latency
 * is refused (see `support.ts`). Everything it made goes at `teardown`, or at process
 * exit as a last resort, or with `quorumlab net --cleanup` after a killed run.
 */
import { settledFailures } from '../../../common/helpers/settled.ts'
import type { DropOutcome, DropRequest, FaultOutcome, LinkPair, LossCount, Network, NetworkCapabilities } from '../../adapter/index.ts'
import { pairName } from '../link-names.ts'
import { inNamespace, run } from './command.ts'
import { release, removeAtExit } from './exit-guard.ts'
import { netnsNames, newNetnsId, type NetnsNames } from './names.ts'
import { CUT_CHAIN, cutRules, DROP_CHAIN, dropRules, flushChain, lossCounters, type RuleSource } from './rules.ts'
import { freeSubnet, MAX_NODES, type Subnet } from './subnet.ts'
import { netnsCapabilities, netnsSupport } from './support.ts'
import { createTopology, removeTopology, removeTopologySync } from './topology.ts'

export type NetnsNetworkOptions = {
  /** The cluster's node ids, in node order: node I (from 1) gets the namespace `qln<id>-n<I>`. */
  nodes: readonly string[]
}

export class NetnsNetwork implements Network {
  readonly kind = 'netns' as const
  readonly can: NetworkCapabilities
  readonly names: NetnsNames
  readonly subnet: Subnet
  #index: Map<string, number>
  /** Links whose cut or loss rules are in place (or may be: a failed add is healed too), by link name. */
  #cut = new Map<string, LinkPair>()
  #lossy = new Map<string, LinkPair>()
  #removed = false

  private constructor(nodes: readonly string[], names: NetnsNames, subnet: Subnet, can: NetworkCapabilities) {
    this.#index = new Map(nodes.map((id, k) => [id, k + 1]))
    this.names = names
    this.subnet = subnet
    this.can = can
  }

  /**
   * Checks this machine can (rejecting with what to do when it cannot: not Linux, not
   * root, tools missing), then creates the bridge and one namespace per node; resolves once every node's
   * address is reachable from the host.
   */
  static async create({ nodes }: NetnsNetworkOptions): Promise<NetnsNetwork> {
    const support = netnsSupport()
    if (!support.ok) throw new Error(support.reason)
    if (nodes.length === 0 || nodes.length > MAX_NODES)
      throw new Error(`a netns network holds 1 to ${MAX_NODES} nodes, not ${nodes.length}`)
    const [can, subnet] = await Promise.all([netnsCapabilities(), freeSubnet()])
    const names = netnsNames(newNetnsId())
    removeAtExit(names.id, () => removeTopologySync(names, nodes.length))
    try {
      await createTopology(names, subnet, nodes.length)
    } catch (error) {
      release(names.id)
      throw error
    }
    return new NetnsNetwork(nodes, names, subnet, can)
  }

  get description(): string {
    const last = this.#index.size
    const namespaces = last > 1 ? `${this.names.namespace(1)} to ${this.names.namespace(last)}` : this.names.namespace(1)
    return `network namespaces ${namespaces} on bridge ${this.names.bridge} (${this.subnet.cidr}, host ${this.subnet.host})`
  }

  /** The node's address on the bridge: where it listens, and where peers and clients reach it. */
  address(node: string): string {
    return this.subnet.node(this.#nodeIndex(node))
  }

  /** The node's namespace. */
  namespace(node: string): string {
    return this.names.namespace(this.#nodeIndex(node))
  }

  /**
   * The command a node's process runs under to live in its namespace. `ip netns exec`
   * execs the command (no fork), so the child's pid is the node's own: signals reach it.
   */
  launcher(node: string): string[] {
    return ['ip', 'netns', 'exec', this.namespace(node)]
  }

  async cut(pairs: readonly LinkPair[]): Promise<FaultOutcome> {
    const fresh = pairs.filter((pair) => !this.#cut.has(pairName(pair)))
    // Recorded first: a namespace whose rules failed half-way is flushed by the heal all the same.
    for (const pair of fresh) this.#cut.set(pairName(pair), pair)
    return this.#addRules(fresh, cutRules)
  }

  async heal(): Promise<FaultOutcome> {
    const { healed, outcome } = await this.#flush(this.#cut, CUT_CHAIN)
    for (const link of healed) this.#cut.delete(link)
    return outcome
  }

  async drop({ pairs, probability }: DropRequest): Promise<FaultOutcome> {
    if (!(probability >= 0 && probability <= 1)) throw new Error(`drop probability must be from 0 to 1, not ${probability}`)
    const fresh = pairs.filter((pair) => !this.#lossy.has(pairName(pair)))
    for (const pair of fresh) this.#lossy.set(pairName(pair), pair)
    return this.#addRules(fresh, (sources) => dropRules(sources, probability))
  }

  /** Reads the loss counters of every lossy link, then removes the loss. */
  async stopDrop(): Promise<DropOutcome> {
    const byLink: Record<string, LossCount> = {}
    const targets = [...new Set([...this.#lossy.values()].map(([, to]) => to))]
    const counted = await Promise.allSettled(
      targets.map(async (to) => {
        const save = await run(inNamespace(this.namespace(to), ['iptables-save', '-c', '-t', 'filter']))
        for (const [link, count] of lossCounters(save)) byLink[link] = count
      }),
    )
    const { healed, outcome } = await this.#flush(this.#lossy, DROP_CHAIN)
    for (const link of healed) this.#lossy.delete(link)
    const counts = Object.values(byLink)
    const loss = {
      unit: 'packets' as const,
      seen: counts.reduce((n, c) => n + c.seen, 0),
      dropped: counts.reduce((n, c) => n + c.dropped, 0),
      byLink,
    }
    const countError = settledFailures(targets, counted).error
    const error = [outcome.error, countError && `reading the counters: ${countError}`].filter(Boolean).join('; ')
    return { links: outcome.links, ...(counts.length > 0 ? { loss } : {}), ...(error ? { error } : {}) }
  }

  async slow(): Promise<FaultOutcome> {
    throw new Error(this.can.slow.ok ? 'latency is not built for the netns network' : this.can.slow.reason)
  }

  async fast(): Promise<FaultOutcome> {
    return { links: [] }
  }

  /** Removes the namespaces (with their rules and veth ends), the veths and the bridge; safe to call twice. */
  async teardown(): Promise<void> {
    if (this.#removed) return
    await removeTopology(this.names, this.#index.size)
    this.#removed = true
    release(this.names.id)
  }

  #nodeIndex(node: string): number {
    const index = this.#index.get(node)
    if (index === undefined) throw new Error(`no node ${node} in this network`)
    return index
  }

  /** Adds rules for these links in the namespace of each link's receiving node, one `iptables-restore` per namespace. */
  async #addRules(pairs: readonly LinkPair[], rules: (sources: RuleSource[]) => string): Promise<FaultOutcome> {
    const byTarget = new Map<string, RuleSource[]>()
    for (const [from, to] of pairs) {
      byTarget.set(to, [...(byTarget.get(to) ?? []), { link: pairName([from, to]), from: this.address(from) }])
    }
    const targets = [...byTarget.keys()]
    const results = await Promise.allSettled(
      targets.map((to) => run(inNamespace(this.namespace(to), ['iptables-restore', '-w', '--noflush']), rules(byTarget.get(to)!))),
    )
    return { links: pairs.map(pairName), ...settledFailures(targets, results) }
  }

  /** Empties `chain` in the namespace of every receiving node of `active`; says which links are gone. */
  async #flush(active: ReadonlyMap<string, LinkPair>, chain: string): Promise<{ healed: string[]; outcome: FaultOutcome }> {
    const targets = [...new Set([...active.values()].map(([, to]) => to))]
    const results = await Promise.allSettled(targets.map((to) => run(inNamespace(this.namespace(to), flushChain(chain)))))
    const failed = new Set(targets.filter((_, i) => results[i].status === 'rejected'))
    const links = [...active.keys()]
    const healed = links.filter((link) => !failed.has(active.get(link)![1]))
    return { healed, outcome: { links, ...settledFailures(targets, results) } }
  }
}
