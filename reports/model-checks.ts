/**
 * The consistency models in a run's analysis: runs every model checker (reports/models) on
 * the op table, where values are known by their hashes (in a worker thread for a big history),
 * and turns their results into checks the verdict composes (examples naming op-table rows, as
 * every other check's do); reads the values of their failing windows back for the report.
 */
import { undecided, type CheckResult } from '../common/contracts/checker.ts'
import type { OpRecord, RunInfo } from '../common/contracts/history.ts'
import { COLLECT_FROM_OPS, collectGarbage } from './collect-garbage.ts'
import { shortJson, type Example } from './examples.ts'
import { readRecordsAt } from './history-reader.ts'
import type { ModelTask } from './model-task.ts'
import {
  checkCausalModels,
  checkModels,
  type FailingWindow,
  MODEL_CHECKERS,
  type ModelCheckResult,
  type ModelColumns,
  type ModelExample,
  fillHashTokens,
  hashesIn,
  modelHistoryFromTable,
  registerHistoriesFromTable,
  rowValueHashesInto,
  type TimelineOp,
  valueText,
} from './models/index.ts'
import { type OpTable, valueHashOf } from './op-table.ts'
import { workerPoolFor } from './offload.ts'
import { MODEL_CHECKS } from './promises.ts'
import type { TaskPool } from './task-pool.ts'
import { ascending, lastAtMost } from './sort-order.ts'
import { taskModule } from './task-bundle.ts'

export type ModelChecks = {
  /** Every model checker's results, failing windows included (their values not read back yet: null). */
  results: ModelCheckResult[]
  /** The same as verdict checks. */
  checks: CheckResult<Example>[]
}

const MODEL_TASK = taskModule(new URL('./model-task.ts', import.meta.url))

/** Every model judged unknown, saying why. */
const undecidedModels = (reason: string): ModelCheckResult[] =>
  MODEL_CHECKS.map((name) => ({
    ...undecided<ModelExample>({ name, kind: 'model', checkedWhat: name in MODEL_CHECKERS ? 'keys' : 'reads' }, reason),
    keys: { valid: 0, invalid: 0, unknown: 0 },
    windows: [],
  }))

/** Causal consistency and the session guarantees from values, on the op table (values known by their hashes). */
async function causalChecks(table: OpTable, maxExamples: number, pool?: TaskPool): Promise<ModelCheckResult[]> {
  const worker = workerPoolFor(table, pool)
  const columns: ModelColumns = table
  return worker
    ? await worker.run<ModelCheckResult[]>(MODEL_TASK, { columns, options: { maxExamples } } satisfies ModelTask, { alone: true })
    : checkCausalModels(modelHistoryFromTable(columns), { maxExamples })
}

/**
 * Linearizability and sequential consistency per key, on the op table's value hashes; the
 * few values their sentences name are then read back from the history at `path`.
 */
async function perKeyChecks(path: string, table: OpTable, maxExamples: number, pool?: TaskPool): Promise<ModelCheckResult[]> {
  const results = await searchedPerKey(table, maxExamples, pool)
  // The register histories (tens of MiB in shared memory) are garbage now: freed here, not
  // whenever this thread next collects, while the causal and session checks still run.
  if (table.length >= COLLECT_FROM_OPS) collectGarbage()
  const texts = await valueTexts(
    path,
    table,
    new Set(results.flatMap((r) => [...r.examples.map((e) => e.summary), ...r.windows.map((w) => w.explanation)].flatMap(hashesIn))),
  )
  return results.map((r) => ({
    ...r,
    examples: r.examples.map((e) => ({ ...e, summary: fillHashTokens(e.summary, texts) })),
    windows: r.windows.map((w) => ({ ...w, explanation: fillHashTokens(w.explanation, texts) })),
  }))
}

/** Both per-key models on the table's register histories, which are garbage once this settles. */
function searchedPerKey(table: OpTable, maxExamples: number, pool?: TaskPool): Promise<ModelCheckResult[]> {
  const histories = registerHistoriesFromTable(table, { shared: pool !== undefined })
  // Both models in one pass over the keys: each key is prepared once, and one found linearizable is sequentially consistent.
  return checkModels(['linearizable', 'sequential'], histories, { maxExamples, pool })
}

