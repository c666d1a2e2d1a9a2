/**
 * Local mode on the netns network (`--network netns`): a network namespace per node
 * (`harness/network/`), each node started inside its own with `ip netns exec`, listening
 * on its namespace's address, its peers the other nodes' addresses (no proxy). The
 * harness and its clients, on the host, reach every node directly over the bridge.
 */
import type { StoreSettings } from '../../../store/config.ts'
import type { Cluster } from '../../adapter/index.ts'
import { clusterLayout, nodeIds } from '../../cluster/layout.ts'
import { NetnsNetwork } from '../../network/index.ts'
import { withClusterSecret } from './secret.ts'
import { quorumlabCluster } from './cluster.ts'
import { layoutProcesses, processControl, processReport, type NodeProcess } from './node-process.ts'

/** The port every node listens on: each has a namespace, and so ports, of its own. */
const NODE_PORT = 7000

export type NetnsClusterOptions = {
  nodes: number
  settings: StoreSettings
  /** Node nI keeps its data in `<dataDir>/nI` and its log in `<dataDir>/nI.log`. */
  dataDir: string
  extraArgs?: string[]
}

/**
 * Creates the network, then starts every node in its namespace; if any of it fails,
 * stops what it started, removes the network and rethrows.
 */
export async function startNetnsCluster(given: NetnsClusterOptions): Promise<Cluster & { network: NetnsNetwork }> {
  const options = { ...given, settings: withClusterSecret(given.settings) }
  const ids = nodeIds(options.nodes)
  const network = await NetnsNetwork.create({ nodes: ids })
  const processes: NodeProcess[] = []
  const teardown = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.dispose()))
    await network.teardown()
  }
  try {
    const layout = clusterLayout({ nodes: options.nodes, listen: (i) => ({ host: network.address(ids[i - 1]), port: NODE_PORT }) })
    processes.push(...layoutProcesses(layout, { ...options, launcher: (id) => network.launcher(id) }))
    await Promise.all(processes.map((p) => p.start()))
    return quorumlabCluster({
      nodes: layout.nodes.map(({ id, client }) => ({ id, ...client })),
      settings: options.settings,
      control: processControl(processes),
      network,
      teardown,
      nodeReport: (id) => processReport(processes, id),
    })
  } catch (error) {
    await teardown().catch(() => undefined)
    throw error
  }
}
