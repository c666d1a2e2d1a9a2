/**
 * Analysis of one history: scans it once, then runs every measure and checker on the op
 * table. Every step is streaming or O(n log n), so 1M ops analyse in seconds.
 */
import type { RunInfo } from '../common/contracts/history.ts'
import { availabilityByPhase, type PhaseAvailability } from './availability.ts'
import { checkConvergence, type Convergence } from './convergence.ts'
import { buildWriteIndex, rankReads, type ReadRanks, type WriteIndex } from './coverage.ts'
import { summariseSiblings, summariseStaleness, type SiblingSummary, type StalenessSummary } from './distributions.ts'
import { dropRate, nemesisPeriods, type DropRate, type NemesisPeriod } from './faults.ts'
import { scanHistory, type EndEvent } from './history-scan.ts'
import type { MalformedLine } from './history-reader.ts'
import { latencyTable, type LatencyRow } from './latency.ts'
import { findLostWrites, type LostWrites } from './lost-writes.ts'
import type { OpTable } from './op-table.ts'
import { findPhantomValues, type PhantomValues } from './phantom-values.ts'
import { checkSessions, type SessionResults } from './sessions.ts'
import { computeStaleness, type StalenessResult } from './staleness.ts'
import { timeseries, type Timeseries } from './timeseries.ts'
import { decideVerdict, type Verdict } from './verdict.ts'
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
}

export type HistoryFacts = {
  path: string
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
  phantoms: PhantomValues
  sessions: SessionResults
  timeseries: Timeseries
  verdict: Verdict
  /** How long each step took, ms (for the benchmark and --verbose output). */
  timings: Record<string, number>
}

export async function analyseHistory(path: string, options: AnalysisOptions = {}): Promise<Analysis> {
  const timings: Record<string, number> = {}
  let mark = performance.now()
  const step = <T>(name: string, run: () => T): T => {
    const value = run()
    const now = performance.now()
    timings[name] = now - mark
    mark = now
    return value
  }
  const scan = await scanHistory(path, { workers: options.workers, pool: options.pool })
  timings.scan = performance.now() - mark
  mark = performance.now()
  const { table, run } = scan
  options.onTable?.(table)
  const maxExamples = options.maxExamples ?? 10
  const index = step('index', () => buildWriteIndex(table))
  const ranks = step('ranks', () => rankReads(table, index))
  const staleness = step('staleness', () => computeStaleness(table, index, ranks))
  options.onStaleness?.(table, ranks, staleness)
  const sessions = step('sessions', () => checkSessions(table, index, ranks, { maxExamples }))
  const lostWrites = step(
    'lostWrites',
    (): LostWrites =>
      run
        ? findLostWrites(table, index, run, scan.finalElements, { maxExamples })
        : { checked: false, reason: 'the history has no run record' },
  )
  const phantoms = step(
    'phantoms',
    (): PhantomValues =>
      run
        ? findPhantomValues(table, index, run, scan.finalElements, maxExamples)
        : { checked: false, reason: 'the history has no run record' },
  )
  const convergence = step('convergence', () => checkConvergence(table, scan.converged, maxExamples))
  const latency = await latencyTable(table)
  timings.latency = performance.now() - mark
  mark = performance.now()
  const availability = step('availability', () => availabilityByPhase(table))
  const periods = nemesisPeriods(scan.nemesis, scan.lastTime)
  const series = step('timeseries', () => timeseries(table, ranks, staleness, periods))
  const stalenessSummary = step('distributions', () => summariseStaleness(table, ranks, staleness))
  const siblings = summariseSiblings(table)
  const visibility = visibilityCurve(table, ranks, staleness)
  const verdict = decideVerdict({ run, end: scan.end, lostWrites, phantoms, sessions, convergence })
  return {
    run,
    history: {
      path,
      bytes: scan.reader.bytes,
      lines: scan.reader.lines,
      records: scan.reader.records,
      ops: table.length,
      malformed: scan.reader.malformed,
      malformedExamples: scan.reader.malformedExamples,
      badContexts: table.badContexts,
      firstMs: scan.firstTime / 1000,
      lastMs: scan.lastTime / 1000,
    },
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
    convergence,
    lostWrites,
    phantoms,
    sessions,
    timeseries: series,
    verdict,
    timings,
  }
}
