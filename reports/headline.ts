/**
 * The report's headline figures, side by side for the fault phase and the calm one (the
 * measured run with no fault active: `warmup` and `heal`), so a page can say "ok 71% during
 * faults vs 99.9% calm" without combining per-phase rows (p99s cannot be combined).
 */
import type { Phase } from '../common/contracts/history.ts'
import { selectNearestRank, type StalenessSummary } from './distributions.ts'
import { OK, PHASES, type OpTable } from './op-table.ts'

export type PhaseGroupFigures = {
  phases: Phase[]
  ops: number
  /** ok / ops; null without ops. */
  okRate: number | null
  /** p99 latency from intended time (includes queueing), ms, exact (nearest rank); null without ops. */
  p99Ms: number | null
  /** ok reads with a context (staleness is defined for them). */
  reads: number
  /** Reads that missed an acknowledged write; null without reads. */
  staleFraction: number | null
}

/** `fault` is null when no op ran during a fault (no nemesis, or faults between ops only). */
export type Headline = { fault: PhaseGroupFigures | null; calm: PhaseGroupFigures }

const FAULT_PHASES: Phase[] = ['fault']
const CALM_PHASES: Phase[] = ['warmup', 'heal']

export function headlineFigures(table: OpTable, staleness: StalenessSummary): Headline {
  const fault = groupFigures(table, staleness, FAULT_PHASES)
  return { fault: fault.ops > 0 ? fault : null, calm: groupFigures(table, staleness, CALM_PHASES) }
}

function groupFigures(table: OpTable, staleness: StalenessSummary, phases: Phase[]): PhaseGroupFigures {
  const wanted = new Uint8Array(PHASES.length)
  for (const p of phases) wanted[PHASES.indexOf(p)] = 1
  let ops = 0
  for (let r = 0; r < table.length; r++) if (wanted[table.phase[r]]) ops++
  const latencies = new Float64Array(ops)
  let ok = 0
  for (let r = 0, at = 0; r < table.length; r++) {
    if (!wanted[table.phase[r]]) continue
    latencies[at++] = table.complete[r] - table.intended[r]
    if (table.type[r] === OK) ok += 1
  }
  const p99 = selectNearestRank(latencies, 0.99)
  let reads = 0
  let stale = 0
  for (const p of staleness.byPhase) {
    if (!phases.includes(p.phase)) continue
    reads += p.reads
    stale += p.staleReads
  }
  return {
    phases,
    ops,
    okRate: ops > 0 ? ok / ops : null,
    p99Ms: p99 === null ? null : p99 / 1000,
    reads,
    staleFraction: reads > 0 ? stale / reads : null,
  }
}
