/**
 * The history record: one JSON object per line of `history.jsonl`, written by the
 * harness and read by every analysis. The one definition of its shape.
 *
 * Times are µs since the run started, all from one monotonic clock in the harness.
 * `type`: `ok` it happened; `fail` it certainly did not; `info` unknown (timeout, reset).
 */
import type { Dot, VersioningMode, VersionInfo } from './causal.ts'

/** What a workload's writes write: unique register values, or set elements. */
export const WORKLOAD_KINDS = ['register', 'set'] as const
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number]

/**
 * How the nodes of a run are connected: `proxy`, every link through a Toxiproxy proxy
 * (everywhere); `netns`, one Linux network namespace per node on a bridge, faults as
 * iptables rules (Linux, root).
 */
export const NETWORK_KINDS = ['proxy', 'netns'] as const
export type NetworkKind = (typeof NETWORK_KINDS)[number]

/** The file a run streams its history to, inside the run folder. */
export const HISTORY_FILE = 'history.jsonl'

/** µs since the start of the run (monotonic). */
export type Micros = number

/**
 * `warmup` before the measured run; `fault` while a nemesis fault is active; `heal` during
 * the measured run while no fault is active and while the cluster converges after the
 * final heal; `final` the final reads of every key through every node.
 */
export type Phase = 'warmup' | 'fault' | 'heal' | 'final'

export type OpOutcome = 'ok' | 'fail' | 'info'
/**
 * `cas` is compare-and-set, as in Jepsen's register test: `value` is `[expected, new]`;
 * `ok` means the comparison held and `new` was written, `fail` that it certainly was not
 * written (the comparison failed, or the request was refused), `info` unknown.
 */
export type OpFunction = 'get' | 'put' | 'delete' | 'cas'

/** A client operation. */
export type OpRecord = {
  index: number
  /** The logical client (session) that ran it, 0-based. */
  process: number
  type: OpOutcome
  f: OpFunction
  key: string
  /**
   * put: the value written; get: the values read (siblings; `[]` when not found, `null` unless ok);
   * delete: null; cas: `[expected, new]`.
   */
  value: unknown
  /** `set` workload puts: the one element this write adds to the set. */
  element?: string
  /**
   * True for a put the session made to resolve siblings a read returned (the merge
   * written back with that read's context), rather than one the generator planned.
   */
  resolution?: true
  /**
   * True for a final-phase read of one home replica's own copy of the key, made by the
   * harness (no quorum, no merge with other replicas, no read repair): the final checks
   * then see each replica, not a quorum's merge that can hide a divergent one.
   */
  replica?: true
  /** The node the request was sent to (through its client link). */
  node: string
  /** The node that coordinated it, when the store said (ok answers). */
  coordinator?: string
  /** When the open-loop schedule meant to send it (equals `invoke` in closed loop). */
  intended: Micros
  invoke: Micros
  complete: Micros
  /** get: the context returned; put and delete: the context sent (null for a blind write). */
  context: string | null
  /** get, ok: what each value of `value` is. */
  versions?: VersionInfo[]
  /** put and delete, ok: the dot the write got. */
  dot?: Dot
  /** null when ok; else `timeout`, `quorum_unavailable`, `connection_refused`, `http_<status>`... */
  error: string | null
  phase: Phase
}

/**
 * What the store under test is run to provide (`--consistency`): `eventual` (the Dynamo
 * default), `causal`, `sequential` (per key) or `linearizable` (per key). The verdict fails a
 * run on the models its mode promises, and reports the others.
 */
export const CONSISTENCY_MODES = ['eventual', 'causal', 'sequential', 'linearizable'] as const
export type ConsistencyMode = (typeof CONSISTENCY_MODES)[number]

export const NEMESIS_NAMES = ['latency', 'drop', 'crash', 'pause', 'partition', 'clock', 'wipe', 'power'] as const
export type NemesisName = (typeof NEMESIS_NAMES)[number]

