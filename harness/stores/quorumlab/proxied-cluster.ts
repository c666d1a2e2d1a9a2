/**
 * Local mode: a Toxiproxy (embedded, or the real one at TOXIPROXY_URL), N store node
 * processes with their data under the run folder, and every link between them created
 * through the proxy before the nodes start, so no byte bypasses it.
 */
import type { StoreSettings } from '../../../store/config.ts'
import type { Cluster } from '../../adapter/index.ts'
import { openProxiedLayout } from '../../cluster/proxied-layout.ts'
import type { ProxyNetwork } from '../../network/index.ts'
import type { ToxiproxyEndpoint } from '../../proxy/index.ts'
import { quorumlabCluster } from './cluster.ts'
import { layoutProcesses, processControl, type NodeProcess } from './node-process.ts'
import { withClusterSecret } from './secret.ts'

export type ProxiedClusterOptions = {
  nodes: number
  settings: StoreSettings
  /** Node nI keeps its data in `<dataDir>/nI` and its log in `<dataDir>/nI.log`. */
  dataDir: string
  host?: string
  extraArgs?: string[]
  /** A Toxiproxy to use; by default TOXIPROXY_URL's, else a new embedded one. */
  endpoint?: ToxiproxyEndpoint
}

/** Starts the proxy, the links and the nodes; if any of it fails, stops what it started and rethrows. */
export async function startProxiedCluster(given: ProxiedClusterOptions): Promise<Cluster & { network: ProxyNetwork }> {
  const options = { ...given, settings: withClusterSecret(given.settings) }
  const { layout, network, close } = await openProxiedLayout({
    nodes: options.nodes,
    peerLinks: true,
    host: options.host,
    endpoint: options.endpoint,
  })
  const processes: NodeProcess[] = []
  const teardown = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.dispose()))
    await close()
  }
  try {
    processes.push(...layoutProcesses(layout, options))
    await Promise.all(processes.map((p) => p.start()))
    return quorumlabCluster({
      nodes: layout.nodes.map(({ id, client }) => ({ id, ...client })),
      settings: options.settings,
      control: processControl(processes),
      network,
      teardown,
    })
  } catch (error) {
    await teardown().catch(() => undefined)
    throw error
  }
}
