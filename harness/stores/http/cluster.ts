/**
 * A local cluster of an http store: each node started from the description's command
 * template as a child process (its output in `<dataDir>/nI.log`, its data in
 * `<dataDir>/nI`). On the proxy network it sits behind Toxiproxy client links and, when the
 * command gives nodes their peers (`{peers}`), a link per ordered pair of nodes as the
 * reference store has, so partitions and latency act between nodes; on the netns network
 * each node runs in its own namespace, on its namespace's address. A node serves once it
 * answers the description's ready request.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { HttpEndpoint } from '../../../common/helpers/http-endpoint.ts'
import type { NetworkKind } from '../../../common/contracts/history.ts'
import type { Cluster, Network } from '../../adapter/index.ts'
import { type ClusterLayout, clusterLayout, type NodeLayout, nodeIds } from '../../cluster/layout.ts'
import { logTail, spawnLogged } from '../../cluster/logged-process.ts'
import { nodeControl } from '../../cluster/node-control.ts'
import type { ProcessControl } from '../../cluster/process-control.ts'
import { openProxiedLayout } from '../../cluster/proxied-layout.ts'
import { NetnsNetwork } from '../../network/index.ts'
import type { HttpStoreDescription } from './description.ts'
import { fillCommand, placeholders } from './templates.ts'

export type HttpClusterOptions = {
  description: HttpStoreDescription
  /** The description file, for the run record. */
  file: string
  nodes: number
  /** Node nI keeps its data in `<dataDir>/nI` and its output in `<dataDir>/nI.log`. */
  dataDir: string
  network: NetworkKind
}

/** Where the nodes run: their layout, the network the nemeses act on, and what a node's command runs under. */
type Placement = { layout: ClusterLayout; network: Network; launcher?: (id: string) => string[]; close(): Promise<void> }

/** The port every node listens on in netns: each has a namespace, and so ports, of its own. */
const NETNS_PORT = 7000

const POLL_MS = 100
const PROBE_TIMEOUT_MS = 1000

/** True when the command tells each node where its peers are: then nodes talk through links the nemeses can cut. */
export const givesPeers = (node: HttpStoreDescription['node']): boolean =>
  node.command.some((word) => placeholders(word).includes('peers')) ||
  Object.values(node.env).some((v) => placeholders(v).includes('peers'))

async function place(nodes: number, kind: NetworkKind, peerLinks: boolean): Promise<Placement> {
  if (kind === 'proxy') return openProxiedLayout({ nodes, peerLinks })
  const ids = nodeIds(nodes)
  const network = await NetnsNetwork.create({ nodes: ids })
  return {
    layout: clusterLayout({ nodes, listen: (i) => ({ host: network.address(ids[i - 1]), port: NETNS_PORT }) }),
    network,
    launcher: (id) => network.launcher(id),
    close: () => network.teardown(),
  }
}

/** Starts the network and every node; if any of it fails, stops what it started and rethrows. */
export async function startHttpCluster({ description, file, nodes, dataDir, network: kind }: HttpClusterOptions): Promise<Cluster> {
  const { layout, network, launcher, close } = await place(nodes, kind, givesPeers(description.node))
  const runners = layout.nodes.map((node) => new NodeRunner(description.node, node, dataDir, launcher?.(node.id) ?? []))
  const teardown = async (): Promise<void> => {
    await Promise.all(runners.map((r) => r.dispose()))
    await close()
  }
  try {
    await Promise.all(runners.map((r) => r.start()))
  } catch (error) {
    await teardown().catch(() => undefined)
    throw error
  }
  return {
    nodes: layout.nodes.map(({ id, client }) => ({ id, ...client })),
    control: nodeControl(new Map(runners.map((r) => [r.id, r]))),
    network,
    description: {
      summary: `${description.name} (http store described by ${file})`,
      settings: { name: description.name, description: file },
    },
    ready: async (timeoutMs) => {
      await Promise.all(runners.map((r) => r.waitServing(timeoutMs)))
    },
    teardown,
  }
}

/** One node: its command, its process while it runs, and the probe that says it serves. */
class NodeRunner {
  readonly id: string
  #node: HttpStoreDescription['node']
  #layout: NodeLayout
  #dataDir: string
  #logFile: string
  #probe: HttpEndpoint
  #control: ProcessControl | undefined
  #launcher: string[]

  /** `launcher`: the words a node's command runs under (its namespace's `ip netns exec`), if any. */
  constructor(node: HttpStoreDescription['node'], layout: NodeLayout, dataDir: string, launcher: string[]) {
    this.id = layout.id
    this.#launcher = launcher
    this.#node = node
    this.#layout = layout
    this.#dataDir = join(dataDir, layout.id)
    this.#logFile = join(dataDir, `${layout.id}.log`)
    this.#probe = new HttpEndpoint(layout.address)
  }

  /** Spawns the node (from its data dir, if it ran before) and resolves once it serves. */
  async start(): Promise<void> {
    if (this.#control?.running) throw new Error(`${this.id} is already running`)
    await mkdir(this.#dataDir, { recursive: true })
    const { argv, env } = fillCommand(this.#node, {
      id: this.id,
      listen: this.#layout.listen,
      dataDir: this.#dataDir,
      peers: this.#layout.peers,
    })
    this.#control = await spawnLogged([...this.#launcher, ...argv], this.#logFile, { cwd: this.#node.cwd, env })
    await this.waitServing(this.#node.startTimeoutMs)
  }

  async stop(graceMs = 5000): Promise<void> {
    await this.#control?.stop(graceMs)
  }

  async kill(): Promise<void> {
    await this.#control?.kill()
  }

  async pause(): Promise<void> {
    await this.#control?.pause()
  }

  resume(): void {
    this.#control?.resume()
  }

  /** Stops the node and closes its probe: the runner is not used again. */
  async dispose(): Promise<void> {
    await this.stop(2000)
    this.#probe.close()
  }

  /** True when the node answers its ready request as the description says it should. */
  async serves(): Promise<boolean> {
    const { method, path, statuses } = this.#node.ready
    try {
      const { status } = await this.#probe.request({ method, path, timeoutMs: PROBE_TIMEOUT_MS })
      return statuses.length === 0 || statuses.includes(status)
    } catch {
      return false
    }
  }

  /** Polls until the node serves; throws after `timeoutMs` ms, or as soon as its process exits, with the end of its log. */
  async waitServing(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      if (!this.#control?.running) {
        const status = this.#control?.exitStatus ?? 'never started'
        throw new Error(`${this.id} exited (${status}) before serving; end of ${this.#logFile}:\n${await logTail(this.#logFile)}`)
      }
      if (await this.serves()) return
      if (performance.now() > deadline) {
        throw new Error(`${this.id} did not serve within ${timeoutMs} ms; end of ${this.#logFile}:\n${await logTail(this.#logFile)}`)
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  }
}