/**
 * How several nemeses share the fault windows: `rotate` runs one per window, in the order
 * given (crash, then partition, then crash...), the way Jepsen mixes its fault packages;
 * `together` runs every one of them in every window.
 */
export const NEMESIS_SCHEDULES = ['rotate', 'together'] as const
export type NemesisScheduleMode = (typeof NEMESIS_SCHEDULES)[number]

/** A nemesis turning a fault on (`start`) or off (`stop`). */
export type NemesisRecord = {
  index: number
  process: 'nemesis'
  type: 'info'
  f: 'start' | 'stop'
  nemesis: NemesisName
  /**
   * What was done: e.g. `{ targets: ['n2'] }`, `{ latencyMs: 100, jitterMs: 20 }`,
   * `{ kind: 'halves', groups: [['n1'], ['n2', 'n3']] }`. A `drop` stop also carries
   * `{ probability, unit, messages, dropped, achievedRate }`, `probability` being the rate
   * asked: `unit` is `messages` (the nodes' own counts of node-to-node calls sent on each
   * link and received at its far end, proxy network) or `packets` (the iptables rule
   * counters, netns network); `byLink` gives the same per `from-to` link, and `leftOut`
   * names the nodes a process fault had down, whose links are not counted.
   */
  value: Record<string, unknown>
  invoke: Micros
  complete: Micros
  phase: Phase
}

/** The reference store's replication settings, as its run records give them. */
export type ReplicationSettings = {
  n: number
  r: number
  w: number
  versioning: VersioningMode
  /** Sloppy quorums off. */
  strict: boolean
  /** The consistency mode the store ran in; `eventual` when absent (histories from before the modes). */
  consistency?: ConsistencyMode
  /** The repair paths the store ran with; absent in histories from before they were recorded. */
  repair?: RepairPaths
}

/** Which of the reference store's repair paths were on: each brings a replica that missed a write up to date. */
export type RepairPaths = { readRepair: boolean; hintedHandoff: boolean; antiEntropy: boolean }

/** The store a run tested, as its run record describes it. */
export type StoreInfo = {
  /** The adapter's name: `quorumlab`, `etcd`, `http`, or a user module's own. */
  name: string
  /** One line naming the store and its settings, for reports: `etcd 3.6.16, linearizable reads`. */
  summary: string
  /**
   * Ops carry the reference store's version metadata (dots, causal contexts): staleness, lost
   * writes of registers and the context-based session checks need it; without it they are
   * not applicable and the model checkers judge the store from values alone.
   */
  versionMetadata: boolean
  /**
   * What the store promises, by check name: consistency models (`linearizable`...) and
   * guarantees judged from values (`no-lost-writes` of a set...). The reference store's
   * promises follow from its replication settings instead (`reports/promises.ts`).
   */
  promises: string[]
  /** Store-specific settings worth keeping (etcd's read mode, the http description file). */
  settings?: Record<string, unknown>
}

/**
 * The run configuration, the first record of every history. Runs of the reference store
 * carry its replication settings (`n`, `r`, `w`, `versioning`, `strict`) at the top, as
 * histories did before `store` was recorded; other stores leave them out.
 */
export type RunInfo = Partial<ReplicationSettings> & {
  /** Run folder name, e.g. `20261122T101500-distributed-crash`. */
  name: string
  /** Wall-clock start, ISO 8601. */
  startedAt: string
  nodes: string[]
  /** The store under test; absent in histories written before stores other than the reference one could be tested. */
  store?: StoreInfo
  workload: {
    name: string
    kind: WorkloadKind
    keys: number
    /** Writes carry the last context read (true) or none (false). */
    readModifyWrite: boolean
    /** Fraction of ops that are compare-and-set (register workloads on stores that offer it); absent when 0. */
    casFraction?: number
  }
  nemeses: NemesisName[]
  /** How the nemeses shared the fault windows; absent with fewer than two nemeses and in histories from before `rotate` (all `together`). */
  nemesisSchedule?: NemesisScheduleMode
  /** The network the nodes talked over; absent in histories from before there was a choice (all `proxy`). */
  network?: NetworkKind
  /** Measured run length, s. */
  timeS: number
  /** Target ops/s; 0 for closed loop. */
  rate: number
  concurrency: number
  seed: number
  /** Checks the run fails on though the configuration does not promise them (`--fail-on`); absent when none. */
  failOn?: string[]
}

