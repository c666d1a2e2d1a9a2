/**
 * Analysis of one history: scans it once, then runs every measure and checker on the op
 * table. Every step is streaming or O(n log n), so 1M ops analyse in seconds.
 */
import { undecided, type CheckResult, type Verdict } from '../common/contracts/checker.ts'
import { type RunInfo, storeOf } from '../common/contracts/history.ts'
import { availabilityByPhase, type PhaseAvailability } from './availability.ts'
import { COLLECT_FROM_OPS, collectGarbage, GrowthCollector } from './collect-garbage.ts'
import { checkConvergence, checkConverges, type Convergence } from './convergence.ts'
import { buildWriteIndex, rankReads, type ReadRanks, type WriteIndex } from './coverage.ts'
import { summariseSiblings, summariseStaleness, type SiblingSummary, type StalenessSummary } from './distributions.ts'
import { dropRate, nemesisPeriods, type DropRate, type NemesisPeriod } from './faults.ts'
import { scanHistory, type EndEvent, type ScannedHistory } from './history-scan.ts'
import type { MalformedLine } from './history-reader.ts'
import { latencyTable, type LatencyRow } from './latency.ts'
import { findLostWrites, type LostWrites } from './lost-writes.ts'
import { startModelChecks, type ModelChecks } from './model-checks.ts'
import type { ModelCheckResult } from './models/index.ts'
import type { OpTable } from './op-table.ts'
import { findPhantomValues } from './phantom-values.ts'
import { promisedGuarantees, withConvergence, withFailOn } from './promises.ts'
import { checkReplicasHoldWrites } from './replica-writes.ts'
import { checkSessions, SESSION_GUARANTEES, type SessionResults } from './sessions.ts'
import { checkStaleReads } from './stale-reads.ts'
import { checkUniqueDots } from './unique-dots.ts'
import { computeStaleness, type StalenessResult } from './staleness.ts'
import { timeseries, type Timeseries } from './timeseries.ts'
import { decideVerdict, incompleteRun } from './verdict.ts'
import type { Example } from './examples.ts'
import { visibilityCurve, type Visibility } from './visibility.ts'
import type { TaskPool } from './task-pool.ts'

export type AnalysisOptions = {
  /** Worker threads for parsing (default: none under 16 MiB, else the cores, at most 4). */
  workers?: number
  /** Threads to parse on (default: a pool of `workers` threads, closed after parsing). */
  pool?: TaskPool
  /** Examples kept per check (counts are always complete). */
  maxExamples?: number
  /**
   * Called with the op table as soon as the history is scanned, before the checks run:
   * lets a caller start writing files from it meanwhile (reportRun writes ops.csv).
   */
  onTable?: (table: OpTable) => void
  /** Called as soon as staleness is computed, before the other checks (staleness.csv). */
  onStaleness?: (table: OpTable, ranks: ReadRanks, staleness: StalenessResult) => void
  /**
   * Checks to fail the run on though the configuration does not promise them (`--fail-on`),
   * on top of those the run record names.
   */
  failOn?: readonly string[]
}

export type HistoryFacts = {
  path: string
  /** What the ops were read from: the table the run recorded as it wrote its history, or the history itself. */
  source: ScannedHistory['source']
  bytes: number
  lines: number
  records: number
  ops: number
  malformed: number
  malformedExamples: MalformedLine[]
  /** Ops whose context could not be decoded (left out of staleness and session checks). */
  badContexts: number
  /** The smallest op `intended` or other record `invoke`, ms since the run started (0 when none). */
  firstMs: number
  /** The largest record `complete`, ms since the run started (0 when none). */
  lastMs: number
}

export type Analysis = {
  run: RunInfo | undefined
  history: HistoryFacts
  end: EndEvent | undefined
  table: OpTable
  index: WriteIndex
  ranks: ReadRanks
  staleness: StalenessResult
  stalenessSummary: StalenessSummary
  visibility: Visibility
  siblings: SiblingSummary
  latency: LatencyRow[]
  availability: PhaseAvailability[]
  periods: NemesisPeriod[]
  drops: DropRate | null
  convergence: Convergence
  lostWrites: LostWrites
  phantoms: CheckResult<Example>
  sessions: SessionResults
  /** No read missed a write acknowledged before it was invoked (promised when read and write quorums intersect). */
  staleReads: CheckResult<Example>
  /** No two acknowledged writes to a key got the same dot. */
  uniqueDots: CheckResult<Example>
  /** The consistency models judged from values (their checks are in the verdict too), with failing windows. */
  models: ModelCheckResult[]
  timeseries: Timeseries
  /** Every check's result composed with what the configuration promises. */
  verdict: Verdict<Example>
  /** How long each step took, ms (for the benchmark and --verbose output). */
  timings: Record<string, number>
}

