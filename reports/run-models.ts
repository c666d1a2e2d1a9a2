/**
 * The consistency models in a run's verdict: the linearizable and sequential checkers of
 * `reports/models/` run on the run's history (read once into register histories) and their
 * results turned into checks the verdict composes, with examples naming op-table rows as
 * every other check's do. What a run promises of them is in `promises.ts`.
 */
import { type CheckResult, undecided } from '../common/contracts/checker.ts'
import type { RunInfo } from '../common/contracts/history.ts'
import type { Example } from './examples.ts'
import { MODEL_CHECKERS, type ModelName, readHistoryFile } from './models/index.ts'
import type { OpTable } from './op-table.ts'

/** The models the verdict judges: those with a checker in this build. */
export const RUN_MODELS = Object.keys(MODEL_CHECKERS) as ModelName[]

/** The op-table row of each history index asked for. */
function rowsOf(table: OpTable, indexes: Set<number>): Map<number, number> {
  const rows = new Map<number, number>()
  if (indexes.size === 0) return rows
  for (let row = 0; row < table.length; row++) if (indexes.has(table.index[row])) rows.set(table.index[row], row)
  return rows
}

/**
 * Every model of {@link RUN_MODELS} judged on the history at `path` (register workloads;
 * for another kind, or without a run record, each is `unknown` saying why). `table` is the
 * history's op table, to name each example's ops by row.
 */
export async function checkRunModels(
  path: string,
  table: OpTable,
  run: RunInfo | undefined,
  maxExamples: number,
): Promise<CheckResult<Example>[]> {
  const kind = run?.workload.kind
  if (kind !== 'register') {
    const reason = run ? `judged for register workloads only: ${kind} values are not one per write` : 'the history has no run record'
    return RUN_MODELS.map((name) => undecided<Example>({ name, kind: 'model', checkedWhat: 'keys' }, reason))
  }
  const { histories } = await readHistoryFile(path)
  const results = []
  for (const name of RUN_MODELS) results.push(await MODEL_CHECKERS[name]!(histories, { maxExamples }))
  const rowOf = rowsOf(table, new Set(results.flatMap((r) => r.examples.flatMap((e) => e.ops))))
  return results.map(({ keys: _keys, windows: _windows, examples, ...check }) => ({
    ...check,
    examples: examples.map((e) => ({
      summary: `key ${JSON.stringify(e.key)}: ${e.summary}`,
      ops: e.ops.flatMap((index) => (rowOf.has(index) ? [{ role: 'op', row: rowOf.get(index)! }] : [])),
    })),
  }))
}
