/**
 * The layout of a cluster, computed in one place for every way the harness lays one out
 * (local processes behind a proxy, local processes talking directly, docker compose, an
 * external cluster on loopback): the node ids, where each node binds and is reached,
 * where clients reach it, where it reaches each peer, and the links a proxy carries
 * (`c-nI` to node I, `nI-nJ` from node I to node J; node I's peers are the listen
 * addresses of its `nI-nJ` links). Store-neutral: a store turns a node's layout into its
 * own command line.
 */
import { formatAddress, type Address } from '../../common/helpers/address.ts'
import { clientLinkName, peerLinkName } from '../network/index.ts'
import type { LinkSpec } from './links.ts'

/** n1..nN */
export const nodeIds = (count: number): string[] => Array.from({ length: count }, (_, i) => `n${i + 1}`)

/** Node indexes are 1-based: node nI has index I. */
type ByNode<T> = (i: number) => T

export type LayoutOptions = {
  /** How many nodes (n1..nN). */
  nodes: number
  /** Where node nI binds. */
  listen: ByNode<Address>
  /** Where node nI is reached (by the proxy, or by peers and clients without one). Default: where it binds. */
  reach?: ByNode<Address>
  /** The proxy that carries every link; leave it out when nodes and clients talk to each other directly. */
  proxy?: {
    /** Where the proxy binds the listener of the client link `c-nI`. */
    client: ByNode<Address>
    /** Where the proxy binds the listener of the link `nI-nJ`. */
    peer: (i: number, j: number) => Address
    /** The host at which nodes and clients reach the proxy's listeners. Default: where they bind. */
    host?: string
  }
}

export type NodeLayout = {
  id: string
  /** Where the node binds. */
  listen: Address
  /** Where the node is reached (the upstream of its links). */
  address: Address
  /** Where clients reach it: its client link, or the node itself without a proxy. */
  client: Address
  /** Where it reaches each peer: the link `nI-nJ`, or the peer itself without a proxy. */
  peers: (Address & { id: string })[]
}

/** Without a proxy, there are no links. */
export type ClusterLayout = {
  nodes: NodeLayout[]
  /** `c-nI`, by node. */
  clientLinks: LinkSpec[]
  /** `nI-nJ`, by I and then J. */
  peerLinks: LinkSpec[]
}

export function clusterLayout({ nodes: count, listen, reach = listen, proxy }: LayoutOptions): ClusterLayout {
  const ids = nodeIds(count)
  const others = (i: number): { id: string; j: number }[] => ids.flatMap((id, k) => (k + 1 === i ? [] : [{ id, j: k + 1 }]))
  const viaProxy = (at: Address): Address => ({ host: proxy?.host ?? at.host, port: at.port })
  const nodes = ids.map(
    (id, k): NodeLayout => ({
      id,
      listen: listen(k + 1),
      address: reach(k + 1),
      client: proxy ? viaProxy(proxy.client(k + 1)) : reach(k + 1),
      peers: others(k + 1).map(({ id: peer, j }) => ({ id: peer, ...(proxy ? viaProxy(proxy.peer(k + 1, j)) : reach(j)) })),
    }),
  )
  if (!proxy) return { nodes, clientLinks: [], peerLinks: [] }
  const link = (name: string, listen: Address, upstream: Address): LinkSpec => ({
    name,
    listen: formatAddress(listen),
    upstream: formatAddress(upstream),
  })
  return {
    nodes,
    clientLinks: ids.map((id, k) => link(clientLinkName(id), proxy.client(k + 1), reach(k + 1))),
    peerLinks: ids.flatMap((from, k) => others(k + 1).map(({ id: to, j }) => link(peerLinkName(from, to), proxy.peer(k + 1, j), reach(j)))),
  }
}

/** How many ports {@link sequentialPorts} needs for a proxied cluster of `count` nodes. */
export const proxiedPortCount = (count: number): number => 2 * count + count * (count - 1)

/**
 * Ports of a proxied cluster taken in order from a list (free ports): node nI, then
 * client link `c-nI`, then link `nI-nJ` by I and then J.
 */
export function sequentialPorts(
  ports: number[],
  count: number,
): { node: ByNode<number>; client: ByNode<number>; peer: (i: number, j: number) => number } {
  if (ports.length < proxiedPortCount(count)) throw new Error(`need ${proxiedPortCount(count)} ports, got ${ports.length}`)
  return {
    node: (i) => ports[i - 1],
    client: (i) => ports[count + i - 1],
    peer: (i, j) => ports[2 * count + (i - 1) * (count - 1) + (j < i ? j - 1 : j - 2)],
  }
}
