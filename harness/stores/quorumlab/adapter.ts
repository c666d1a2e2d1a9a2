/**
 * The reference store as a store adapter: local mode starts its nodes behind a proxy
 * under the run folder; external mode (a cluster config file) connects to nodes someone
 * else started. Either way the client is {@link QuorumlabClient}.
 */
import type { StoreSettings } from '../../../store/config.ts'
import { NEMESIS_NAMES } from '../../../common/contracts/history.ts'
import type { StoreAdapter, StoreCapabilities } from '../../adapter/index.ts'
import { QuorumlabClient } from './client.ts'
import { loadExternalCluster } from './external-cluster.ts'
import { startProxiedCluster } from './proxied-cluster.ts'

export type QuorumlabAdapterOptions = {
  /** Local mode: the settings every node starts with. External mode takes them from the config file. */
  settings: StoreSettings
  /** External mode: the cluster config file (`harness/stores/quorumlab/external-cluster.ts`). */
  clusterFile?: string
}

/**
 * What the reference store offers: version metadata, every nemesis on the proxy network,
 * no compare-and-set. Its guarantees follow from its replication settings
 * (`reports/promises.ts`); in its eventual mode it promises no consistency model.
 */
export const QUORUMLAB_CAPABILITIES: StoreCapabilities = {
  cas: false,
  versionMetadata: true,
  promises: [],
  nemeses: { proxy: NEMESIS_NAMES },
  placement: 'ring',
}

export function quorumlabAdapter({ settings, clusterFile }: QuorumlabAdapterOptions): StoreAdapter {
  return {
    name: 'quorumlab',
    capabilities: QUORUMLAB_CAPABILITIES,
    startCluster: ({ nodes, dataDir, nemeses }) =>
      clusterFile
        ? loadExternalCluster(clusterFile)
        : startProxiedCluster({
            nodes,
            // Toxicity is rolled per connection: drop needs one connection per message.
            settings: { ...settings, peerConnections: nemeses.includes('drop') ? 'per-message' : settings.peerConnections },
            dataDir,
          }),
    openClient: async (cluster, options) => new QuorumlabClient(cluster.nodes, options),
  }
}
