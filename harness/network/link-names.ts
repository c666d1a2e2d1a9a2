/**
 * Link names, the same in every network and in every history record: `c-nI` carries
 * client traffic to node I (proxy network), `nI-nJ` node I's calls to node J.
 */
import type { LinkPair } from '../adapter/index.ts'

export const clientLinkName = (node: string): string => `c-${node}`
export const peerLinkName = (from: string, to: string): string => `${from}-${to}`
export const pairName = ([from, to]: LinkPair): string => peerLinkName(from, to)
