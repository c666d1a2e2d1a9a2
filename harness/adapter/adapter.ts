/**
 * A store adapter: how the harness starts (or connects to) a cluster of one kind of store
 * and opens a client to it. The run sees a store only through this, its {@link Cluster}
 * and its {@link Client}; `harness/stores/<store>/` implements it.
 */
import type { ForgeAttempt, ForgeKind, NemesisName, NetworkKind } from '../../common/contracts/history.ts'
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
 * One kind of store, with its settings already bound (the CLI builds it from its flags).
 * What the store can do beyond get/put/delete is said by its cluster: `control.can` and
 * the optional methods of {@link Cluster}.
 */
export type StoreAdapter = {
  /** Short name, as `--store` will take it (`quorumlab`). */
  name: string
  /** Starts a cluster (or connects to an external one) and resolves once it is up; cleans up after itself if it cannot. */
  startCluster(request: ClusterRequest): Promise<Cluster>
  /** Opens a client to every node of the cluster (Jepsen's `open!`), shared by a run's sessions. */
  openClient(cluster: Cluster, options: ClientOptions): Promise<Client>
  /** Opens the forging client of the security test (`--forge`), for a store whose contexts can be forged at all. */
  openForger?(cluster: Cluster, options: ClientOptions): Promise<Forger>
}

/**
 * The security test's client: writes with contexts no honest client holds, which the
 * store must refuse. Not a nemesis: it attacks through the client API, as anyone who
 * reaches a node could.
 */
export type Forger = {
  /** The kinds it can send (some need the cluster's secret). */
  readonly kinds: readonly ForgeKind[]
  /** One forged write to `key` through `node`; resolves with the store's answer, never rejects for a failed request. */
  attempt(kind: ForgeKind, key: string, node: string): Promise<ForgeAttempt>
  close(): Promise<void>
}
