/**
 * The links of a local cluster through a Toxiproxy (DESIGN.md, "Links and the fault
 * proxy"), for any store whose nodes run on this machine: free loopback ports, the
 * Toxiproxy (TOXIPROXY_URL's, else an embedded one), a client link `c-nI` per node and,
 * for stores whose nodes take one address per peer, a link `nI-nJ` per ordered pair. A
 * store whose members find each other by advertised address (etcd) gets client links only.
 */
import { Toxiproxy } from 'toxiproxy-node-client'
import { type Address, formatAddress } from '../../common/helpers/address.ts'
import { toxiproxyEndpoint, type ToxiproxyEndpoint } from '../proxy/index.ts'
import { clusterLayout, type ClusterLayout, proxiedPortCount, sequentialPorts } from './layout.ts'
import { clientLinkName, type LinkProxy, proxyNetwork, type ProxyNetwork } from '../network/index.ts'
import { createLinks, type LinkSpec, removeLinks } from './links.ts'
import { freePorts } from './ports.ts'

export type ProxiedLayoutOptions = {
  /** How many nodes (n1..nN). */
  nodes: number
  /** True: nodes reach each other through `nI-nJ` links (their `peers` in the layout); false: client links only. */
  peerLinks: boolean
  /** Where node nI already listens (a store that picks its own ports); default: a free loopback port for each. */
  upstream?: (i: number) => Address
  /** Loopback address for the links (and the nodes, without `upstream`); default 127.0.0.1. */
  host?: string
  /** A Toxiproxy to use; by default TOXIPROXY_URL's, else a new embedded one. */
  endpoint?: ToxiproxyEndpoint
}

export type ProxiedLayout = {
  /** Where each node binds, where clients reach it (its client link) and where it reaches its peers. */
  layout: ClusterLayout
  /** The links, for the nemeses. */
  network: ProxyNetwork
  /** Removes the links from a real Toxiproxy, or stops the embedded one this started. */
  close(): Promise<void>
}

/** Lays the cluster out and creates its links; if that fails, closes what it opened and rethrows. */
export async function openProxiedLayout(options: ProxiedLayoutOptions): Promise<ProxiedLayout> {
  const endpoint = options.endpoint ?? (await toxiproxyEndpoint())
  const created = new Map<string, LinkProxy>()
  const close = async (): Promise<void> => {
    if (endpoint.kind === 'real') await removeLinks(created.values())
    if (!options.endpoint) await endpoint.close()
  }
  try {
    const layout = await layOut(options)
    const links: LinkSpec[] = [...layout.clientLinks, ...layout.peerLinks]
    for (const [name, proxy] of await createLinks(new Toxiproxy(endpoint.url), links)) created.set(name, proxy)
    const ids = layout.nodes.map((n) => n.id)
    const network = proxyNetwork({ kind: endpoint.kind, url: endpoint.url }, ids, created, { peers: options.peerLinks })
    return { layout, network, close }
  } catch (error) {
    await close().catch(() => undefined)
    throw error
  }
}

async function layOut({ nodes, peerLinks, upstream, host = '127.0.0.1' }: ProxiedLayoutOptions): Promise<ClusterLayout> {
  const at = (port: number): Address => ({ host, port })
  if (peerLinks) {
    const ports = sequentialPorts(await freePorts(proxiedPortCount(nodes), host), nodes)
    return clusterLayout({
      nodes,
      listen: (i) => upstream?.(i) ?? at(ports.node(i)),
      proxy: { client: (i) => at(ports.client(i)), peer: (i, j) => at(ports.peer(i, j)) },
    })
  }
  // Client links only: nodes reach their peers directly.
  const ports = await freePorts(upstream ? nodes : 2 * nodes, host)
  const listen = (i: number): Address => upstream?.(i) ?? at(ports[nodes + i - 1])
  const direct = clusterLayout({ nodes, listen })
  const clientLinks = direct.nodes.map(
    (node, k): LinkSpec => ({
      name: clientLinkName(node.id),
      listen: formatAddress(at(ports[k])),
      upstream: formatAddress(node.address),
    }),
  )
  return {
    nodes: direct.nodes.map((node, k) => ({ ...node, client: at(ports[k]) })),
    clientLinks,
    peerLinks: [],
  }
}
