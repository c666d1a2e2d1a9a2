/**
 * The reference store as a store adapter: local mode starts its nodes under the run
 * folder, behind Toxiproxy links (`proxy` network) or each in its own network namespace
 * (`netns`); external mode (a cluster config file) connects to nodes someone else
 * started, through the proxy its file names. Either way the client is {@link QuorumlabClient}.
 */
import type { StoreSettings } from '../../../store/config.ts'
import type { StoreAdapter } from '../../adapter/index.ts'
import { QuorumlabClient } from './client.ts'
import { loadExternalCluster } from './external-cluster.ts'
import { startNetnsCluster } from './netns-cluster.ts'
import { startProxiedCluster } from './proxied-cluster.ts'

export type QuorumlabAdapterOptions = {
  /** Local mode: the settings every node starts with. External mode takes them from the config file. */
  settings: StoreSettings
  /** External mode: the cluster config file (`harness/stores/quorumlab/external-cluster.ts`). */
  clusterFile?: string
}

export function quorumlabAdapter({ settings, clusterFile }: QuorumlabAdapterOptions): StoreAdapter {
  return {
    name: 'quorumlab',
    async startCluster({ nodes, dataDir, nemeses, network }) {
      if (clusterFile) {
        if (network !== 'proxy')
          throw new Error(`an external cluster (${clusterFile}) runs on its own proxy links: it cannot use --network ${network}`)
        return loadExternalCluster(clusterFile)
      }
      if (network === 'netns') return startNetnsCluster({ nodes, settings, dataDir })
      // Toxicity is rolled per connection: drop needs one connection per message.
      const peerConnections = nemeses.includes('drop') ? 'per-message' : settings.peerConnections
      // Only the power nemesis pays for FUSE: its disks lose what was not fsynced.
      return startProxiedCluster({ nodes, settings: { ...settings, peerConnections }, dataDir, lazyDisks: nemeses.includes('power') })
    },
    openClient: async (cluster, options) => new QuorumlabClient(cluster.nodes, options),
  }
}
