/**
 * Acknowledged writes on every home replica (`replicas-hold-writes`): once the cluster has
 * converged, each home replica's own copy of a key (the final phase's per-replica reads,
 * `replica: true`, no quorum merge to hide behind) must hold every acknowledged write of
 * the key, or a write that has it in its causal past as clients saw it: hinted handoff,
 * read repair and anti-entropy did their job, or the check names the key, the replica and
 * the write it lacks (its value, process and time).
 *
 * Judged from values alone, on the client-side causal order of models/causal-order.ts
 * (program order plus reads-from, a register's values being unique per write): a replica's
 * read holds write w when one of the values it returned was written by w or by a write
 * with w in its causal past. Nothing the store says about versions is trusted, so a store
 * whose contexts cover more than it keeps cannot hide a loss. A concurrent sibling of w is
 * not w: a replica holding only that lacks w. Keys with a delete are left out (an empty
 * copy may hold a tombstone), as are other workloads than register.
 */
import { decided, undecided, type CheckResult } from '../common/contracts/checker.ts'
import type { OpRecord, RunInfo } from '../common/contracts/history.ts'
import type { Example } from './examples.ts'
import { readRecordsAt } from './history-reader.ts'
import { CausalOrder } from './models/causal-order.ts'
import { modelHistoryFromTable } from './models/model-history.ts'
import { valueText } from './models/value-text.ts'
import { FINAL, GET, OK, type OpTable } from './op-table.ts'

export const REPLICAS_HOLD_WRITES = 'replicas-hold-writes'

export type ReplicaWritesOptions = {
  /** Examples kept (the count is always complete). */
  maxExamples: number
  /** Why a write a replica lacks may still have been on its way (the cluster did not converge): violations are then unknown. */
  doubt?: string
}

const CHECK = {
  name: REPLICAS_HOLD_WRITES,
  kind: 'guarantee',
  checkedWhat: 'acknowledged writes on home replicas read after convergence',
} as const

/** A write a replica's copy lacks: op-table rows of the write and of the replica's read. */
type Missing = { write: number; read: number }

/**
 * The `replicas-hold-writes` check over a scanned history (`path`: its file, to quote the
 * values of the writes its examples name). Counts one (acknowledged write, home replica)
 * pair per write of a key and per ok per-replica final read of it.
 */
export async function checkReplicasHoldWrites(
  path: string,
  table: OpTable,
  run: RunInfo | undefined,
  { maxExamples, doubt }: ReplicaWritesOptions,
): Promise<CheckResult<Example>> {
  const kind = run?.workload.kind ?? 'register'
  if (kind !== 'register') return undecided(CHECK, `judged for register workloads only (a ${kind}'s values are not one per write)`)
  let failedReads = 0
  let replicaReads = 0
  for (let r = 0; r < table.length; r++) {
    if (!table.replica[r] || table.phase[r] !== FINAL || table.f[r] !== GET) continue
    if (table.type[r] === OK) replicaReads++
    else failedReads++
  }
  if (replicaReads === 0) {
    return undecided(
      CHECK,
      failedReads > 0
        ? `every one of the ${failedReads} per-replica final reads failed`
        : "the history has no per-replica final reads (the store offers no read of one replica's own copy)",
    )
  }
  const order = new CausalOrder(modelHistoryFromTable(table))
  if (order.problem) return undecided(CHECK, order.problem)
  if (order.duplicateValues > 0)
    return undecided(CHECK, `${order.duplicateValues} values were written by more than one write, so a copy cannot be traced to its writes`)

  let checked = 0
  const missing: Missing[] = []
  let violations = 0
  const { writes } = order
  order.walk(({ row, final, clock, base }) => {
    if (!final || !table.replica[row]) return
    const key = table.key[row]
    if (order.keyHasDelete[key]) return
    // Each session's writes of the key in program order: those past the read's clock are not in its causal past.
    for (let run = writes.runStart[key]; run < writes.runStart[key + 1]; run++) {
      const reached = clock[base + writes.runSession[run]]
      for (let i = writes.runFrom[run]; i < writes.runTo[run]; i++) {
        checked++
        if (writes.runPos[i] <= reached) continue
        violations++
        if (missing.length < maxExamples) missing.push({ write: writes.runRows[i], read: row })
      }
    }
  })
  const examples = await describe(path, table, missing)
  if (violations === 0 && failedReads > 0)
    return undecided(CHECK, `${failedReads} per-replica final reads failed: those copies could not be judged`)
  return decided({ ...CHECK, checked, violations, examples }, doubt)
}

/** Each missing write as an example naming the key, the replica and the write (its value read back from the history). */
async function describe(path: string, table: OpTable, missing: Missing[]): Promise<Example[]> {
  if (missing.length === 0) return []
  const records = await readRecordsAt(
    path,
    missing.map(({ write }) => ({ offset: table.offset[write], length: table.lineLength[write] })),
  ).catch(() => [])
  return missing.map(({ write, read }, i) => {
    const op = records[i] as OpRecord | undefined
    const value = op && typeof op.process === 'number' ? valueText(op.value) : '(value not read back)'
    const key = table.keys.names[table.key[write]]
    const replica = table.nodes.names[table.node[read]]
    const when = (table.complete[write] / 1e6).toFixed(3)
    return {
      summary: `${replica}'s copy of ${key} lacks acknowledged write #${table.index[write]} (value ${value}, process ${table.process[write]}, acknowledged at ${when} s): it holds neither that write nor one that follows it`,
      ops: [
        { role: 'missing write', row: write },
        { role: 'replica read', row: read },
      ],
    }
  })
}
