/**
 * `summary.json`, the machine-readable result of a run's analysis (its shape and how it is
 * built from the analysis); terminal-summary.ts prints it.
 */
import type { ExitCode, JudgedCheck } from '../common/contracts/checker.ts'
import { type RunInfo, type StoreInfo, storeOf } from '../common/contracts/history.ts'
import type { Analysis, HistoryFacts } from './analysis.ts'
import type { PhaseAvailability } from './availability.ts'
import type { Convergence } from './convergence.ts'
import type { SiblingSummary, StalenessSummary } from './distributions.ts'
import type { ResolvedExample } from './examples.ts'
import type { DropRate, NemesisPeriod } from './faults.ts'
import type { LatencyRow } from './latency.ts'
import type { LostWriteTally } from './lost-writes.ts'
import type { ModelDetails } from './model-checks.ts'
import type { PbsRunSummary } from './pbs-run.ts'
import type { Visibility } from './visibility.ts'

/**
 * The shape of `summary.json`. Format 2: the verdict lists `checks` (the checker contract's
 * results with `promised`, `why` and `status`) where format 1 had `guarantees`; the
 * lost-write and convergence details no longer repeat the counts their checks carry.
 */
export type RunSummary = {
  format: 2
  /** The run folder's name. */
  name: string
  generatedAt: string
  run: RunInfo | null
  /** The store under test (for histories written before stores were recorded: the reference store); null without a run record. */
  store: StoreInfo | null
  exitCode: ExitCode
  verdict: { reason: string; checks: JudgedCheck<ResolvedExample>[] }
  /** Per consistency model (checks of kind `model` in the verdict): keys judged and failing windows to draw. */
  models: ModelDetails[]
  history: HistoryFacts & { completed: boolean; interrupted: boolean; endReason: string | null }
  availability: PhaseAvailability[]
  latency: LatencyRow[]
  /** `note`: why the figures look as they do, when the mode makes them read oddly (writes lww or vv dropped). */
  staleness: StalenessSummary & { note: string | null }
  visibility: Visibility
  /** The PBS (WARS) prediction of t-visibility from the latencies the nodes timed, beside the observed, per phase. */
  pbs: PbsRunSummary
  siblings: SiblingSummary
  /** How the writes judged by `no-lost-writes` ended; null when it could not run (its check in the verdict says why). */
  lostWrites: LostWriteTally | null
  /** Convergence after the final heal; the `final-reads-agree` check is in the verdict. */
  convergence: Omit<Convergence, 'check'>
  nemesis: NemesisPeriod[]
  drops: DropRate | null
  /** Files written next to history.jsonl. */
  files: string[]
  /** Wall time of the analysis, s, and of its steps, ms. */
  analysisSeconds: number
  timings: Record<string, number>
}

/** The summary of an analysis; `checks` are the verdict's, with their examples resolved. */
export function buildSummary(
  name: string,
  analysis: Analysis,
  checks: JudgedCheck<ResolvedExample>[],
  models: ModelDetails[],
  files: string[],
  analysisSeconds: number,
  pbs: PbsRunSummary = { kind: 'unavailable', reason: 'not predicted' },
): RunSummary {
  const { convergence, end } = analysis
  const { check: _final, ...convergenceDetails } = convergence
  return {
    format: 2,
    name,
    generatedAt: new Date().toISOString(),
    run: analysis.run ?? null,
    store: analysis.run ? storeOf(analysis.run) : null,
    exitCode: analysis.verdict.exitCode,
    verdict: { reason: analysis.verdict.reason, checks },
    models,
    history: {
      ...analysis.history,
      completed: end?.completed ?? false,
      interrupted: end?.interrupted ?? false,
      endReason: end?.reason ?? null,
    },
    availability: analysis.availability,
    latency: analysis.latency,
    staleness: { ...analysis.stalenessSummary, note: stalenessNote(analysis) },
    visibility: analysis.visibility,
    pbs,
    siblings: analysis.siblings,
    lostWrites: analysis.lostWrites.tally,
    convergence: convergenceDetails,
    nemesis: analysis.periods,
    drops: analysis.drops,
    files,
    analysisSeconds,
    timings: Object.fromEntries(Object.entries(analysis.timings).map(([k, v]) => [k, Math.round(v)])),
  }
}

/**
 * Under lww and vv a dropped write (one no final read shows and nothing superseded) is
 * never covered by any later read of its key, so it counts in the k of every one of them:
 * k and the stale fraction measure "missed an acknowledged write", dropped ones included,
 * and can stay at 100% after the replicas converged. Said next to the figures, with the
 * count, rather than left to look like a failure to converge.
 */
function stalenessNote({ run, lostWrites }: Analysis): string | null {
  const dropped = lostWrites.check.violations
  if (!run || run.versioning === 'dvv' || dropped === 0) return null
  return (
    `under ${run.versioning}, ${dropped} acknowledged write${dropped === 1 ? ' was' : 's were'} dropped (no-lost-writes): a dropped write ` +
    'is never covered by a later read, so it counts in the k of every later read of its key, after convergence too'
  )
}
