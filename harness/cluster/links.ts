/**
 * The links of a cluster in the proxy network (DESIGN.md), created and removed through
 * the Toxiproxy API: `c-nI` carries client traffic to node I; `nI-nJ` carries node I's
 * calls to node J, one per ordered pair so faults can be one-way. Node I is given the
 * listen addresses of its `nI-nJ` proxies as its peers.
 */
import type { Toxiproxy } from 'toxiproxy-node-client'
import type { LinkProxy } from '../network/index.ts'

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
