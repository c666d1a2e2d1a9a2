/**
 * The link topology of a cluster in proxy mode (DESIGN.md): every byte crosses a
 * Toxiproxy proxy. `c-nI` carries client traffic to node I; `nI-nJ` carries node I's
 * calls to node J, one per ordered pair so faults can be one-way. Node I is given the
 * listen addresses of its `nI-nJ` proxies as its peers.
 */
import type { Toxiproxy } from 'toxiproxy-node-client'
import type { LinkProxy, PeerLink, ProxyNetwork } from '../adapter/index.ts'

export const clientLinkName = (node: string): string => `c-${node}`
export const peerLinkName = (from: string, to: string): string => `${from}-${to}`

export type LinkSpec = { name: string; listen: string; upstream: string }

/**
 * Creates (or replaces) every link in one `/populate` call and returns the proxies by
 * name, as the server reports them.
 */
export async function createLinks(toxiproxy: Toxiproxy, links: LinkSpec[]): Promise<Map<string, LinkProxy>> {
  const created = await toxiproxy.populate(links.map((l) => ({ ...l, enabled: true })))
  const byName = new Map<string, LinkProxy>()
  for (const link of links) {
    const proxy = created[link.name] ?? (await toxiproxy.get(link.name))
    byName.set(link.name, proxy)
  }
  return byName
}

/** Removes links, ignoring ones already gone. */
export async function removeLinks(proxies: Iterable<LinkProxy>): Promise<void> {
  await Promise.all([...proxies].map((p) => p.remove().catch(() => undefined)))
}

/**
 * The network a cluster of these nodes hands its nemeses, from the links {@link createLinks}
 * made for it. `peers: false` for a store whose nodes reach each other without links (etcd):
 * then it has client links only.
 */
export function proxyNetwork(
  toxiproxy: ProxyNetwork['toxiproxy'],
  ids: string[],
  links: ReadonlyMap<string, LinkProxy>,
  { peers = true }: { peers?: boolean } = {},
): ProxyNetwork {
  const link = (name: string): LinkProxy => {
    const proxy = links.get(name)
    if (!proxy) throw new Error(`the proxy has no link ${name}`)
    return proxy
  }
  const peerLinks = (peers ? ids : []).flatMap((from) =>
    ids
      .filter((to) => to !== from)
      .map((to): [string, PeerLink] => [peerLinkName(from, to), { from, to, proxy: link(peerLinkName(from, to)) }]),
  )
  return {
    kind: 'proxy',
    toxiproxy,
    clientLinks: new Map(ids.map((id) => [id, link(clientLinkName(id))])),
    peerLinks: new Map(peerLinks),
  }
}
