/**
 * The reference store as a store adapter: local mode starts its nodes under the run
 * folder, behind Toxiproxy links (`proxy` network) or each in its own network namespace
 * (`netns`); external mode (a cluster config file) connects to nodes someone else
 * started, through the proxy its file names. Either way the client is {@link QuorumlabClient}.
 */
import { withConsistencyFixes, type StoreSettings } from '../../../store/config.ts'
import { NEMESIS_NAMES } from '../../../common/contracts/history.ts'
import type { Cluster, StoreAdapter, StoreCapabilities } from '../../adapter/index.ts'
import { QuorumlabClient } from './client.ts'
import { QuorumlabForger } from './forger.ts'
import { loadExternalCluster } from './external-cluster.ts'
import { startNetnsCluster } from './netns-cluster.ts'
import { startProxiedCluster } from './proxied-cluster.ts'
import { withClusterSecret } from './secret.ts'

export type QuorumlabAdapterOptions = {
  /** Local mode: the settings every node starts with. External mode takes them from the config file. */
  settings: StoreSettings
  /** External mode: the cluster config file (`harness/stores/quorumlab/external-cluster.ts`). */
  clusterFile?: string
}

/**
 * What the reference store offers: version metadata, every nemesis on either network, no
 * compare-and-set. Its guarantees and models follow from its replication settings and
 * consistency mode, as the run records them (`reports/promises.ts`).
 */
export const QUORUMLAB_CAPABILITIES: StoreCapabilities = {
  cas: false,
  versionMetadata: true,
  promises: [],
  // On netns the network itself still refuses what the kernel cannot do (latency without netem).
  nemeses: { proxy: NEMESIS_NAMES, netns: NEMESIS_NAMES },
  placement: 'ring',
}

export function quorumlabAdapter({ settings: asked, clusterFile }: QuorumlabAdapterOptions): StoreAdapter {
  // What the nodes will run with (a consistency mode sets what it needs): the run records that.
  const given = withConsistencyFixes(asked)
  // The secret of each local cluster, for the forger's `inflated` contexts (an external cluster keeps its own).
  const secrets = new WeakMap<Cluster, string>()
  return {
    name: 'quorumlab',
    capabilities: QUORUMLAB_CAPABILITIES,
    async startCluster({ nodes, dataDir, nemeses, network }) {
      if (clusterFile) {
        if (network !== 'proxy')
          throw new Error(`an external cluster (${clusterFile}) runs on its own proxy links: it cannot use --network ${network}`)
        return loadExternalCluster(clusterFile)
      }
      const settings = withClusterSecret(given)
      // Toxicity is rolled per connection: drop needs one connection per message.
      const peerConnections = nemeses.includes('drop') ? 'per-message' : settings.peerConnections
      const cluster =
        network === 'netns'
          ? await startNetnsCluster({ nodes, settings, dataDir })
          : await startProxiedCluster({
              nodes,
              settings: { ...settings, peerConnections },
              dataDir,
              // Only the power nemesis pays for FUSE: its disks lose what was not fsynced.
              lazyDisks: nemeses.includes('power'),
            })
      secrets.set(cluster, settings.token)
      return cluster
    },
    openClient: async (cluster, options) => new QuorumlabClient(cluster.nodes, options),
    openForger: async (cluster, { timeoutMs }) => new QuorumlabForger({ nodes: cluster.nodes, secret: secrets.get(cluster), timeoutMs }),
  }
}
