/**
 * `summary.json`, the machine-readable result of a run's analysis, and the summary table
 * printed in the terminal at the end of a run.
 */
import type { RunInfo } from '../harness/history/record.ts'
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

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(x < 0.001 && x > 0 ? 3 : 1)}%`)
const num = (x: number | null, digits = 2): string => (x === null ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(digits))
const count = (x: number): string => x.toLocaleString('en-US')

/** A plain-text table: columns padded to their widest cell. */
export function textTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)]
}

/** The terminal summary of a run: configuration, availability, latency, staleness, verdict. */
export function terminalSummary(summary: RunSummary, runDir: string): string {
  const out: string[] = []
  const run = summary.run
  out.push(`quorumlab report: ${runDir}`)
  if (run) {
    out.push(
      `  ${run.workload.name} (${run.workload.kind}), ${run.versioning}, N=${run.n} R=${run.r} W=${run.w}${run.strict ? ' strict' : ' sloppy'}, ` +
        `nemesis ${run.nemeses.join('+') || 'none'}, ${run.timeS} s`,
    )
  }
  const h = summary.history
  out.push(
    `  history: ${count(h.ops)} ops, ${count(h.records)} records${h.malformed ? `, ${count(h.malformed)} malformed lines skipped` : ''}, ` +
      `${h.completed ? 'run completed' : 'run did NOT complete'}; analysed in ${summary.analysisSeconds.toFixed(2)} s`,
  )
  out.push('')
  out.push(
    ...textTable(
      ['phase', 'ops', 'ok', 'fail', 'info', 'p50 ms', 'p99 ms', 'stale reads', 'mean k'],
      summary.availability.map((a) => {
        const lat = summary.latency.find((l) => l.from === 'intended' && l.f === 'all' && l.outcome === 'all' && l.phase === a.phase)
        const st = a.phase === 'all' ? summary.staleness : summary.staleness.byPhase.find((p) => p.phase === a.phase)
        return [a.phase, count(a.ops), pct(a.okRate), pct(a.failRate), pct(a.infoRate), num(lat?.p50Ms ?? null), num(lat?.p99Ms ?? null), pct(st?.staleFraction ?? null), num(st?.meanK ?? null)]
      }),
    ),
  )
  out.push('')
  out.push(
    ...textTable(
      ['latency from intended (ok)', 'count', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms'],
      summary.latency
        .filter((l) => l.from === 'intended' && l.outcome === 'ok' && l.phase === 'all')
        .map((l) => [l.f, count(l.count), num(l.p50Ms), num(l.p90Ms), num(l.p99Ms), num(l.p999Ms), num(l.maxMs)]),
    ),
  )
  const s = summary.staleness
  const v = summary.visibility
  out.push('')
  out.push(
    `  staleness: ${pct(s.staleFraction)} of ${count(s.reads)} reads stale, mean k ${num(s.meanK)}, p99 k ${num(s.p99K)}, max k ${num(s.maxK)}; ` +
      `latest write seen by ${pct(v.reads ? v.saw / v.reads : null)}${v.p99VisibleAfterMs !== null ? `, by 99% from ${v.p99VisibleAfterMs} ms after its ack` : ''}`,
  )
  out.push(
    `  siblings: ${pct(summary.siblings.reads ? summary.siblings.readsWithSiblings / summary.siblings.reads : null)} of reads had 2+, max ${num(summary.siblings.max)}` +
      `; convergence: ${summary.convergence.waited ? `${summary.convergence.converged ? 'converged' : 'did NOT converge'} in ${num(summary.convergence.ms, 0)} ms` : 'not measured'}` +
      (summary.drops ? `; drops: ${pct(summary.drops.achievedRate)} achieved (asked ${pct(summary.drops.probability)})` : ''),
  )
  out.push('')
  out.push(
    ...textTable(
      ['guarantee', 'promised', 'result', 'violations', 'checked'],
      summary.verdict.guarantees.map((g) => [g.guarantee, g.promised ? 'yes' : 'no', g.status, count(g.violations), g.checked ? `${count(g.checked)} ${g.checkedWhat}` : '-']),
    ),
  )
  for (const g of summary.verdict.guarantees) {
    const example = g.examples[0]
    if (example && (g.status === 'violated' || g.status === 'inconclusive' || g.status === 'anomaly')) out.push(`  e.g. ${g.guarantee}: ${example.summary}`)
  }
  out.push('')
  out.push(`exit ${summary.exitCode}: ${summary.verdict.reason}`)
  return out.join('\n')
}
