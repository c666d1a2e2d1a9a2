/**
 * `summary.json`, the machine-readable result of a run's analysis (its shape and how it is
 * built from the analysis); terminal-summary.ts prints it.
 */
import type { RunInfo } from '../common/contracts/history.ts'
import type { Analysis, HistoryFacts } from './analysis.ts'
import type { PhaseAvailability } from './availability.ts'
import type { Convergence } from './convergence.ts'
import type { SiblingSummary, StalenessSummary } from './distributions.ts'
import type { ResolvedExample } from './examples.ts'
import type { DropRate, NemesisPeriod } from './faults.ts'
import type { LatencyRow } from './latency.ts'
import type { LostWrites } from './lost-writes.ts'
import type { ExitCode, GuaranteeResult } from './verdict.ts'
import type { Visibility } from './visibility.ts'

/** The shape of `summary.json` (format 1). */
export type RunSummary = {
  format: 1
  /** The run folder's name. */
  name: string
  generatedAt: string
  run: RunInfo | null
  exitCode: ExitCode
  verdict: { reason: string; guarantees: GuaranteeResult<ResolvedExample>[] }
  history: HistoryFacts & { completed: boolean; interrupted: boolean; endReason: string | null }
  availability: PhaseAvailability[]
  latency: LatencyRow[]
  staleness: StalenessSummary
  visibility: Visibility
  siblings: SiblingSummary
  /** Details of the lost-write check; its examples are in the verdict. */
  lostWrites: Omit<Extract<LostWrites, { checked: true }>, 'examples'> | Extract<LostWrites, { checked: false }>
  convergence: Omit<Convergence, 'examples'>
  nemesis: NemesisPeriod[]
  drops: DropRate | null
  /** Files written next to history.jsonl. */
  files: string[]
  /** Wall time of the analysis, s, and of its steps, ms. */
  analysisSeconds: number
  timings: Record<string, number>
}

export function buildSummary(
  name: string,
  analysis: Analysis,
  guarantees: GuaranteeResult<ResolvedExample>[],
  files: string[],
  analysisSeconds: number,
): RunSummary {
  const { lostWrites, convergence, end } = analysis
  const { examples: _lostExamples, ...lostDetails } = lostWrites.checked ? lostWrites : { ...lostWrites, examples: [] }
  const { examples: _convergenceExamples, ...convergenceDetails } = convergence
  return {
    format: 1,
    name,
    generatedAt: new Date().toISOString(),
    run: analysis.run ?? null,
    exitCode: analysis.verdict.exitCode,
    verdict: { reason: analysis.verdict.reason, guarantees },
    history: {
      ...analysis.history,
      completed: end?.completed ?? false,
      interrupted: end?.interrupted ?? false,
      endReason: end?.reason ?? null,
    },
    availability: analysis.availability,
    latency: analysis.latency,
    staleness: analysis.stalenessSummary,
    visibility: analysis.visibility,
    siblings: analysis.siblings,
    lostWrites: lostDetails as RunSummary['lostWrites'],
    convergence: convergenceDetails,
    nemesis: analysis.periods,
    drops: analysis.drops,
    files,
    analysisSeconds,
    timings: Object.fromEntries(Object.entries(analysis.timings).map(([k, v]) => [k, Math.round(v)])),
  }
}
