/** The store flags shared by `quorumlab store` and `quorumlab cluster`. */
import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import {
  NODE_DEFAULTS,
  NODE_ID_PATTERN,
  PEER_CONNECTIONS,
  type NodeConfig,
  type PeerAddress,
  type PeerConnections,
} from '../../store/config.ts'
import { VERSIONING_MODES, type VersioningMode } from '../../store/versioning.ts'
import { choiceOption, integerOption, numberOption, parseAddress } from './command.ts'

/** Flag values as commander hands them over. */
export type StoreFlags = {
  n: number
  r: number
  w: number
  versioning: VersioningMode
  token: string
  vnodes: number
  replicaTimeout: number
  maxValueBytes: number
  strict: boolean
  gossipInterval: number
  phiThreshold: number
  hintInterval: number
  readRepair: boolean
  antiEntropyInterval: number
  peerConnections: PeerConnections
}

export function addStoreOptions(command: Command): Command {
  return command
    .option('--n <replicas>', 'replicas per key (N)', integerOption(1, 64), NODE_DEFAULTS.n)
    .option('--r <replies>', 'replies a read waits for (R), 1..N', integerOption(1, 64), NODE_DEFAULTS.r)
    .option('--w <acks>', 'durable acks a write waits for (W), 1..N', integerOption(1, 64), NODE_DEFAULTS.w)
    .option('--versioning <mode>', `versioning: ${VERSIONING_MODES.join(' | ')}`, choiceOption(VERSIONING_MODES), NODE_DEFAULTS.versioning)
    .option('--token <secret>', 'cluster token: guards internal calls and signs contexts', NODE_DEFAULTS.token)
    .option('--vnodes <count>', 'ring tokens (virtual nodes) per node', integerOption(1, 4096), NODE_DEFAULTS.vnodes)
    .option('--replica-timeout <ms>', 'how long a coordinator waits for one replica, ms', integerOption(1, 600_000), NODE_DEFAULTS.replicaTimeoutMs)
    .option('--max-value-bytes <bytes>', 'largest value accepted, bytes of JSON', integerOption(1, 256 * 1024 * 1024), NODE_DEFAULTS.maxValueBytes)
    .option('--strict', 'strict quorums: only home replicas count; no sloppy quorum, no hinted handoff (default: sloppy)', NODE_DEFAULTS.strict)
    .option('--gossip-interval <ms>', 'how often each node gossips its membership view, ms', integerOption(10, 600_000), NODE_DEFAULTS.gossipIntervalMs)
    .option('--phi-threshold <phi>', 'failure detector: phi at which a peer is down (suspect from half)', numberOption(0.5, 100), NODE_DEFAULTS.phiThreshold)
    .option('--hint-interval <ms>', 'how often held hints are offered to their owners, ms', integerOption(10, 600_000), NODE_DEFAULTS.hintIntervalMs)
    .option('--no-read-repair', 'do not repair stale replicas after reads (default: repair)')
    .option('--anti-entropy-interval <ms>', 'how often a node compares Merkle trees with a peer, ms; 0 = off', integerOption(0, 3_600_000), NODE_DEFAULTS.antiEntropyIntervalMs)
    .option('--peer-connections <mode>', 'node-to-node connections: pooled (kept alive) | per-message (one per call)', choiceOption(PEER_CONNECTIONS), NODE_DEFAULTS.peerConnections)
}

/** The parts of a {@link NodeConfig} that come from the shared store flags. */
export function storeSettings(flags: StoreFlags): Omit<NodeConfig, 'id' | 'host' | 'port' | 'dataDir' | 'peers'> {
  return {
    n: flags.n,
    r: flags.r,
    w: flags.w,
    versioning: flags.versioning,
    token: flags.token,
    vnodes: flags.vnodes,
    replicaTimeoutMs: flags.replicaTimeout,
    maxValueBytes: flags.maxValueBytes,
    strict: flags.strict,
    gossipIntervalMs: flags.gossipInterval,
    phiThreshold: flags.phiThreshold,
    hintIntervalMs: flags.hintInterval,
    readRepair: flags.readRepair,
    antiEntropyIntervalMs: flags.antiEntropyInterval,
    peerConnections: flags.peerConnections,
  }
}

/** The argv that gives a node process these settings (the inverse of the flags above). */
export function storeArgs(settings: ReturnType<typeof storeSettings>): string[] {
  return [
    '--n', String(settings.n),
    '--r', String(settings.r),
    '--w', String(settings.w),
    '--versioning', settings.versioning,
    '--token', settings.token,
    '--vnodes', String(settings.vnodes),
    '--replica-timeout', String(settings.replicaTimeoutMs),
    '--max-value-bytes', String(settings.maxValueBytes),
    ...(settings.strict ? ['--strict'] : []),
    '--gossip-interval', String(settings.gossipIntervalMs),
    '--phi-threshold', String(settings.phiThreshold),
    '--hint-interval', String(settings.hintIntervalMs),
    ...(settings.readRepair ? [] : ['--no-read-repair']),
    '--anti-entropy-interval', String(settings.antiEntropyIntervalMs),
    '--peer-connections', settings.peerConnections,
  ]
}

/** `--peer n2=127.0.0.1:7002`, repeatable. */
export function collectPeer(raw: string, previous: PeerAddress[]): PeerAddress[] {
  const eq = raw.indexOf('=')
  const id = raw.slice(0, eq)
  if (eq <= 0 || !NODE_ID_PATTERN.test(id)) {
    throw new InvalidArgumentError(`expected <id>=<host>:<port> with an id of letters, digits, _ or -, got "${raw}"`)
  }
  return [...previous, { id, ...parseAddress(raw.slice(eq + 1)) }]
}
