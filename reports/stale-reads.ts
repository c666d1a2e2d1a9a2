/**
 * No stale reads of completed writes: a read invoked after a write to its key was
 * acknowledged must see it or something newer (its context covers the write's dot), so
 * every read has k-staleness 0. Strict quorums with R + W > N promise it (Lamport's
 * regular register when writes do not overlap): every read quorum meets every write
 * quorum. It reads the staleness sweep's k of each read and trusts nothing the store
 * says about its quorums. The final phase's reads (each replica's own copy included) are
 * judged too: after convergence every replica must hold every acknowledged write. When
 * the cluster did not converge (`doubt`), stale final reads alone leave the check unknown.
 */
import { decided, type CheckResult } from '../common/contracts/checker.ts'
import type { ReadRanks } from './coverage.ts'
import type { Example } from './examples.ts'
import { FINAL, type OpTable } from './op-table.ts'
import type { StalenessResult } from './staleness.ts'

export function checkStaleReads(
  table: OpTable,
  ranks: ReadRanks,
  staleness: StalenessResult,
  { maxExamples, doubt }: { maxExamples: number; doubt?: string },
): CheckResult<Example> {
  const examples: Example[] = []
  let violations = 0
  let beforeFinal = 0
  for (let i = 0; i < ranks.reads.length; i++) {
    if (staleness.k[i] === 0) continue
    const read = ranks.reads[i]
    violations += 1
    if (table.phase[read] !== FINAL) beforeFinal += 1
    if (examples.length >= maxExamples) continue
    const latest = staleness.latest[i]
    const missed = staleness.sawLatest[i] === 0 && latest >= 0 ? latest : undefined
    examples.push({
      summary: `read #${table.index[read]} of ${table.keys.names[table.key[read]]} (${table.nodes.names[table.node[read]]}) missed ${staleness.k[i]} write(s) acknowledged before it was invoked`,
      ops: [...(missed === undefined ? [] : [{ role: 'missed write', row: missed }]), { role: 'stale read', row: read }],
    })
  }
  const tally = {
    name: 'no-stale-reads',
    kind: 'guarantee' as const,
    checkedWhat: 'ok reads with a decodable context',
    checked: ranks.reads.length,
  }
  return decided({ ...tally, violations, examples }, beforeFinal > 0 ? undefined : doubt)
}
