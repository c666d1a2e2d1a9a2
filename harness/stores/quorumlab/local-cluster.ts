/**
 * A local cluster of store node processes talking to each other directly (no proxy):
 * what `quorumlab cluster` runs, and what store tests start.
 */
import { join } from 'node:path'
import type { StoreSettings } from '../../../store/config.ts'
import { clusterLayout, nodeIds, type ClusterLayout } from '../../cluster/layout.ts'
import { NodeProcess, type NodeProcessOptions } from './node-process.ts'
import { withClusterSecret } from './secret.ts'

export type LocalClusterOptions = {
  /** Number of nodes, named n1..nN unless `ids` names them. */
  nodes: number
  /** The nodes' ids, when not n1..nN. */
  ids?: string[]
  /** Node nI listens on ports[I-1]. */
  ports: number[]
  host?: string
  /** Node nI keeps its data in `<dataDir>/nI`. */
  dataDir: string
  /** Without a token, the cluster gets a new secret of its own. */
  settings: StoreSettings
  extraArgs?: string[]
  /** Options for each node process, by node id. */
  processOptions?: (id: string) => NodeProcessOptions
}

export class LocalCluster {
  readonly nodes: NodeProcess[]
  /** What every node started with, the cluster's secret included (made for it when none was given). */
  readonly settings: StoreSettings

  private constructor(nodes: NodeProcess[], settings: StoreSettings) {
    this.nodes = nodes
    this.settings = settings
  }

  /** Starts every node; if one fails, stops the others and rethrows. */
  static async start(options: LocalClusterOptions): Promise<LocalCluster> {
    const { host = '127.0.0.1', ports } = options
    const settings = withClusterSecret(options.settings)
    if (ports.length !== options.nodes) throw new Error(`need ${options.nodes} ports, got ${ports.length}`)
    const layout = renamed(
      clusterLayout({ nodes: options.nodes, listen: (i) => ({ host, port: ports[i - 1] }) }),
      options.ids ?? nodeIds(options.nodes),
    )
    const nodes = layout.nodes.map(
      ({ id, listen, peers }) =>
        new NodeProcess(
          { id, ...listen, dataDir: join(options.dataDir, id), peers, settings, extraArgs: options.extraArgs },
          options.processOptions?.(id),
        ),
    )
    const cluster = new LocalCluster(nodes, settings)
    const started = await Promise.allSettled(nodes.map((n) => n.start()))
    const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failure) {
      await cluster.stop()
      throw failure.reason
    }
    return cluster
  }

  node(id: string): NodeProcess {
    const node = this.nodes.find((n) => n.id === id)
    if (!node) throw new Error(`no node ${id} in this cluster`)
    return node
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.dispose()))
  }
}

/** The layout with node nI named `ids[I-1]` (a local cluster has no links to rename). */
function renamed(layout: ClusterLayout, ids: string[]): ClusterLayout {
  if (ids.length !== layout.nodes.length) throw new Error(`need ${layout.nodes.length} node ids, got ${ids.length}`)
  const name = (id: string): string => ids[Number(id.slice(1)) - 1]
  return {
    ...layout,
    nodes: layout.nodes.map((node) => ({ ...node, id: name(node.id), peers: node.peers.map((peer) => ({ ...peer, id: name(peer.id) })) })),
  }
}
