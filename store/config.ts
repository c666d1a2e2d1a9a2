/**
 * A node's configuration: its defaults and the checks that turn what a user typed into
 * a valid config, or into a list of every problem found.
 */
import { VERSIONING_MODES, type VersioningMode } from '../common/contracts/causal.ts'
import { CONSISTENCY_MODES, type ConsistencyMode } from '../common/contracts/history.ts'

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
  /**
   * The consistency model the cluster provides: `eventual` (Dynamo), `causal`, `sequential`
   * or `linearizable` (see `store/consistency/`). Cluster-wide: every node must have the same.
   */
  consistency: ConsistencyMode
  /**
   * The cluster's secret: node-to-node calls and admin calls that change behaviour carry
   * it, and contexts are signed with it. There is no default: a node refuses to start
   * without one unless `insecure` (empty in shared settings: the harness makes one per
   * cluster).
   */
  token: string
  /** Run without a secret of the cluster's own: the token is {@link INSECURE_TOKEN}, which everyone knows. */
  insecure: boolean
  /** Tokens (virtual nodes) per node on the ring. */
  vnodes: number
  /** How long a coordinator waits for one replica call, ms. */
  replicaTimeoutMs: number
  /**
   * A read forwarded to a home replica that has not answered after this long is also sent
   * to the next home replica; the first answer wins (a hedged request), ms.
   */
  readHedgeMs: number
  /** Largest accepted value, as serialized JSON, bytes. */
  maxValueBytes: number
  /**
   * Most siblings (tombstones included) a write may leave on its key at its coordinator;
   * a write that would leave more is refused (409 `too_many_siblings`), as Riak's
   * `max_siblings`. A write that does not add to them (one that resolves them) always passes.
   */
  maxSiblings: number
  /** Largest object (a key's siblings and context, as JSON) a write may leave at its coordinator, bytes; more is a 413. */
  maxObjectBytes: number
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
   * `streamed`: replica batches travel as lines on one upgraded connection per peer, the
   * other node-to-node calls on kept-alive connections. `pooled`: every call, batches
   * included, is an HTTP request on kept-alive connections. `per-message`: every call
   * opens its own connection, so a proxy's per-connection toxicity acts per message.
   */
  peerConnections: PeerConnections
}

export const PEER_CONNECTIONS = ['streamed', 'pooled', 'per-message'] as const
export type PeerConnections = (typeof PEER_CONNECTIONS)[number]

/** What every node of a cluster shares: the config without a node's identity and addresses. */
export type StoreSettings = Omit<NodeConfig, 'id' | 'host' | 'port' | 'dataDir' | 'peers'>

export const NODE_DEFAULTS = {
  n: 3,
  r: 2,
  w: 2,
  versioning: 'dvv',
  consistency: 'eventual',
  token: '',
  insecure: false,
  vnodes: 16,
  replicaTimeoutMs: 1000,
  readHedgeMs: 300,
  maxValueBytes: 1024 * 1024,
  maxSiblings: 100,
  maxObjectBytes: 8 * 1024 * 1024,
  strict: false,
  gossipIntervalMs: 1000,
  phiThreshold: 8,
  hintIntervalMs: 1000,
  readRepair: true,
  antiEntropyIntervalMs: 10_000,
  peerConnections: 'streamed',
} as const satisfies StoreSettings

/** The defaults of every shared setting. */
export const DEFAULT_STORE_SETTINGS: StoreSettings = { ...NODE_DEFAULTS }

/** The token of an `insecure` node: public, so it guards nothing. */
export const INSECURE_TOKEN = 'insecure'

/** Where a node listens unless told otherwise. */
export const DEFAULT_HOST = '127.0.0.1'

/** Node ids: no '-', so link names `<from>-<to>` read one way only. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9_]{1,64}$/

/** One problem of a config: which field, what it held and what it must be. */
export type SettingsProblem = {
  /** The field as named in the config object: `r`, `token`, `peers[1].id`. */
  path: string
  /** What the field held. */
  value: unknown
  /** What the field must be, to follow its name: `must be from 1 to n=3`. */
  message: string
}

/** Store settings as a user gave them (flags, a cluster file): any field may be left out or of the wrong type. */
export type UncheckedSettings = { readonly [K in keyof StoreSettings]?: unknown }

/** A config refused, with every problem found. */
export class ConfigError extends Error {
  /** @param problems one line per problem, naming the field: `r=4 must be from 1 to n=3`. */
  constructor(readonly problems: string[]) {
    super(problems.join('; '))
  }
}

