/**
 * The proxy network (DESIGN.md, "Links and the fault proxy"): every byte between clients
 * and nodes and between nodes crosses a Toxiproxy proxy, `c-nI` to node I and `nI-nJ`
 * from node I to node J. Cuts disable proxies (calls are refused at once); loss is a
 * `timeout` toxic (data held, never delivered) with toxicity p, rolled per connection;
 * delay is a `latency` toxic on the responses.
 */
import type { Proxy as ToxiproxyProxy, Toxic } from 'toxiproxy-node-client'
import { settledFailures } from '../../common/helpers/settled.ts'
import type { DropOutcome, DropRequest, FaultOutcome, LinkPair, Network, SlowRequest } from '../adapter/index.ts'
import { clientLinkName, pairName, peerLinkName } from './link-names.ts'

/** A Toxiproxy proxy carrying one link, as toxiproxy-node-client gives it. */
export type LinkProxy = ToxiproxyProxy

/** The network of a cluster whose links run through Toxiproxy: the proxy that carries them is part of what it says. */
export type ProxyNetwork = Network & {
  kind: 'proxy'
  /** The Toxiproxy carrying the links: the embedded one or a real one, and its API URL. */
  toxiproxy: { kind: 'embedded' | 'real'; url: string }
}

type ToxicBody = Parameters<LinkProxy['addToxic']>[0]
type AnyToxic = Toxic<unknown>

const toxicLink = (toxic: AnyToxic): string => toxic.proxyPath.split('/').pop() ?? toxic.name

/** Adds a toxic to every link; returns those added (to be removed later) and what failed. */
async function addToxics(links: LinkProxy[], body: ToxicBody): Promise<{ added: AnyToxic[]; error?: string }> {
  const results = await Promise.allSettled(links.map((proxy) => proxy.addToxic(body)))
  const added = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value as AnyToxic] : []))
  return {
    added,
    ...settledFailures(
      links.map((l) => l.name),
      results,
    ),
  }
}

/** Removes toxics; returns those that could not be removed (to try again) and the outcome. */
async function removeToxics(toxics: AnyToxic[]): Promise<{ left: AnyToxic[]; outcome: FaultOutcome }> {
  const results = await Promise.allSettled(toxics.map((t) => t.remove()))
  const names = toxics.map(toxicLink)
  return { left: toxics.filter((_, i) => results[i].status === 'rejected'), outcome: { links: names, ...settledFailures(names, results) } }
}

/** Enables or disables links; returns those whose update failed and the outcome. */
async function setEnabled(links: LinkProxy[], enabled: boolean): Promise<{ failed: LinkProxy[]; outcome: FaultOutcome }> {
  const results = await Promise.allSettled(links.map((p) => p.update({ enabled, listen: p.listen, upstream: p.upstream })))
  const names = links.map((p) => p.name)
  return { failed: links.filter((_, i) => results[i].status === 'rejected'), outcome: { links: names, ...settledFailures(names, results) } }
}

/** Why a cluster with client links only cannot take link faults. */
const NO_PEER_LINKS =
  'its nodes reach each other directly, not through links (they find their peers by advertised address): use --network netns'

/**
 * The network these links make, for a cluster of nodes `ids`; every link `c-nI` and
 * `nI-nJ` must be in `links`. With `peers: false` (a store whose nodes find each other by
 * advertised address: etcd) there are client links only, and no fault between nodes.
 */
export function proxyNetwork(
  toxiproxy: ProxyNetwork['toxiproxy'],
  ids: readonly string[],
  links: ReadonlyMap<string, LinkProxy>,
  { peers = true }: { peers?: boolean } = {},
): ProxyNetwork {
  const link = (name: string): LinkProxy => {
    const proxy = links.get(name)
    if (!proxy) throw new Error(`the proxy has no link ${name}`)
    return proxy
  }
  const clientLinks = ids.map((id) => link(clientLinkName(id)))
  const peerLinks = peers ? ids.flatMap((from) => ids.filter((to) => to !== from).map((to) => link(peerLinkName(from, to)))) : []
  const linkFaults = peers ? { ok: true as const } : { ok: false as const, reason: NO_PEER_LINKS }
  const pairLinks = (pairs: readonly LinkPair[]): LinkProxy[] => pairs.map((pair) => link(pairName(pair)))
  let cut: LinkProxy[] = []
  let lossy: AnyToxic[] = []
  let slowed: AnyToxic[] = []
  return {
    kind: 'proxy',
    toxiproxy,
    description: `the ${toxiproxy.kind} Toxiproxy at ${toxiproxy.url}`,
    can: { cut: linkFaults, drop: linkFaults, slow: linkFaults },
    async cut(pairs) {
      const { outcome } = await setEnabled(pairLinks(pairs), false)
      // A link whose disable failed may still have been disabled: heal every one.
      cut.push(...pairLinks(pairs))
      return outcome
    },
    async heal() {
      const { failed, outcome } = await setEnabled(cut, true)
      cut = failed
      return outcome
    },
    async drop({ pairs, probability }: DropRequest) {
      const body: ToxicBody = {
        name: 'nemesis-drop',
        type: 'timeout',
        stream: 'upstream',
        toxicity: probability,
        attributes: { timeout: 0 },
      }
      const { added, error } = await addToxics(pairLinks(pairs), body)
      lossy.push(...added)
      return { links: added.map(toxicLink), ...(error ? { error } : {}) }
    },
    async stopDrop(): Promise<DropOutcome> {
      const { left, outcome } = await removeToxics(lossy)
      lossy = left
      return outcome
    },
    async slow({ latencyMs, jitterMs, clients }: SlowRequest) {
      const body: ToxicBody = {
        name: 'nemesis-latency',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: latencyMs, jitter: jitterMs },
      }
      const { added, error } = await addToxics(clients ? [...peerLinks, ...clientLinks] : peerLinks, body)
      slowed.push(...added)
      return { links: added.map(toxicLink), ...(error ? { error } : {}) }
    },
    async fast() {
      const { left, outcome } = await removeToxics(slowed)
      slowed = left
      return outcome
    },
  }
}
