/**
 * Convergence after the final heal: how long the harness waited until replicas agreed
 * (its `converged` record), and whether the ok final reads of each key, made through
 * every node, returned the same versions (the same set of dots): the `final-reads-agree`
 * check, decided only when the harness saw the replicas converge before the final reads.
 */
import { decided, undecided, type CheckResult } from '../common/contracts/checker.ts'
import type { ConvergedEvent } from './history-scan.ts'
import type { Example } from './examples.ts'
import { FINAL, GET, OK, type OpTable } from './op-table.ts'

export type Convergence = {
  /** False when the history has no `converged` record (the harness did not wait). */
  waited: boolean
  converged: boolean | null
  /** From the final heal until replicas agreed (or the wait gave up), ms. */
  ms: number | null
  /** Ok final reads. */
  finalReads: number
  /** `final-reads-agree`: keys with an ok final read checked, keys whose final reads returned different versions as violations. */
  check: CheckResult<Example>
}

const NAME = 'final-reads-agree'

/**
 * Convergence as the harness measured it (`event`: its `converged` record, if any) and the
 * `final-reads-agree` check over the ok final reads; at most `maxExamples` examples.
 */
export function checkConvergence(table: OpTable, event: ConvergedEvent | undefined, maxExamples = 10): Convergence {
  const first = new Map<number, { row: number; versions: string }>()
  const disagreeing = new Set<number>()
  const examples: Example[] = []
  let finalReads = 0
  for (let r = 0; r < table.length; r++) {
    if (table.phase[r] !== FINAL || table.f[r] !== GET || table.type[r] !== OK) continue
    finalReads++
    const dots: string[] = []
    for (let v = table.verStart[r]; v < table.verStart[r] + table.siblings[r]; v++)
      dots.push(`${table.verNode[v]}:${table.verCounter[v]}:${table.verHash[v]}`)
    const versions = dots.sort().join(',')
    const key = table.key[r]
    const seen = first.get(key)
    if (!seen) {
      first.set(key, { row: r, versions })
      continue
    }
    if (seen.versions === versions || disagreeing.has(key)) continue
    disagreeing.add(key)
    if (examples.length < maxExamples) {
      examples.push({
        summary: `final reads of ${table.keys.names[key]} through ${table.nodes.names[table.node[seen.row]]} and ${table.nodes.names[table.node[r]]} returned different versions`,
        ops: [
          { role: 'final read', row: seen.row },
          { role: 'final read', row: r },
        ],
      })
    }
  }
  const check = { name: NAME, kind: 'guarantee', checkedWhat: 'keys' } as const
  return {
    waited: event !== undefined,
    converged: event?.converged ?? null,
    ms: event?.ms ?? null,
    finalReads,
    check:
      finalReads === 0
        ? undecided(check, 'the history has no ok final read')
        : decided(
            { ...check, checked: first.size, violations: disagreeing.size, examples },
            event?.converged ? undefined : 'the harness did not see the replicas converge before the final reads',
          ),
  }
}

/**
 * `converges`: the replicas agreed within the convergence timeout after the final heal, as
 * the harness saw it (its `converged` record). A store that cannot tell leaves no record:
 * nothing to judge, so it holds vacuously.
 */
export function checkConverges(event: ConvergedEvent | undefined): CheckResult<Example> {
  const check = { name: 'converges', kind: 'guarantee', checkedWhat: 'waits for convergence after the final heal' } as const
  if (!event) return decided<Example>({ ...check, checked: 0, violations: 0, examples: [] })
  if (event.converged) return decided<Example>({ ...check, checked: 1, violations: 0, examples: [] })
  const summary = `the replicas did not agree within ${Math.round(event.ms / 1000)} s of the final heal`
  return decided({ ...check, checked: 1, violations: 1, examples: [{ summary, ops: [] }] })
}
