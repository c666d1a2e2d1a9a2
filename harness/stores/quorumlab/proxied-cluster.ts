/**
 * Local mode: a Toxiproxy (embedded, or the real one at TOXIPROXY_URL), N store node
 * processes with their data under the run folder, and every link between them created
 * through the proxy before the nodes start, so no byte bypasses it.
 */
import type { StoreSettings } from '../../../store/config.ts'
import type { Cluster } from '../../adapter/index.ts'
import { LazyDisks } from '../../cluster/lazy-disks.ts'
import { openProxiedLayout } from '../../cluster/proxied-layout.ts'
import type { ProxyNetwork } from '../../network/index.ts'
import type { ToxiproxyEndpoint } from '../../proxy/index.ts'
import { quorumlabCluster } from './cluster.ts'
import { layoutProcesses, processControl, processReport, type NodeProcess } from './node-process.ts'
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
  /** Each node's data dir on a lazyfs disk (`<dataDir>/nI.disk` backs it), so the cluster can cut a node's power. */
  lazyDisks?: boolean
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
  let disks: LazyDisks | undefined
  const teardown = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.dispose()))
    await disks?.unmount()
    await close()
  }
  try {
    if (options.lazyDisks)
      disks = await LazyDisks.mount(
        options.dataDir,
        layout.nodes.map((n) => n.id),
      )
    processes.push(...layoutProcesses(layout, options))
    await Promise.all(processes.map((p) => p.start()))
    const control = processControl(processes)
    const onDisks = disks
    return quorumlabCluster({
      nodes: layout.nodes.map(({ id, client }) => ({ id, ...client })),
      settings: options.settings,
      control,
      network,
      teardown,
      nodeReport: (id) => processReport(processes, id),
      ...(onDisks
        ? {
            async powerCut(node: string) {
              await control.kill(node)
              return onDisks.powerCut(node)
            },
          }
        : {}),
    })
  } catch (error) {
    await teardown().catch(() => undefined)
    throw error
  }
}
