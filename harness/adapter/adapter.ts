/**
 * A store adapter: how the harness starts (or connects to) a cluster of one kind of store
 * and opens a client to it, and what the store can do beyond get/put/delete. The run sees
 * a store only through this, its {@link Cluster} and its {@link Client};
 * `harness/stores/<store>/` implements it, and a user's own module may too (`--store PATH`).
 */
import type { NemesisName, NetworkKind } from '../../common/contracts/history.ts'
import type { Client, ClientOptions } from './client.ts'
import type { Cluster } from './cluster.ts'

/** What a run asks of the cluster it is about to test. */
export type ClusterRequest = {
  /** How many nodes to start (n1..nN), when the adapter starts them. */
  nodes: number
  /** Folder for the nodes' data and logs (inside the run folder). */
  dataDir: string
  /** The nemeses the run will use: an adapter may start its nodes to suit them. */
  nemeses: readonly NemesisName[]
  /**
   * The network to start the nodes on: `proxy` (Toxiproxy links) or `netns` (a network
   * namespace per node). An adapter that cannot start its nodes on it rejects saying so.
   */
  network: NetworkKind
}

/**
 * What a store offers beyond get/put/delete, known before anything starts, so a run can
 * refuse what the store cannot take (a cas op, a nemesis) with a clear message.
 */
export type StoreCapabilities = {
  /** The client runs compare-and-set ops (`CasOp`); without it they answer `fail unsupported_op`. */
  cas: boolean
  /**
   * Reads and writes carry the reference store's version metadata (dots, causal contexts):
   * staleness, register lost writes and the context-based session checks need it.
   */
  versionMetadata: boolean
  /**
   * What the store promises, with its settings, by check name (`PROMISABLE_CHECKS`: a
   * consistency model such as `linearizable`, or a guarantee judged from values). The verdict
   * exits 1 only when a promised check fails. The reference store's own guarantees follow
   * from its replication settings instead (`reports/promises.ts`).
   */
  promises: readonly string[]
  /**
   * The networks its clusters run on, each with the nemeses they can take there; a network
   * missing here is one the store cannot run on. The network itself (`Network.can`) and
   * node control (`Cluster.control.can`) are still checked once the cluster runs.
   */
  nemeses: Readonly<Partial<Record<NetworkKind, readonly NemesisName[]>>>
  /**
   * Where keys live: `ring` (the cluster's `preferenceList` says, so colocated keys and
   * coordinator routing work), `everywhere` (every node holds every key: any keys are
   * colocated), or absent when the store does not say (spread keys and random routing only).
   */
  placement?: 'ring' | 'everywhere'
}

/**
 * One kind of store, with its settings already bound (the CLI builds it from its flags).
 * What the store can do beyond get/put/delete is said by {@link StoreCapabilities} and, once
 * it runs, by its cluster: `control.can` and the optional methods of {@link Cluster}.
 */
export type StoreAdapter = {
  /** Short name, as `--store` takes it (`quorumlab`, `etcd`, `http`) or a user module's own. */
  name: string
  capabilities: StoreCapabilities
  /** Starts a cluster (or connects to an external one) and resolves once it is up; cleans up after itself if it cannot. */
  startCluster(request: ClusterRequest): Promise<Cluster>
  /** Opens a client to every node of the cluster (Jepsen's `open!`), shared by a run's sessions. */
  openClient(cluster: Cluster, options: ClientOptions): Promise<Client>
}
