/**
 * The consistency-model checkers: each judges a history from the values clients saw
 * alone, key by key, and returns a {@link ModelCheckResult} (the verdict, examples naming
 * history indices, failing windows for timelines). In Porcupine's spirit, the whole API:
 *
 *   const result = await checkLinearizable(records, { budget: { ms: 5000 } })
 *   const result = await MODEL_CHECKERS.sequential(records, { key: 'k1' })
 *
 * `records`: history records (`OpRecord`s; other records are skipped), or register
 * histories built once ({@link registerHistories}, or streamed from a file with
 * `readHistoryFile`) and checked against several models.
 */
import { checkModel, type ModelCheckOptions, type ModelInput } from './model-check.ts'
import type { ModelCheckResult, ModelName } from './model-result.ts'

export type { ModelCheckOptions, ModelInput } from './model-check.ts'
export { DEFAULT_BUDGET, type SearchBudget } from './key-search.ts'
export { type RegisterHistories, type RegisterOp, registerHistories } from './register-history.ts'
export { type HistoryFile, type HistoryFileOptions, readHistoryFile } from './history-file.ts'
export { timelineText } from './timeline-text.ts'
export {
  MODEL_NAMES,
  type FailingWindow,
  type ModelCheckResult,
  type ModelExample,
  type ModelName,
  type TimelineOp,
} from './model-result.ts'

/** A model checker: every key of a history (or `options.key`) judged against one model. */
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

/** The checkers by model name (`quorumlab check --model NAME`); a model without an entry is not available in this build. */
export const MODEL_CHECKERS: Partial<Record<ModelName, ModelChecker>> = {
  linearizable: checkLinearizable,
  sequential: checkSequential,
}
