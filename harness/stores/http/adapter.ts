/**
 * Any HTTP/JSON key-value store as a store adapter (`--store http:FILE`), from a JSON
 * description and no code: the harness starts its nodes from the description's command,
 * sends each op as the description's request, and reads values, contexts and statuses as
 * it says. Such a store has no version metadata and no compare-and-set; it promises what
 * its description's `promises` list. With `{peers}` in its command its nodes find each other
 * where the harness says, so it takes partitions and latency besides crashes and pauses
 * (and packet loss on the netns network); without, only crashes and pauses.
 */
import type { StoreAdapter, StoreCapabilities } from '../../adapter/index.ts'
import { startHttpCluster, givesPeers } from './cluster.ts'
import { HttpStoreClient } from './client.ts'
import type { HttpStoreDescription } from './description.ts'

export function httpCapabilities(description: HttpStoreDescription): StoreCapabilities {
  return {
    cas: false,
    versionMetadata: false,
    promises: description.promises,
    nemeses: givesPeers(description.node)
      ? { proxy: ['crash', 'pause', 'partition', 'latency'], netns: ['crash', 'pause', 'partition', 'drop', 'latency'] }
      : { proxy: ['crash', 'pause'], netns: ['crash', 'pause'] },
  }
}

/** The adapter of the store `description` describes; `file` is where it came from (recorded with the run). */
export function httpAdapter(description: HttpStoreDescription, file: string): StoreAdapter {
  return {
    name: 'http',
    capabilities: httpCapabilities(description),
    startCluster: ({ nodes, dataDir, network }) => startHttpCluster({ description, file, nodes, dataDir, network }),
    openClient: async (cluster, options) => new HttpStoreClient(description, cluster.nodes, options),
  }
}