/** Runs a named step and records how long it took, ms, in `timings`. */
type Step = <T>(name: string, run: () => T) => T
/** Records in `timings` how long work started now (perhaps in a worker) takes to settle, ms. */
type Timed = <T>(name: string, work: Promise<T>) => Promise<T>

/** The checkers' part of an analysis. */
type Checked = Pick<Analysis, 'convergence' | 'lostWrites' | 'phantoms' | 'sessions' | 'staleReads' | 'uniqueDots' | 'models' | 'verdict'>

/** The checks this thread runs itself. */
type OwnChecks = Pick<Checked, 'convergence' | 'lostWrites' | 'phantoms' | 'staleReads' | 'uniqueDots'> & {
  replicaWrites: CheckResult<Example>
}

/** Runs the checkers that need this thread (the models are started elsewhere, the session guarantees before). */
async function runOwnCheckers(
  scan: ScannedHistory,
  index: WriteIndex,
  ranks: ReadRanks,
  staleness: StalenessResult,
  options: AnalysisOptions,
  step: Step,
): Promise<OwnChecks> {
  const maxExamples = options.maxExamples ?? 10
  const { table, run } = scan
  const noRun = 'the history has no run record'
  const unversioned = withoutVersions(run)
  const doubt = convergenceDoubt(scan)
  const lostWritesCheck = { name: 'no-lost-writes', kind: 'guarantee', checkedWhat: 'acknowledged writes' } as const
  const lostWrites = step('lostWrites', (): LostWrites => {
    if (!run) return { check: undecided(lostWritesCheck, noRun), tally: null }
    // A set's lost adds are found from values alone; a register's need dots.
    if (unversioned && run.workload.kind !== 'set') return { check: undecided(lostWritesCheck, unversioned), tally: null }
    return findLostWrites(table, index, run, scan.finalElements, { maxExamples, doubt })
  })
  const phantoms = step('phantoms', () =>
    run
      ? findPhantomValues(table, index, run, scan.finalElements, maxExamples)
      : undecided<Example>({ name: 'no-phantom-values', kind: 'guarantee', checkedWhat: 'reads' }, noRun),
  )
  const convergence = step('convergence', () => checkConvergence(table, scan.converged, maxExamples))
  const staleReads = step('staleReads', () => checkStaleReads(table, ranks, staleness, { maxExamples, doubt }))
  const uniqueDots = step('uniqueDots', () => checkUniqueDots(table, index, maxExamples))
  // The walk is synchronous, so the step times it; only reading back the examples' values is awaited.
  const replicaWrites = await step('replicaWrites', () => checkReplicasHoldWrites(scan.path, table, run, { maxExamples, doubt }))
  return { lostWrites, phantoms, convergence, staleReads, uniqueDots, replicaWrites }
}

/**
 * Why a write missing from the final reads may not be lost: it may still have been on its way
 * when the harness waited for convergence and gave up. Undefined when the cluster converged.
 */
function convergenceDoubt(scan: ScannedHistory): string | undefined {
  return scan.converged?.converged === false
    ? 'the cluster did not converge before the final reads, so a write may still have been on its way'
    : undefined
}

/** Awaits the model checks and composes every checker's result into the verdict. */
async function judge(
  scan: ScannedHistory,
  own: OwnChecks,
  sessions: SessionResults,
  models: Promise<ModelChecks>,
  options: AnalysisOptions,
): Promise<Checked> {
  const { run } = scan
  const modelChecks = await models
  const { replicaWrites, ...checks } = own
  const verdict = decideVerdict({
    checks: [
      own.lostWrites.check,
      own.phantoms,
      own.staleReads,
      own.uniqueDots,
      ...SESSION_GUARANTEES.map((g) => sessions[g]),
      own.convergence.check,
      replicaWrites,
      checkConverges(scan.converged),
      ...modelChecks.checks,
    ],
    promises: withFailOn(withConvergence(promisedGuarantees(run), scan.converged?.converged), [
      ...(run?.failOn ?? []),
      ...(options.failOn ?? []),
    ]),
    incomplete: incompleteRun(run, scan.end),
  })
  return { ...checks, sessions, models: modelChecks.results, verdict }
}

/**
 * The session guarantees, in this thread. Not in a worker: on two cores that saves no time,
 * since every thread is busy, and there they ran alongside the end of the causal walk,
 * the analysis' peak, adding ~30 MiB to it on 1M ops over 10,000 keys.
 */
