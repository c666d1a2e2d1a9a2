/**
 * The cluster half of a store adapter (Jepsen's `DB` protocol with process and pause
 * control): where clients reach the nodes, control of each node, the network the
 * nemeses act on, and what the store can do beyond the contract (optional methods: a
 * cluster has them only when its store offers them). Contract only: implementations
 * live under `harness/stores/<store>/`, built from the store-neutral parts in
 * `harness/cluster/`.
 */
import type { ReplicationSettings } from '../../common/contracts/history.ts'
import type { OpResult } from './client.ts'
import type { NodeWarsSnapshot } from '../../common/contracts/wars.ts'
import type { Network } from './network.ts'

/** Where a client reaches a node (proxy network: the listen address of its client link `c-nI`; netns: the node's own address). */
export type NodeAddress = { id: string; host: string; port: number }

/** What node control can do; a run refuses, before it starts, a nemesis that needs more. */
export type NodeControlCapabilities = {
  /** `kill` and `start` (the crash nemesis). */
  kill: boolean
  /** `pause` and `resume` (the pause nemesis). */
  pause: boolean
}

/**
 * Control of one node at a time, by node id. A method the control cannot do rejects
 * with a message saying so.
 */
export type NodeControl = {
  can: NodeControlCapabilities
  /** Starts a node that is down (killed or stopped) again from its data; resolves once it serves. */
  start(node: string): Promise<void>
  /** Stops a node gracefully (SIGTERM or the container's stop), killing it if it does not stop in time. */
  stop(node: string): Promise<void>
  /** kill -9: no chance to flush or say goodbye. */
  kill(node: string): Promise<void>
  /** `stop`, then `start`. */
  restart(node: string): Promise<void>
  /** SIGSTOP (or the container's freeze): the node holds its connections and answers nothing. */
  pause(node: string): Promise<void>
  /** SIGCONT (or thaw). */
  resume(node: string): Promise<void>
  /**
   * kill -9 and delete the node's data, as a lost disk (the wipe nemesis); `start` brings
   * it back empty. Only controls that know where a node keeps its data have it.
   */
  wipe?(node: string): Promise<void>
}

/** What the run's first history record says about the running store, beside the adapter's capabilities. */
export type StoreDescription = {
  /** One line naming the store, its version and settings, for reports: `etcd 3.6.16, linearizable reads`. */
  summary: string
  /** Store-specific settings worth keeping in the run record (JSON values). */
  settings?: Record<string, unknown>
  /** The reference store only: its replication settings, recorded at the top of the run record. */
  replication?: ReplicationSettings
}

/**
 * Node-to-node messages a node sent since it started, as a lossy network sees them: the
 * messages that reached the network (calls that failed at once, without reaching the
 * peer, are not counted) and those lost (no answer in time). `byPeer` splits them by the
 * peer they went to, when the store counts that, with `received`: the messages from that
 * peer that reached this node. With both ends' counts a lost message is one sent and
 * never received, which a slow answer is not.
 */
export type PeerTraffic = {
  messages: number
  dropped: number
  byPeer?: Record<string, { messages: number; dropped: number; received?: number }>
}

/** A running cluster, started by an adapter or described by a config file (external mode). */
export type Cluster = {
  /** Every node with its client address, in node order (n1, n2...). */
  nodes: readonly NodeAddress[]
  control: NodeControl
  network: Network
  description: StoreDescription
  /** Resolves once every node serves clients; rejects naming the nodes that did not within `timeoutMs` ms. */
  ready(timeoutMs: number): Promise<void>
  /** Stops what this cluster started (nodes, links, an embedded proxy); leaves what it did not start. */
  teardown(): Promise<void>

  // ---- what only some stores offer ----

  /** True once replicas agree (the reference store: no hints held, equal Merkle roots on every arc). */
  converged?(): Promise<boolean>
  /** The nodes that hold `key`, in preference order: colocated keys and coordinator routing need it. */
  preferenceList?(key: string): readonly string[]
  /** Moves a node's wall clock `skewMs` ms away from the host's (0: back); the clock nemesis needs it. */
  skewClock?(node: string, skewMs: number): Promise<void>
  /** A node's own count of node-to-node messages; the drop nemesis reports the achieved loss rate from it. */
  peerTraffic?(node: string): Promise<PeerTraffic>
  /**
   * Power loss (the power nemesis): kills the node (SIGKILL) and drops every write its
   * disk had not made durable (fsync); `control.start` brings it back. Only a cluster
   * whose nodes run on lazyfs disks has it.
   */
  powerCut?(node: string): Promise<PowerCut>
  /**
   * What one replica itself holds for `key` (no quorum, no merge with other replicas, no
   * read repair), as a read's outcome: the final phase reads every home replica this way,
   * so a divergent replica cannot hide behind a quorum's merge.
   */
  replicaRead?(node: string, key: string): Promise<OpResult>
  /** The WARS legs (PBS) a node timed as coordinator, on the host's monotonic clock; the report's PBS prediction needs it. */
  warsLatencies?(node: string): Promise<NodeWarsSnapshot>
}

/** What a power cut dropped from a node's disk: files with unsynced data, their unsynced bytes, namespace changes undone. */
export type PowerCut = { droppedFiles: number; droppedBytes: number; undoneChanges: number }
