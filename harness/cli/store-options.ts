/**
 * The store's shared settings as flags, in one table: the `store`, `cluster`, `workload`
 * and `compose` commands register them from it, read them back from it, and turn
 * settings into a node's command line with it.
 */
import { Option, type Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import {
  ConfigError,
  DEFAULT_STORE_SETTINGS,
  NODE_ID_PATTERN,
  PEER_CONNECTIONS,
  validateSettings,
  type PeerAddress,
  type StoreSettings,
} from '../../store/config.ts'
import { VERSIONING_MODES } from '../../common/contracts/causal.ts'
import { addressOption, choiceOption, integerOption, numberOption, UsageError } from './command.ts'

type SettingFlag = {
  key: keyof StoreSettings
  /** `value`: `--flag <value>`; `on`: a switch that sets true; `off`: `--no-...`, which sets false. */
  kind: 'value' | 'on' | 'off'
  flags: string
  description: string
  parse?: (raw: string) => unknown
}

const STORE_FLAGS: SettingFlag[] = [
  { key: 'n', kind: 'value', flags: '--n <replicas>', description: 'replicas per key (N)', parse: integerOption(1, 64) },
  { key: 'r', kind: 'value', flags: '--r <replies>', description: 'replies a read waits for (R), 1..N', parse: integerOption(1, 64) },
  { key: 'w', kind: 'value', flags: '--w <acks>', description: 'durable acks a write waits for (W), 1..N', parse: integerOption(1, 64) },
  {
    key: 'versioning',
    kind: 'value',
    flags: '--versioning <mode>',
    description: `versioning: ${VERSIONING_MODES.join(' | ')}`,
    parse: choiceOption(VERSIONING_MODES),
  },
  { key: 'token', kind: 'value', flags: '--token <secret>', description: 'cluster token: guards internal calls and signs contexts' },
  {
    key: 'vnodes',
    kind: 'value',
    flags: '--vnodes <count>',
    description: 'ring tokens (virtual nodes) per node',
    parse: integerOption(1, 4096),
  },
  {
    key: 'replicaTimeoutMs',
    kind: 'value',
    flags: '--replica-timeout <ms>',
    description: 'how long a coordinator waits for one replica, ms',
    parse: integerOption(1, 600_000),
  },
  {
    key: 'readHedgeMs',
    kind: 'value',
    flags: '--read-hedge <ms>',
    description: 'a forwarded read unanswered this long also goes to the next home replica, ms',
    parse: integerOption(1, 600_000),
  },
  {
    key: 'maxValueBytes',
    kind: 'value',
    flags: '--max-value-bytes <bytes>',
    description: 'largest value accepted, bytes of JSON (at most 64 MiB)',
    parse: integerOption(1, 64 * 1024 * 1024),
  },
  {
    key: 'maxSiblings',
    kind: 'value',
    flags: '--max-siblings <count>',
    description: 'most siblings a write may leave on its key (more: 409 too_many_siblings)',
    parse: integerOption(1, 1_000_000),
  },
  {
    key: 'maxObjectBytes',
    kind: 'value',
    flags: '--max-object-bytes <bytes>',
    description: "largest object (a key's siblings and context) a write may leave, bytes, at least --max-value-bytes (more: 413)",
    parse: integerOption(1, 1024 * 1024 * 1024),
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
    description: 'how often each node gossips its membership view, ms',
    parse: integerOption(10, 600_000),
  },
  {
    key: 'phiThreshold',
    kind: 'value',
    flags: '--phi-threshold <phi>',
    description: 'failure detector: phi at which a peer is down (suspect from half)',
    parse: numberOption(0.5, 100),
  },
  {
    key: 'hintIntervalMs',
    kind: 'value',
    flags: '--hint-interval <ms>',
    description: 'how often held hints are offered to their owners, ms',
    parse: integerOption(10, 600_000),
  },
  { key: 'readRepair', kind: 'off', flags: '--no-read-repair', description: 'do not repair stale replicas after reads (default: repair)' },
  {
    key: 'antiEntropyIntervalMs',
    kind: 'value',
    flags: '--anti-entropy-interval <ms>',
    description: 'how often a node compares Merkle trees with a peer, ms; 0 = off',
    parse: integerOption(0, 3_600_000),
  },
  {
    key: 'peerConnections',
    kind: 'value',
    flags: '--peer-connections <mode>',
    description: 'node-to-node connections: pooled (kept alive) | per-message (one per call)',
    parse: choiceOption(PEER_CONNECTIONS),
  },
]

const optionOf = (flag: SettingFlag): Option => {
  const option = new Option(flag.flags, flag.description)
  if (flag.parse) option.argParser(flag.parse)
  if (flag.kind !== 'off') option.default(DEFAULT_STORE_SETTINGS[flag.key])
  return option
}

/** The flag without its placeholder: `--n`, `--strict`, `--no-read-repair`. */
const flagName = (flag: SettingFlag): string => flag.flags.split(' ')[0]

export function addStoreOptions(command: Command): Command {
  for (const flag of STORE_FLAGS) command.addOption(optionOf(flag))
  return command
}

/** The settings out of the parsed flags of a command built with {@link addStoreOptions}. */
export function storeSettings(flags: Record<string, unknown>): StoreSettings {
  return Object.fromEntries(STORE_FLAGS.map((flag) => [flag.key, flags[optionOf(flag).attributeName()]])) as StoreSettings
}

/**
 * The settings out of the parsed flags, checked for a cluster of `nodes` nodes; a
 * problem is a {@link UsageError} naming every flag that is wrong.
 */
export function checkedStoreSettings(flags: Record<string, unknown>, nodes: number): StoreSettings {
  try {
    return validateSettings(storeSettings(flags), nodes)
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.problems.join('\n       '))
    throw error
  }
}

/** The `quorumlab store` arguments that give a node these settings. */
export function storeArgs(settings: StoreSettings): string[] {
  return STORE_FLAGS.flatMap((flag) => {
    const value = settings[flag.key]
    if (flag.kind === 'on') return value ? [flagName(flag)] : []
    if (flag.kind === 'off') return value ? [] : [flagName(flag)]
    return [flagName(flag), String(value)]
  })
}

/** `--peer n2=127.0.0.1:7002`, repeatable. */
export function collectPeer(raw: string, previous: PeerAddress[]): PeerAddress[] {
  const eq = raw.indexOf('=')
  const id = raw.slice(0, eq)
  if (eq <= 0 || !NODE_ID_PATTERN.test(id)) {
    throw new InvalidArgumentError(`expected <id>=<host>:<port> with an id of letters, digits or _, got "${raw}"`)
  }
  return [...previous, { id, ...addressOption(raw.slice(eq + 1)) }]
}