/**
 * A context no honest client holds, as the forging client of the security test
 * (`--forge`) sends it: `forged` (signed with a secret that is not the cluster's),
 * `inflated` (sealed with the cluster's secret but claiming dots no node issued),
 * `replayed` (read from another key) and `oversized` (thousands of loose dots).
 */
export type ForgeKind = 'forged' | 'inflated' | 'replayed' | 'oversized'

/**
 * One forged write and how the store answered it: `refused` (a 4xx), `accepted` (a 2xx:
 * the store took a context it must not) or `unanswered` (no answer, or a 5xx).
 */
export type ForgeAttempt = {
  kind: ForgeKind
  key: string
  node: string
  outcome: 'refused' | 'accepted' | 'unanswered'
  /** The HTTP status, when there was an answer. */
  status?: number
  /** The error code of a refusal (`bad_context`, `too_large`...) or the failure. */
  code?: string
}

/** A harness event: the run's configuration, a forged write (`--forge`), convergence after the final heal, the end. */
export type HarnessRecord =
  | { index: number; process: 'harness'; type: 'info'; f: 'run'; value: RunInfo; invoke: Micros; complete: Micros; phase: Phase }
  | { index: number; process: 'harness'; type: 'info'; f: 'forge'; value: ForgeAttempt; invoke: Micros; complete: Micros; phase: Phase }
  | {
      index: number
      process: 'harness'
      type: 'info'
      f: 'converged'
      /** `ms` from the final heal until every replica's digests matched (or the wait gave up). */
      value: { converged: boolean; ms: number }
      invoke: Micros
      complete: Micros
      phase: Phase
    }
  | {
      index: number
      process: 'harness'
      type: 'info'
      f: 'end'
      /** `interrupted` when Ctrl-C or an error cut the run short. */
      value: { completed: boolean; interrupted: boolean; reason?: string }
      invoke: Micros
      complete: Micros
      phase: Phase
    }

export type HistoryRecord = OpRecord | NemesisRecord | HarnessRecord

export const isOp = (record: HistoryRecord): record is OpRecord => typeof record.process === 'number'
export const isNemesis = (record: HistoryRecord): record is NemesisRecord => record.process === 'nemesis'

/** The reference store's replication settings, when the run tested it with them recorded. */
export function replicationOf(run: RunInfo): ReplicationSettings | undefined {
  const { n, r, w, versioning, strict, consistency, repair } = run
  if (run.store && run.store.name !== 'quorumlab') return undefined
  if (n === undefined || r === undefined || w === undefined || versioning === undefined || strict === undefined) return undefined
  return { n, r, w, versioning, strict, ...(consistency ? { consistency } : {}), ...(repair ? { repair } : {}) }
}

/**
 * The store a run tested: its `store` record, or, for a history written before stores were
 * recorded, the reference store described from its replication settings.
 */
export function storeOf(run: RunInfo): StoreInfo {
  if (run.store) return run.store
  const replication = replicationOf(run)
  return {
    name: 'quorumlab',
    summary: replication ? replicationSummary(replication) : 'quorumlab',
    versionMetadata: true,
    promises: [],
  }
}

/** `quorumlab dvv, N=3 R=2 W=2 sloppy` (`quorumlab linearizable, ...` in a mode other than eventual): the reference store's settings in one line. */
export const replicationSummary = ({ n, r, w, versioning, strict, consistency }: ReplicationSettings): string =>
  `quorumlab ${consistency && consistency !== 'eventual' ? `${consistency}, ` : ''}${versioning}, N=${n} R=${r} W=${w} ${strict ? 'strict' : 'sloppy'}`
