/**
 * The summary printed in the terminal at the end of a run (and by `quorumlab report`):
 * configuration, availability and latency per phase, staleness, the verdict table.
 */
import { storeOf } from '../common/contracts/history.ts'
import { count, nemesesText, num, pct } from './format.ts'
import type { RunSummary } from './summary.ts'
import { textTable } from './text-table.ts'

/** The verdict table (guarantees, then models), then why each unknown check is unknown, and one example of each violation or anomaly. */
function verdictLines(checks: RunSummary['verdict']['checks']): string[] {
  const out = textTable(
    ['check', 'promised', 'result', 'violations', 'checked'],
    checks.map((c) => [
      c.name,
      c.promised ? 'yes' : 'no',
      c.status,
      count(c.violations),
      c.valid === 'unknown' && c.checked === 0 ? '-' : `${count(c.checked)} ${c.checkedWhat}`,
    ]),
  )
  // The models, judged from values alone, after the guarantees (the verdict keeps that order).
  const firstModel = checks.findIndex((c) => c.kind === 'model')
  if (firstModel >= 0) out.splice(firstModel + 1, 0, 'consistency models, judged from the values clients saw:')
  for (const c of checks) {
    if (c.valid === 'unknown') out.push(`  ${c.name} unknown: ${c.reason}`)
    const example = c.examples[0]
    if (example && c.status !== 'ok') out.push(`  e.g. ${c.name}: ${example.summary}`)
  }
  return out
}

/** The terminal summary of a run: configuration, availability, latency, staleness, verdict. */
export function terminalSummary(summary: RunSummary, runDir: string): string {
  const out: string[] = []
  const run = summary.run
  out.push(`quorumlab report: ${runDir}`)
  if (run) {
    out.push(
      `  ${run.workload.name} (${run.workload.kind}), ${summary.store?.summary ?? storeOf(run).summary}, ` +
        `nemesis ${nemesesText(run)}, ${run.timeS} s`,
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
        // The headline staleness covers the measured phases only: it is the line below, not this 'all'.
        const st = summary.staleness.byPhase.find((p) => p.phase === a.phase)
        return [
          a.phase,
          count(a.ops),
          pct(a.okRate),
          pct(a.failRate),
          pct(a.infoRate),
          num(lat?.p50Ms ?? null),
          num(lat?.p99Ms ?? null),
          pct(st?.staleFraction ?? null),
          num(st?.meanK ?? null),
        ]
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
    summary.store?.versionMetadata === false
      ? `  staleness: not applicable (the ${summary.store.name} store records no version metadata)`
      : `  staleness (${s.phases.join(', ')}; final reads left out): ${pct(s.staleFraction)} of ${count(s.reads)} reads stale, mean k ${num(s.meanK)}, p99 k ${num(s.p99K)}, max k ${num(s.maxK)}; ` +
          `latest write seen by ${pct(v.reads ? v.saw / v.reads : null)}${v.p99VisibleAfterMs !== null ? `, by 99% from ${v.p99VisibleAfterMs} ms after its ack` : ''}`,
  )
  if (s.note) out.push(`  (${s.note})`)
  out.push(...pbsLines(summary))
  out.push(
    `  siblings: ${pct(summary.siblings.reads ? summary.siblings.readsWithSiblings / summary.siblings.reads : null)} of reads had 2+, max ${num(summary.siblings.max)}` +
      `; convergence: ${summary.convergence.waited ? `${summary.convergence.converged ? 'converged' : 'did NOT converge'} in ${num(summary.convergence.ms, 0)} ms` : 'not measured'}` +
      (summary.drops ? `; drops: ${pct(summary.drops.achievedRate)} achieved (asked ${pct(summary.drops.probability)})` : ''),
  )
  out.push('')
  out.push(...verdictLines(summary.verdict.checks))
  out.push('')
  out.push(`exit ${summary.exitCode}: ${summary.verdict.reason}`)
  return out.join('\n')
}

/** One line per PBS phase: predicted beside observed, and whether they agree. */
function pbsLines({ pbs }: RunSummary): string[] {
  if (pbs?.kind !== 'fitted') return []
  return pbs.phases.map((p) => {
    const predicted =
      p.prediction.kind === 'sampled' ? pct(p.prediction.predicted) : p.prediction.kind === 'exact' ? '100% (exact)' : 'none'
    const gap = p.gap === null ? '' : ` (${p.gap >= 0 ? '+' : ''}${num(p.gap * 100, 1)} pts, tolerance ±${num(p.tolerance * 100, 1)})`
    return `  PBS ${p.phase}: latest write seen by ${pct(p.observed)} of ${count(p.reads)} reads, predicted ${predicted}; ${p.agreement}${gap}: ${p.reason}`
  })
}
