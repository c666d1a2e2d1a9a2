/**
 * The consistency-model checkers: each judges a history from the values clients saw
 * alone and returns {@link ModelCheckResult}s (the verdict, examples naming history
 * indices, failing windows for timelines). In Porcupine's spirit, the whole API:
 *
 *   const result = await checkLinearizable(records, { budget: { ms: 5000 } })
 *   const result = await MODEL_CHECKERS.sequential(records, { key: 'k1' })
 *   const [linearizable, sequential] = await checkModels(['linearizable', 'sequential'], records)
 *   const [causal, ...sessions] = checkCausalModels(modelHistoryFromRecords(records))
 *
 * Linearizable and sequential judge each key apart (`records`: history records, or
 * register histories built once with {@link registerHistories} or streamed from a file
 * with `readHistoryFile`). Causal consistency and the session guarantees from values judge
 * the whole history at once (causality crosses keys), on a {@link ModelHistory}.
 */
import { checkModel, type ModelCheckOptions, type ModelInput } from './model-check.ts'
import type { ModelCheckResult, ModelName } from './model-result.ts'

export type { ModelCheckOptions, ModelInput } from './model-check.ts'
export { checkModels } from './model-check.ts'
export { DEFAULT_BUDGET, type SearchBudget } from './key-search.ts'
export { type RegisterHistories, type RegisterOp, registerHistories } from './register-history.ts'
export { type HistoryFile, type HistoryFileOptions, readHistoryFile, readOpRecords } from './history-file.ts'
export { timelineText } from './timeline-text.ts'
export { registerHistoriesFromTable, rowValueHashesInto } from './register-history-table.ts'
export { fillHashTokens, hashesIn, valueText } from './value-text.ts'
export {
  MODEL_NAMES,
  type FailingWindow,
  type ModelCheckResult,
  type ModelExample,
  type ModelName,
  type TimelineOp,
} from './model-result.ts'
export { checkCausalModels } from './causal-checks.ts'
export type { CausalCheckOptions } from './causal.ts'
export { modelHistoryFromRecords, modelHistoryFromTable, type ModelColumns, type ModelHistory } from './model-history.ts'

/** A per-key model checker: every key of a history (or `options.key`) judged against one model. */
export type ModelChecker = (input: ModelInput, options?: ModelCheckOptions) => Promise<ModelCheckResult>

/**
 * Linearizability per key as a read/write/cas register: a key showing an anomaly (a
 * sibling read, a phantom, a stale read...) is invalid at once; unique reads and writes
 * are decided by Gibbons and Korach's zones in O(n log n); anything else (cas, deletes,
 * repeated values) by the Wing–Gong–Lowe search with Lowe's memoization. Keys in
 * parallel worker threads for big histories; a key whose search runs out of budget is `unknown`.
 */
export const checkLinearizable: ModelChecker = (input, options) => checkModel('linearizable', input, options)

/**
 * Sequential consistency per key: one order of the key's ops keeping each process's
 * program order (not real time) that explains every read; anomalies first, then a
 * memoized depth-first search. A key whose search runs out of budget is `unknown`.
 */
export const checkSequential: ModelChecker = (input, options) => checkModel('sequential', input, options)

/** The per-key checkers by model name; causal is judged over the whole history by {@link checkCausalModels}. */
export const MODEL_CHECKERS: Partial<Record<ModelName, ModelChecker>> = {
  linearizable: checkLinearizable,
  sequential: checkSequential,
}