function sessionChecks(table: OpTable, index: WriteIndex, ranks: ReadRanks, run: RunInfo | undefined, maxExamples: number): SessionResults {
  const unversioned = withoutVersions(run)
  return unversioned ? notApplicableSessions(unversioned) : checkSessions(table, index, ranks, { maxExamples })
}

/** Why the context-based checks do not apply to this run's store (it records no version metadata), or undefined when they do. */
function withoutVersions(run: RunInfo | undefined): string | undefined {
  if (!run) return undefined
  const store = storeOf(run)
  return store.versionMetadata
    ? undefined
    : `not applicable: the ${store.name} store records no version metadata (dots, contexts); the model checkers judge it from values`
}

const notApplicableSessions = (reason: string): SessionResults =>
  Object.fromEntries(
    SESSION_GUARANTEES.map((name) => [name, undecided<Example>({ name, kind: 'guarantee', checkedWhat: 'reads' }, reason)]),
  ) as SessionResults

function historyFacts(path: string, scan: ScannedHistory): HistoryFacts {
  const { reader, table } = scan
  return {
    path,
    source: scan.source,
    bytes: reader.bytes,
    lines: reader.lines,
    records: reader.records,
    ops: table.length,
    malformed: reader.malformed,
    malformedExamples: reader.malformedExamples,
    badContexts: table.badContexts,
    firstMs: scan.firstTime / 1000,
    lastMs: scan.lastTime / 1000,
  }
}

/**
 * Analyses the history at `path` (a `history.jsonl`): scans it once into an op table (in
 * worker threads for big files), then computes every measure (staleness, t-visibility,
 * latency, availability, time series) and runs every checker, and composes the checkers'
 * results into the verdict. Never throws for a malformed line (it is counted and skipped);
 * throws only when the file cannot be read. Time O(n log n) in ops; `timings` says how
 * long each step took, ms.
 */
export async function analyseHistory(path: string, options: AnalysisOptions = {}): Promise<Analysis> {
  const timings: Record<string, number> = {}
  let mark = performance.now()
  let collector: GrowthCollector | undefined
  const step: Step = (name, run) => {
    const value = run()
    // What the step left behind is garbage now: collected here (when enough to matter), it stays out of the peak RSS.
    collector?.collectIfGrown()
    const now = performance.now()
    timings[name] = now - mark
    mark = now
    return value
  }
  // The pool's threads start while the history is read: the checks hand them tasks from a thread busy for seconds.
  const prepared = options.pool?.prepare()
  const scan = await scanHistory(path, { workers: options.workers, pool: options.pool })
  await prepared
  const { table, run } = scan
  // What the scan read (a table file's 150 MiB, or the ranges' columns) is garbage: freed before the checks allocate theirs.
  if (table.length >= COLLECT_FROM_OPS) {
    collectGarbage()
    collector = new GrowthCollector()
  }
  timings.scan = performance.now() - mark
  mark = performance.now()
  options.onTable?.(table)
  const maxExamples = options.maxExamples ?? 10
  const timed: Timed = (name, work) => {
    const started = performance.now()
    const timedWork = work.then((value) => {
      timings[name] = performance.now() - started
      return value
    })
    // Reported when awaited, not as an unhandled rejection meanwhile.
    timedWork.catch(() => undefined)
    return timedWork
  }
  const models = timed('models', startModelChecks(path, table, run, maxExamples, options.pool))
  mark = performance.now()
  const index = step('index', () => buildWriteIndex(table))
  const ranks = step('ranks', () => rankReads(table, index))
  const sessions = step('sessions', () => sessionChecks(table, index, ranks, run, maxExamples))
  const staleness = step('staleness', () => computeStaleness(table, index, ranks))
  options.onStaleness?.(table, ranks, staleness)
  const own = await runOwnCheckers(scan, index, ranks, staleness, options, step)
  // The measures before the verdict: this thread has them to do while the workers finish the models.
  const latency = await step('latency', () => latencyTable(table))
  const availability = step('availability', () => availabilityByPhase(table))
  const periods = nemesisPeriods(scan.nemesis, scan.lastTime)
  const series = step('timeseries', () => timeseries(table, ranks, staleness, periods))
  const stalenessSummary = step('distributions', () => summariseStaleness(table, ranks, staleness))
  const visibility = step('visibility', () => visibilityCurve(table, ranks, staleness))
  const siblings = step('siblings', () => summariseSiblings(table))
  const checked = await judge(scan, own, sessions, models, options)
  return {
    run,
    history: historyFacts(path, scan),
    end: scan.end,
    table,
    index,
    ranks,
    staleness,
    stalenessSummary,
    visibility,
    siblings,
    latency,
    availability,
    periods,
    drops: dropRate(scan.nemesis),
    ...checked,
    timeseries: series,
    timings,
  }
}
