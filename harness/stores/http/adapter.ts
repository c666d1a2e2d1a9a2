/**
 * Any HTTP/JSON key-value store as a store adapter (`--store http:FILE`), from a JSON
 * description and no code: the harness starts its nodes from the description's command,
 * sends each op as the description's request, and reads values, contexts and statuses as
 * it says. Such a store has no version metadata and no compare-and-set; it promises what
 * its description's `promises` list; with `{peers}` in its command its nodes talk through
 * links, so it takes partitions and latency besides crashes and pauses.
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
    nemeses: { proxy: givesPeers(description.node) ? ['crash', 'pause', 'partition', 'latency'] : ['crash', 'pause'] },
  }
}

/** The adapter of the store `description` describes; `file` is where it came from (recorded with the run). */
export function httpAdapter(description: HttpStoreDescription, file: string): StoreAdapter {
  return {
    name: 'http',
    capabilities: httpCapabilities(description),
    startCluster: ({ nodes, dataDir }) => startHttpCluster({ description, file, nodes, dataDir }),
    openClient: async (cluster, options) => new HttpStoreClient(description, cluster.nodes, options),
  }
}
