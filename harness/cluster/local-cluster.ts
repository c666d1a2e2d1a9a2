/**
 * A local cluster of store node processes talking to each other directly (no proxy):
 * what `quorumlab cluster` runs, and what store tests start.
 */
import { join } from 'node:path'
import type { StoreSettings } from '../../store/config.ts'
import { NodeProcess, type NodeProcessOptions } from './node-process.ts'

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
  settings: StoreSettings
  extraArgs?: string[]
  /** Options for each node process, by node id. */
  processOptions?: (id: string) => NodeProcessOptions
}

export const nodeIds = (count: number): string[] => Array.from({ length: count }, (_, i) => `n${i + 1}`)

export class LocalCluster {
  readonly nodes: NodeProcess[]

  private constructor(nodes: NodeProcess[]) {
    this.nodes = nodes
  }

  /** Starts every node; if one fails, stops the others and rethrows. */
  static async start(options: LocalClusterOptions): Promise<LocalCluster> {
    const { host = '127.0.0.1', ports } = options
    if (ports.length !== options.nodes) throw new Error(`need ${options.nodes} ports, got ${ports.length}`)
    const ids = options.ids ?? nodeIds(options.nodes)
    if (ids.length !== options.nodes) throw new Error(`need ${options.nodes} node ids, got ${ids.length}`)
    const nodes = ids.map(
      (id, i) =>
        new NodeProcess(
          {
            id,
            host,
            port: ports[i],
            dataDir: join(options.dataDir, id),
            peers: ids.flatMap((peer, j) => (peer === id ? [] : [{ id: peer, host, port: ports[j] }])),
            settings: options.settings,
            extraArgs: options.extraArgs,
          },
          options.processOptions?.(id),
        ),
    )
    const cluster = new LocalCluster(nodes)
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