/** Each value among `hashes` as sentences show it, read back from the first op of the history that wrote or read it. */
async function valueTexts(path: string, table: OpTable, hashes: ReadonlySet<number>): Promise<Map<number, string>> {
  const texts = new Map<number, string>()
  const left = new Set(hashes)
  const rows: number[] = []
  const rowHashes: number[] = []
  for (let row = 0; row < table.length && left.size > 0; row++) {
    let found = false
    for (let i = rowValueHashesInto(table, row, rowHashes) - 1; i >= 0; i--) found = left.delete(rowHashes[i]) || found
    if (found) rows.push(row)
  }
  const records = await readRecordsAt(
    path,
    rows.map((row) => ({ offset: table.offset[row], length: table.lineLength[row] })),
  )
  for (const record of records) {
    const op = record as OpRecord | undefined
    if (!op || typeof op.key !== 'string') continue
    const values: unknown[] = op.f === 'put' ? [op.value] : Array.isArray(op.value) ? op.value : []
    for (const value of values) {
      const hash = valueHashOf(op.key, value)
      if (hashes.has(hash)) texts.set(hash, valueText(value))
    }
  }
  return texts
}

/**
 * Starts every model checker on the register history at `path` whose op table is `table`:
 * the causal checks in a worker of `pool` for a big history whose table is in shared memory
 * (so they run while this thread goes on with the other checks), the per-key searches on
 * `pool`'s threads. For another workload each model is unknown and says why.
 */
export async function startModelChecks(
  path: string,
  table: OpTable,
  run: RunInfo | undefined,
  maxExamples: number,
  pool?: TaskPool,
): Promise<ModelChecks> {
  const kind = run?.workload.kind ?? 'register'
  if (kind !== 'register')
    return asChecks(table, undecidedModels(`judged for register workloads only: ${kind} values are not one per write`))
  // The causal checks first: the longest task, it needs only the table, while the per-key
  // searches wait for their register histories to be built in this thread.
  const causal = causalChecks(table, maxExamples, pool)
  const [perKey, causalResults] = await Promise.all([perKeyChecks(path, table, maxExamples, pool), causal])
  return asChecks(table, [...perKey, ...causalResults])
}

/** The results, and the same as verdict checks (examples naming table rows). */
function asChecks(table: OpTable, results: ModelCheckResult[]): ModelChecks {
  const rowOf = rowsOf(
    table,
    results.flatMap((r) => r.examples.flatMap((e) => e.ops)),
  )
  const checks = results.map((result): CheckResult<Example> => {
    const { keys: _keys, windows: _windows, examples, ...check } = result
    return {
      ...check,
      examples: examples.map((e) => ({
        summary: e.summary,
        ops: e.ops.map((index, i) => ({ role: e.roles?.[i] ?? 'op', row: rowOf.get(index) as number })),
      })),
    }
  })
  return { results, checks }
}

/** The op-table row of each of the given history indexes. */
export function rowsOf(table: OpTable, indexes: Iterable<number>): Map<number, number> {
  const wanted = new Set(indexes)
  const rows = new Map<number, number>()
  if (wanted.size === 0) return rows
  if (!ascending(table.index)) {
    for (let row = 0; row < table.length; row++) if (wanted.has(table.index[row])) rows.set(table.index[row], row)
    return rows
  }
  // A history's rows come in index order: each index is searched for, not every row asked about.
  for (const index of wanted) {
    const row = lastAtMost(table.index, index)
    if (row >= 0 && table.index[row] === index) rows.set(index, row)
  }
  return rows
}

/** A timeline op as a report shows it: its value as JSON text, shortened. */
export type ShownTimelineOp = Omit<TimelineOp, 'value'> & { value: string }
export type ShownWindow = Omit<FailingWindow, 'ops'> & { ops: ShownTimelineOp[] }

/** A model's details beyond its check in the verdict: keys judged, and its failing windows to draw. */
export type ModelDetails = { name: string; keys: ModelCheckResult['keys']; windows: ShownWindow[] }

/** The models' details, with the values of their windows' ops read back from the history. */
export async function modelDetails(path: string, table: OpTable, results: readonly ModelCheckResult[]): Promise<ModelDetails[]> {
  const indexes = results.flatMap((r) => r.windows.flatMap((w) => w.ops.map((op) => op.index)))
  const rowOf = rowsOf(table, indexes)
  const wanted = [...rowOf.values()]
  const records = await readRecordsAt(
    path,
    wanted.map((row) => ({ offset: table.offset[row], length: table.lineLength[row] })),
  )
  const value = new Map<number, string>()
  wanted.forEach((row, i) => {
    const op = records[i] as OpRecord | undefined
    value.set(
      table.index[row],
      op && typeof op.process === 'number' ? shortJson(op.f === 'delete' ? null : op.value) : '(could not be read back)',
    )
  })
  return results.map((r) => ({
    name: r.name,
    keys: r.keys,
    windows: r.windows.map((w) => ({ ...w, ops: w.ops.map((op) => ({ ...op, value: value.get(op.index) ?? shortJson(op.value) })) })),
  }))
}