/**
 * Checks a complete config and applies what its consistency mode sets itself (see
 * {@link consistencyFixes}); throws a {@link ConfigError} naming every problem. */
export function validateNodeConfig(given: NodeConfig): NodeConfig {
  const config = withConsistencyFixes(given)
  const problems = settingsProblems(config, 1 + config.peers.length).map(describeProblem)
  if (!NODE_ID_PATTERN.test(config.id)) problems.push(`node id "${config.id}" must be 1-64 letters, digits or _`)
  const seen = new Set([config.id])
  for (const peer of config.peers) {
    if (!NODE_ID_PATTERN.test(peer.id)) problems.push(`peer id "${peer.id}" must be 1-64 letters, digits or _`)
    if (seen.has(peer.id)) problems.push(`node id "${peer.id}" appears twice among the node and its peers`)
    seen.add(peer.id)
  }
  if (config.dataDir.length === 0) problems.push('data dir must not be empty')
  if (config.token === '' && !config.insecure) {
    problems.push(
      'no cluster secret: give every node of the cluster the same --token <secret> (or --token-file), or --insecure to run without one',
    )
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}

/**
 * Checks the settings a cluster of `members` nodes shares and returns them with what the
 * consistency mode sets itself (see {@link consistencyFixes}); throws a {@link ConfigError}.
 */
export function validateSettings(settings: StoreSettings, members: number): StoreSettings {
  const problems = settingsProblems(settings, members)
  if (problems.length > 0) throw new ConfigError(problems.map(describeProblem))
  return withConsistencyFixes(settings)
}

/** A problem as one line that names the field and what it held: `r=4 must be from 1 to n=3`. */
function describeProblem({ path, value, message }: SettingsProblem): string {
  return `${path}=${JSON.stringify(value)} ${message}`
}

/**
 * Every problem of store settings for a cluster of `members` nodes: the one check of
 * store settings, used by a node's own config check and by the harness on a cluster
 * file. A field left out takes its default, which only n, r and w can make wrong (they
 * are checked against each other and the cluster's size). Times are in milliseconds,
 * sizes in bytes.
 */
export function settingsProblems(settings: UncheckedSettings, members: number): SettingsProblem[] {
  const n = settings.n === undefined ? NODE_DEFAULTS.n : settings.n
  const quorumOf = Number.isSafeInteger(n) ? rangeOf(1, n as number, `n=${n}`) : integerFrom(1)
  const checks: { [K in keyof StoreSettings]: FieldCheck } = {
    n: rangeOf(1, members, `the number of nodes (${members})`),
    r: quorumOf,
    w: quorumOf,
    versioning: oneOf(VERSIONING_MODES),
    consistency: oneOf(CONSISTENCY_MODES),
    token: (v) => (typeof v === 'string' ? undefined : 'must be a string'),
    insecure: trueOrFalse,
    vnodes: integerFrom(1),
    replicaTimeoutMs: integerFrom(1),
    readHedgeMs: integerFrom(1),
    maxValueBytes: integerFrom(1),
    maxSiblings: integerFrom(1),
    maxObjectBytes: integerFrom(1),
    strict: trueOrFalse,
    gossipIntervalMs: integerFrom(1),
    phiThreshold: (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'must be a number above 0'),
    hintIntervalMs: integerFrom(1),
    readRepair: trueOrFalse,
    antiEntropyIntervalMs: integerFrom(0),
    peerConnections: oneOf(PEER_CONNECTIONS),
  }
  const problems: SettingsProblem[] = []
  for (const [path, check] of Object.entries(checks) as [keyof StoreSettings, FieldCheck][]) {
    const leftOut = settings[path] === undefined
    if (leftOut && !QUORUM_FIELDS.includes(path)) continue
    const value = leftOut ? NODE_DEFAULTS[path] : settings[path]
    const message = check(value)
    if (message) problems.push({ path, value, message: leftOut ? `${message} (left out, it defaults to ${value})` : message })
  }
  return [...problems, ...consistencyProblems(settings, members, problems), ...objectLimitProblems(settings, problems)]
}

/** The object limit must leave room for one value of the largest size. */
function objectLimitProblems(settings: UncheckedSettings, found: SettingsProblem[]): SettingsProblem[] {
  if (found.some((p) => p.path === 'maxValueBytes' || p.path === 'maxObjectBytes')) return []
  const value = (settings.maxValueBytes ?? NODE_DEFAULTS.maxValueBytes) as number
  const object = (settings.maxObjectBytes ?? NODE_DEFAULTS.maxObjectBytes) as number
  if (object >= value) return []
  const leftOut = settings.maxObjectBytes === undefined ? ` (left out, it defaults to ${object})` : ''
  return [{ path: 'maxObjectBytes', value: object, message: `must be at least maxValueBytes (${value})${leftOut}` }]
}

/** The settings whose defaults depend on each other and on the cluster's size. */
const QUORUM_FIELDS: readonly (keyof StoreSettings)[] = ['n', 'r', 'w']

/** What is wrong with a field's value, or undefined when nothing is. */
type FieldCheck = (value: unknown) => string | undefined

const integerFrom =
  (min: number): FieldCheck =>
  (v) =>
    !Number.isSafeInteger(v) ? 'must be an integer' : (v as number) < min ? `must be at least ${min}` : undefined

const rangeOf =
  (min: number, max: number, maxName: string): FieldCheck =>
  (v) =>
    !Number.isSafeInteger(v)
      ? 'must be an integer'
      : (v as number) < min || (v as number) > max
        ? `must be from ${min} to ${maxName}`
        : undefined

const oneOf =
  (choices: readonly string[]): FieldCheck =>
  (v) =>
    typeof v === 'string' && choices.includes(v) ? undefined : `must be one of ${choices.join(', ')}`

const trueOrFalse: FieldCheck = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false')

// ---- what a consistency mode needs of the other settings ----

/** A setting a consistency mode sets itself, whatever was asked, and why. */
export type ConsistencyFix = { path: 'strict' | 'readRepair' | 'antiEntropyIntervalMs'; value: boolean | number; why: string }

type FixedSettings = Pick<StoreSettings, 'consistency' | 'strict' | 'readRepair' | 'antiEntropyIntervalMs'>

/**
 * What the mode of `settings` sets itself, among the settings that do not already say
 * so. Only `eventual` uses sloppy quorums, hinted handoff and read repair: the other
 * modes send every write to the home replicas themselves, and a stand-in node or a
 * repair would apply writes outside the mode's order. `causal` also turns anti-entropy
 * off: a repair would make a write visible before the writes it depends on (its own log
 * brings every replica up to date instead). `sequential` and `linearizable` keep it:
 * their replicas merge a key by its sequence number or tag, so a repair only moves a
 * replica forward in the key's order.
 */
export function consistencyFixes(settings: FixedSettings): ConsistencyFix[] {
  const mode = settings.consistency
  if (mode === 'eventual') return []
  const fixes: ConsistencyFix[] = [
    { path: 'strict', value: true, why: `${mode} writes go to the home replicas only: no sloppy quorum, no hinted handoff` },
    { path: 'readRepair', value: false, why: `${mode} replicas take writes in the mode's order only` },
  ]
  if (mode === 'causal') {
    fixes.push({ path: 'antiEntropyIntervalMs', value: 0, why: 'causal: a repair could show a write before its dependencies' })
  }
  return fixes.filter((fix) => settings[fix.path] !== fix.value)
}

/** The settings with what their consistency mode sets itself. */
export function withConsistencyFixes<T extends FixedSettings>(settings: T): T {
  const fixes = consistencyFixes(settings)
  if (fixes.length === 0) return settings
  return { ...settings, ...Object.fromEntries(fixes.map(({ path, value }) => [path, value])) }
}

/**
 * What a consistency mode refuses: every mode but `eventual` needs `dvv` versioning (the
 * single-valued modes order a key's writes themselves; `causal` keeps concurrent writes as
 * dvv siblings), and `causal` and `sequential` need every node to hold every key (a client
 * reads on the node it is attached to, whatever the key).
 */
function consistencyProblems(settings: UncheckedSettings, members: number, found: SettingsProblem[]): SettingsProblem[] {
  const mode = settings.consistency ?? NODE_DEFAULTS.consistency
  if (mode === 'eventual' || found.some((p) => p.path === 'consistency')) return []
  const problems: SettingsProblem[] = []
  const versioning = settings.versioning ?? NODE_DEFAULTS.versioning
  if (versioning !== 'dvv' && !found.some((p) => p.path === 'versioning')) {
    const why = mode === 'causal' ? 'it keeps concurrent writes as dvv siblings' : 'it orders the writes of a key itself'
    problems.push({ path: 'versioning', value: versioning, message: `must be dvv with consistency=${mode}: ${why}` })
  }
  const n = settings.n ?? NODE_DEFAULTS.n
  if ((mode === 'causal' || mode === 'sequential') && n !== members && !found.some((p) => p.path === 'n')) {
    problems.push({
      path: 'n',
      value: n,
      message: `must equal the number of nodes (${members}) with consistency=${mode}: every node holds every key, so a client reads on the node it is attached to`,
    })
  }
  return problems
}
