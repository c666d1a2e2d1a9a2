/**
 * The networks a cluster's nodes talk over, each implementing the nemeses' `Network`
 * contract (`harness/adapter/network.ts`): Toxiproxy links (`proxy`, everywhere) and a
 * Linux network namespace per node with iptables faults (`netns`, Linux and root), with
 * the netns network's checks and its cleanup of a killed run's leftovers.
 */
export { clientLinkName, peerLinkName } from './link-names.ts'
export { cleanupNetns, netnsRuns, type CleanupResult, type NetnsRun } from './netns/cleanup.ts'
export { NetnsNetwork } from './netns/netns-network.ts'
export { netnsCapabilities, netnsSupport } from './netns/support.ts'
export { proxyNetwork, type LinkProxy, type ProxyNetwork } from './proxy-network.ts'
