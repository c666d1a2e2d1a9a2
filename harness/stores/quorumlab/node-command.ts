/**
 * The command line of one reference-store node (`quorumlab store ...`), in one place: the
 * store's settings as flags (one table: the CLI registers and reads them back from it,
 * the cluster code writes a node's command line with it), the node's own flags, and the
 * message a node spawned with IPC sends its parent once it serves.
 */
import { VERSIONING_MODES } from '../../../common/contracts/causal.ts'
import { CONSISTENCY_MODES } from '../../../common/contracts/history.ts'
import { formatAddress } from '../../../common/helpers/address.ts'
import { setsSemiSpaceSize } from '../../../common/helpers/node-flags.ts'
import { PEER_CONNECTIONS, type PeerAddress, type StoreSettings } from '../../../store/config.ts'

/** What a `value` flag takes; the CLI turns it into a parser whose errors name the flag. */
export type SettingValue =
  | { type: 'integer'; min: number; max: number }
  | { type: 'number'; min: number; max: number }
  /** A time in ms; the CLI also takes a unit (`2s`). */
  | { type: 'duration'; unit: 'ms'; min: number; max: number }
  | { type: 'choice'; choices: readonly string[] }
  | { type: 'text' }

type FlagText = { key: keyof StoreSettings; flags: string; description: string }

/** `value`: `--flag <value>`; `on`: a switch that sets true; `off`: `--no-...`, which sets false. */
export type SettingFlag = (FlagText & { kind: 'value'; value: SettingValue }) | (FlagText & { kind: 'on' | 'off' })

const integer = (min: number, max: number): SettingValue => ({ type: 'integer', min, max })
const ms = (min: number, max: number): SettingValue => ({ type: 'duration', unit: 'ms', min, max })

export const SETTING_FLAGS: SettingFlag[] = [
  { key: 'n', kind: 'value', flags: '--n <replicas>', description: 'replicas per key (N)', value: integer(1, 64) },
  { key: 'r', kind: 'value', flags: '--r <replies>', description: 'replies a read waits for (R), 1..N', value: integer(1, 64) },
  { key: 'w', kind: 'value', flags: '--w <acks>', description: 'durable acks a write waits for (W), 1..N', value: integer(1, 64) },
  {
    key: 'versioning',
    kind: 'value',
    flags: '--versioning <mode>',
    description: `versioning: ${VERSIONING_MODES.join(' | ')}`,
    value: { type: 'choice', choices: VERSIONING_MODES },
  },
  {
    key: 'consistency',
    kind: 'value',
    flags: '--consistency <mode>',
    description: `consistency model, cluster-wide: ${CONSISTENCY_MODES.join(' | ')}`,
    value: { type: 'choice', choices: CONSISTENCY_MODES },
  },
  {
    key: 'token',
    kind: 'value',
    flags: '--token <secret>',
    description: 'the cluster secret (the same on every node): guards internal calls and signs contexts; none by default',
    value: { type: 'text' },
  },
  {
    key: 'insecure',
    kind: 'on',
    flags: '--insecure',
    description: 'run without a cluster secret: anyone who reaches a node can call its internal API and forge contexts',
  },
  { key: 'vnodes', kind: 'value', flags: '--vnodes <count>', description: 'ring tokens (virtual nodes) per node', value: integer(1, 4096) },
  {
    key: 'replicaTimeoutMs',
    kind: 'value',
    flags: '--replica-timeout <ms>',
    description: 'how long a coordinator waits for one replica, 1..600000 ms (or 2s)',
    value: ms(1, 600_000),
  },
  {
    key: 'readHedgeMs',
    kind: 'value',
    flags: '--read-hedge <ms>',
    description: 'a forwarded read unanswered this long also goes to the next home replica, ms',
    value: integer(1, 600_000),
  },
  {
    key: 'maxValueBytes',
    kind: 'value',
    flags: '--max-value-bytes <bytes>',
    description: 'largest value accepted, bytes of JSON (at most 64 MiB)',
    value: integer(1, 64 * 1024 * 1024),
  },
  {
    key: 'maxSiblings',
    kind: 'value',
    flags: '--max-siblings <count>',
    description: 'most siblings a write may leave on its key (more: 409 too_many_siblings)',
    value: integer(1, 1_000_000),
  },
  {
    key: 'maxObjectBytes',
    kind: 'value',
    flags: '--max-object-bytes <bytes>',
    description: "largest object (a key's siblings and context) a write may leave, bytes, at least --max-value-bytes (more: 413)",
    value: integer(1, 1024 * 1024 * 1024),
  },
  {
    key: 'strict',
    kind: 'on',
    flags: '--strict',
    description: 'strict quorums: only home replicas count; no sloppy quorum, no hinted handoff',
  },
  {
    key: 'gossipIntervalMs',
    kind: 'value',
    flags: '--gossip-interval <ms>',
    description: 'how often each node gossips its membership view, 10..600000 ms',
    value: ms(10, 600_000),
  },
  {
    key: 'phiThreshold',
    kind: 'value',
    flags: '--phi-threshold <phi>',
    description: 'failure detector: phi at which a peer is down (suspect from half)',
    value: { type: 'number', min: 0.5, max: 100 },
  },
  {
    key: 'hintIntervalMs',
    kind: 'value',
    flags: '--hint-interval <ms>',
    description: 'how often held hints are offered to their owners, 10..600000 ms',
    value: ms(10, 600_000),
  },
  { key: 'readRepair', kind: 'off', flags: '--no-read-repair', description: 'do not repair stale replicas after reads (default: repair)' },
  {
    key: 'antiEntropyIntervalMs',
    kind: 'value',
    flags: '--anti-entropy-interval <ms>',
    description: 'how often a node compares Merkle trees with a peer, 0..3600000 ms; 0 = off',
    value: ms(0, 3_600_000),
  },
  {
    key: 'peerConnections',
    kind: 'value',
    flags: '--peer-connections <mode>',
    description:
      'node-to-node connections: streamed (replica batches on one connection per peer) | pooled (kept alive) | per-message (one per call)',
    value: { type: 'choice', choices: PEER_CONNECTIONS },
  },
]

