/**
 * etcd as a store adapter (`--store etcd`): a real etcd 3.6 cluster of 1 to 9 members
 * (usually 3 or 5), built or found by `ensureEtcd()`, and its v3-gateway client behind the
 * seam's {@link Client}. With linearizable reads etcd promises linearizability (Jepsen's
 * etcd analyses agree for single-key ops); with serializable reads a member answers from
 * its own state, possibly stale, and nothing beyond that is promised. On the proxy network
 * clients reach members through Toxiproxy links; on the netns network each member lives in
 * its own namespace, so partitions and packet loss act between members.
 */
import { CAS_MISMATCH, type Client, type Op, type OpResult, type StoreAdapter, type StoreCapabilities } from '../../adapter/index.ts'
import { ensureEtcd, embeddedEtcdVersion, checkEtcdBinary } from './binary.ts'
import { EtcdClient, type EtcdOutcome, type EtcdReads } from './client.ts'
import { startNetnsEtcd } from './netns-cluster.ts'
import { startProxiedEtcd } from './proxied-cluster.ts'

export type EtcdAdapterOptions = {
  /** How gets read: `linearizable` (through the leader's read index) or `serializable` (the member's own state). */
  reads: EtcdReads
}

/** What etcd offers: compare-and-set, no version metadata; crash and pause on the proxy network, every link fault too on netns. */
export function etcdCapabilities(reads: EtcdReads): StoreCapabilities {
  return {
    cas: true,
    versionMetadata: false,
    promises: reads === 'linearizable' ? ['linearizable'] : [],
    // Members find each other by advertised address: faults between them need the netns network.
    nemeses: { proxy: ['crash', 'pause'], netns: ['crash', 'pause', 'partition', 'drop', 'latency'] },
    // Raft replicates every key to every member.
    placement: 'everywhere',
  }
}

export function etcdAdapter({ reads }: EtcdAdapterOptions): StoreAdapter {
  return {
    name: 'etcd',
    capabilities: etcdCapabilities(reads),
    async startCluster({ nodes, dataDir, network }) {
      const binary = await ensureEtcd()
      const version = process.env.ETCD_BIN ? await checkEtcdBinary(binary) : await embeddedEtcdVersion()
      const options = { binary, version, nodes, dataDir, reads }
      return network === 'netns' ? startNetnsEtcd(options) : startProxiedEtcd(options)
    },
    openClient: async (cluster, { timeoutMs }) => new EtcdStoreClient(new EtcdClient({ nodes: [...cluster.nodes], timeoutMs, reads })),
  }
}

/** The seam's client over {@link EtcdClient}: a cas whose comparison did not hold is a `fail` (Jepsen's convention). */
export class EtcdStoreClient implements Client {
  #client: EtcdClient

  constructor(client: EtcdClient) {
    this.#client = client
  }

  async invoke(op: Op): Promise<OpResult> {
    switch (op.f) {
      case 'get': {
        const outcome = await this.#client.invoke(op)
        return outcome.type === 'ok' ? { type: 'ok', values: outcome.values } : failed(outcome)
      }
      case 'put':
      case 'delete': {
        const outcome = await this.#client.invoke(op.f === 'put' ? { f: 'put', key: op.key, node: op.node, value: op.value } : op)
        return outcome.type === 'ok' ? { type: 'ok' } : failed(outcome)
      }
      case 'cas': {
        const outcome = await this.#client.invoke(op)
        if (outcome.type !== 'ok') return failed(outcome)
        return outcome.succeeded ? { type: 'ok' } : { type: 'fail', error: CAS_MISMATCH }
      }
    }
  }

  close(): Promise<void> {
    return this.#client.close()
  }
}

const failed = (outcome: Exclude<EtcdOutcome, { type: 'ok' }>): OpResult => ({ type: outcome.type, error: outcome.error })
