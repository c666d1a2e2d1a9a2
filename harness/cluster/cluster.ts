/**
 * What a run needs from a cluster, whoever started it: where clients reach each node (its
 * client link), the Toxiproxy that carries every link, and control of the node processes
 * or containers. Local mode and external mode both provide this.
 */
import type { Proxy, Toxiproxy } from 'toxiproxy-node-client'
import type { VersioningMode } from '../../common/contracts/causal.ts'

/** Where a client reaches a node: the listen address of its client link `c-nI`. */
export type ClusterNode = { id: string; host: string; port: number }

export type NodeControl = {
  /** What this control can do; nemeses that need more are refused before the run. */
  can: { crash: boolean; pause: boolean }
  /** kill -9 (or the container's equivalent). */
  crash(node: string): Promise<void>
  /** Starts a crashed node again from its data. */
  restart(node: string): Promise<void>
  /** SIGSTOP. */
  pause(node: string): Promise<void>
  /** SIGCONT. */
  resume(node: string): Promise<void>
}

export type StoreDescription = { n: number; r: number; w: number; vnodes: number; versioning: VersioningMode; strict: boolean }

export type Cluster = {
  nodes: ClusterNode[]
  /** The cluster token (internal calls, `/admin/clock`). */
  token: string
  /** The store's settings, as the run records them and a client-side ring needs them. */
  store: StoreDescription
  toxiproxy: Toxiproxy
  /** Which Toxiproxy: `embedded` or `real`, and its API URL. */
  proxy: { kind: 'embedded' | 'real'; url: string }
  /** Client links by node id (`c-nI`). */
  clientLinks: Map<string, Proxy>
  /** Node-to-node links by name (`nI-nJ`). */
  peerLinks: Map<string, { from: string; to: string; proxy: Proxy }>
  control: NodeControl
  /** Base URL of a node through its client link. */
  url(node: string): string
  /** Stops what this cluster started (nodes, links, the embedded proxy). */
  stop(): Promise<void>
}
