/**
 * The iptables rules of the netns network, as `iptables-restore --noflush` input for one
 * node's namespace, and the rule counters read back from `iptables-save -c`. Every rule
 * sits in the INPUT path of the receiving node, so what it drops is what that node would
 * have received:
 *
 * - a cut of `[from, to]` drops, in `to`'s namespace, packets from `from` that belong to
 *   connections `from` opened (`--ctdir ORIGINAL`): `from`'s calls to `to` get no answer,
 *   while `to`'s calls to `from` still work, as with the proxy network's `nI-nJ` links;
 * - a drop on `[from, to]` counts every packet from `from` (`ql-seen`), then drops each
 *   with probability p (`ql-dropped`), in either direction of any connection.
 *
 * Conntrack is switched on in every namespace when it is made (a rule that only matches
 * on connection state), so connections opened before a cut are tracked the right way round.
 */
import type { LossCount } from '../../adapter/index.ts'

export const CUT_CHAIN = 'QL-CUT'
export const DROP_CHAIN = 'QL-DROP'

/** One side of a rule: the link's name (`n1-n2`) and the address packets come from. */
export type RuleSource = { link: string; from: string }

const restore = (lines: string[]): string => ['*filter', ...lines, 'COMMIT', ''].join('\n')

/** The chains every node's namespace starts with: cuts first, then loss, then the rule that keeps conntrack on. */
export const baseRules = (): string =>
  restore([
    `:${CUT_CHAIN} - [0:0]`,
    `:${DROP_CHAIN} - [0:0]`,
    `-A INPUT -j ${CUT_CHAIN}`,
    `-A INPUT -j ${DROP_CHAIN}`,
    '-A INPUT -m conntrack --ctstate NEW,ESTABLISHED,RELATED,INVALID,UNTRACKED',
  ])

/** Cuts the calls from each source into this namespace. */
export const cutRules = (sources: readonly RuleSource[]): string =>
  restore(
    sources.map(
      ({ link, from }) => `-A ${CUT_CHAIN} -s ${from}/32 -m conntrack --ctdir ORIGINAL -m comment --comment ql-cut:${link} -j DROP`,
    ),
  )

/** Loses each packet from each source into this namespace with `probability` (0..1), counting what it sees and drops. */
export const dropRules = (sources: readonly RuleSource[], probability: number): string =>
  restore(
    sources.flatMap(({ link, from }) => [
      `-A ${DROP_CHAIN} -s ${from}/32 -m comment --comment ql-seen:${link}`,
      `-A ${DROP_CHAIN} -s ${from}/32 -m statistic --mode random --probability ${probability} -m comment --comment ql-dropped:${link} -j DROP`,
    ]),
  )

/** Every rule of a chain, for `iptables -F`. */
export const flushChain = (chain: string): string[] => ['iptables', '-w', '-F', chain]

/** The loss counters in `iptables-save -c` output, by link. */
export function lossCounters(save: string): Map<string, LossCount> {
  const byLink = new Map<string, LossCount>()
  for (const match of save.matchAll(/^\[(\d+):\d+\] -A [\w-]+ .*--comment "?ql-(seen|dropped):([\w.-]+)"?/gm)) {
    const [, packets, kind, link] = match
    const count = byLink.get(link) ?? { seen: 0, dropped: 0 }
    count[kind as 'seen' | 'dropped'] += Number(packets)
    byLink.set(link, count)
  }
  return byLink
}
