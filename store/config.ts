/**
 * A node's configuration: its defaults and the checks that turn what a user typed into
 * a valid config, or into a list of every problem found.
 */
import { VERSIONING_MODES, type VersioningMode } from '../common/contracts/causal.ts'

export type PeerAddress = {
  id: string
  /** Where this node reaches the peer (a proxy listener when links are proxied). */
  host: string
  port: number
}

export type NodeConfig = {
  id: string
  /** Interface to listen on. */
  host: string
  port: number
  dataDir: string
  peers: PeerAddress[]
  /** Replicas per key. */
  n: number
  /** Replies a read waits for by default. */
  r: number
  /** Durable acks a write waits for by default (the coordinator's own included). */
  w: number
  versioning: VersioningMode
  /** Shared secret for node-to-node calls and for signing contexts. */
  token: string
  /** Tokens (virtual nodes) per node on the ring. */
  vnodes: number
  /** How long a coordinator waits for one replica call, ms. */
  replicaTimeoutMs: number
  /** Largest accepted value, as serialized JSON, bytes. */
  maxValueBytes: number
  /** Only home replicas count towards W: no sloppy quorum, no hinted handoff. */
  strict: boolean
  /** How often a node gossips its membership view to a random peer, ms. */
  gossipIntervalMs: number
  /** Phi above which the failure detector marks a peer down (suspect from half of it). */
  phiThreshold: number
  /** How often held hints are offered to their owners, ms. */
  hintIntervalMs: number
  /** Repair stale replicas after reads. */
  readRepair: boolean
  /** How often a node compares Merkle trees with a peer, ms; 0 turns anti-entropy off. */
  antiEntropyIntervalMs: number
  /**
   * `pooled`: node-to-node calls reuse kept-alive connections. `per-message`: every call
   * opens its own connection, so a proxy's per-connection toxicity acts per message.
   */
  peerConnections: PeerConnections
}

export const PEER_CONNECTIONS = ['pooled', 'per-message'] as const
export type PeerConnections = (typeof PEER_CONNECTIONS)[number]

/** What every node of a cluster shares: the config without a node's identity and addresses. */
export type StoreSettings = Omit<NodeConfig, 'id' | 'host' | 'port' | 'dataDir' | 'peers'>

export const NODE_DEFAULTS = {
  n: 3,
  r: 2,
  w: 2,
  versioning: 'dvv',
  token: 'quorumlab',
  vnodes: 16,
  replicaTimeoutMs: 1000,
  maxValueBytes: 1024 * 1024,
  strict: false,
  gossipIntervalMs: 1000,
  phiThreshold: 8,
  hintIntervalMs: 1000,
  readRepair: true,
  antiEntropyIntervalMs: 10_000,
  peerConnections: 'pooled',
} as const satisfies StoreSettings

/** The defaults of every shared setting. */
export const DEFAULT_STORE_SETTINGS: StoreSettings = { ...NODE_DEFAULTS }

/** Where a node listens unless told otherwise. */
export const DEFAULT_HOST = '127.0.0.1'

/** Node ids: no '-', so link names `<from>-<to>` read one way only. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9_]{1,64}$/

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '))
  }
}

/** Checks a complete config; throws a {@link ConfigError} naming every problem. */
export function validateNodeConfig(config: NodeConfig): NodeConfig {
  const problems = settingsProblems(config, 1 + config.peers.length)
  if (!NODE_ID_PATTERN.test(config.id)) problems.push(`node id "${config.id}" must be 1-64 letters, digits or _`)
  const seen = new Set([config.id])
  for (const peer of config.peers) {
    if (!NODE_ID_PATTERN.test(peer.id)) problems.push(`peer id "${peer.id}" must be 1-64 letters, digits or _`)
    if (seen.has(peer.id)) problems.push(`node id "${peer.id}" appears twice among the node and its peers`)
    seen.add(peer.id)
  }
  if (config.dataDir.length === 0) problems.push('data dir must not be empty')
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}

/** Checks the settings a cluster of `members` nodes shares; throws a {@link ConfigError}. */
export function validateSettings(settings: StoreSettings, members: number): StoreSettings {
  const problems = settingsProblems(settings, members)
  if (problems.length > 0) throw new ConfigError(problems)
  return settings
}

function settingsProblems(settings: StoreSettings, members: number): string[] {
  const problems: string[] = []
  if (!(VERSIONING_MODES as readonly string[]).includes(settings.versioning)) {
    problems.push(`versioning must be one of ${VERSIONING_MODES.join(', ')}`)
  }
  if (settings.n < 1 || settings.n > members) problems.push(`n=${settings.n} must be from 1 to the number of nodes (${members})`)
  if (settings.r < 1 || settings.r > settings.n) problems.push(`r=${settings.r} must be from 1 to n=${settings.n}`)
  if (settings.w < 1 || settings.w > settings.n) problems.push(`w=${settings.w} must be from 1 to n=${settings.n}`)
  if (settings.token.length === 0) problems.push('token must not be empty')
  return problems
}
