/** Availability: ok / fail / info counts and rates per phase (and overall), with error kinds. */
import { FUNCTIONS, OUTCOMES, PHASES, type OpTable } from './op-table.ts'
import type { OpFunction, Phase } from '../common/contracts/history.ts'

export type Outcomes = { ok: number; fail: number; info: number }

export type PhaseAvailability = Outcomes & {
  phase: Phase | 'all'
  ops: number
  /** ok / ops; null without ops. */
  okRate: number | null
  failRate: number | null
  infoRate: number | null
  byFunction: Record<OpFunction, Outcomes>
  /** Error name -> count (fail and info ops). */
  errors: Record<string, number>
}

/** One entry per phase that had ops, then `all`. */
export function availabilityByPhase(table: OpTable): PhaseAvailability[] {
  const cells = new Float64Array((PHASES.length + 1) * FUNCTIONS.length * OUTCOMES.length)
  const errors = Array.from({ length: PHASES.length + 1 }, () => new Map<number, number>())
  const all = PHASES.length
  for (let r = 0; r < table.length; r++) {
    for (const p of [table.phase[r], all]) {
      cells[(p * FUNCTIONS.length + table.f[r]) * OUTCOMES.length + table.type[r]] += 1
      const e = table.error[r]
      if (e >= 0) errors[p].set(e, (errors[p].get(e) ?? 0) + 1)
    }
  }
  const out: PhaseAvailability[] = []
  for (let p = 0; p <= all; p++) {
    const byFunction = {} as Record<OpFunction, Outcomes>
    const total: Outcomes = { ok: 0, fail: 0, info: 0 }
    FUNCTIONS.forEach((f, fi) => {
      const at = (o: number): number => cells[(p * FUNCTIONS.length + fi) * OUTCOMES.length + o]
      byFunction[f] = { ok: at(0), fail: at(1), info: at(2) }
      total.ok += at(0)
      total.fail += at(1)
      total.info += at(2)
    })
    const ops = total.ok + total.fail + total.info
    if (ops === 0 && p !== all) continue
    out.push({
      phase: p === all ? 'all' : PHASES[p],
      ops,
      ...total,
      okRate: ops > 0 ? total.ok / ops : null,
      failRate: ops > 0 ? total.fail / ops : null,
      infoRate: ops > 0 ? total.info / ops : null,
      byFunction,
      errors: Object.fromEntries([...errors[p]].sort((a, b) => b[1] - a[1]).map(([e, n]) => [table.errors.names[e], n])),
    })
  }
  return out
}