/** The flag without its placeholder: `--n`, `--strict`, `--no-read-repair`. */
const flagName = (flag: SettingFlag): string => flag.flags.split(' ')[0]

/** The `quorumlab store` arguments that give a node these settings. */
export function storeArgs(settings: StoreSettings): string[] {
  return SETTING_FLAGS.flatMap((flag) => {
    const value = settings[flag.key]
    if (flag.kind === 'on') return value ? [flagName(flag)] : []
    if (flag.kind === 'off') return value ? [] : [flagName(flag)]
    // No secret given: the node is told none (and refuses to start unless insecure).
    if (flag.key === 'token' && value === '') return []
    return [flagName(flag), String(value)]
  })
}

/** One node: who it is, where it listens and keeps its data, where it reaches its peers, its settings. */
export type NodeSpec = {
  id: string
  host: string
  port: number
  dataDir: string
  peers: PeerAddress[]
  settings: StoreSettings
  /** Extra `quorumlab store` flags. */
  extraArgs?: string[]
}

/** The arguments after `quorumlab store` that start this node. */
export function nodeArgs({ id, host, port, dataDir, peers, settings, extraArgs = [] }: NodeSpec): string[] {
  return [
    '--id',
    id,
    '--host',
    host,
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    ...peers.flatMap((peer) => ['--peer', `${peer.id}=${formatAddress(peer)}`]),
    ...storeArgs(settings),
    ...extraArgs,
  ]
}

/**
 * V8's young generation of a store node, MiB a semi-space (Node's default is 16). A PUT
 * leaves garbage on every node it touches, and a larger space is scavenged less often: in
 * paired cluster runs a PUT cost 2–3% less CPU at 16 connections (BENCHMARKS.md).
 */
export const STORE_SEMI_SPACE = '--max-semi-space-size=32'

/** The Node flags a store node is started with: {@link STORE_SEMI_SPACE}, unless `nodeOptions` (NODE_OPTIONS) sets a size of its own. */
export function storeNodeFlags(nodeOptions = ''): string[] {
  return setsSemiSpaceSize(nodeOptions.split(/\s+/)) ? [] : [STORE_SEMI_SPACE]
}

/** Message a node sends its parent process (when spawned with IPC) once it serves. */
export type NodeReadyMessage = { type: 'ready'; node: string; url: string; pid: number }
