/**
 * The consistency-model checkers, judged from the values clients saw (every write writes a
 * unique value): one entry per checker, each taking a history's ops and returning its
 * results (Jepsen's checkers, composed by the verdict). The analysis runs every entry.
 */
import { checkCausalModels } from './causal-checks.ts'
import { CAUSAL, type ModelCheckOptions } from './causal.ts'
import type { ModelHistory } from './model-history.ts'
import type { ModelCheckResult } from './model-result.ts'
import { SESSION_VALUE_CHECKS } from './session-values.ts'

export type { ModelCheckOptions } from './causal.ts'
export { modelHistoryFromRecords, modelHistoryFromTable, type ModelColumns, type ModelHistory } from './model-history.ts'
export type { FailingWindow, ModelCheckResult, ModelExample, TimelineOp } from './model-result.ts'

/** A model checker: its name, and a check returning one result per model it judges. */
export type ModelChecker = {
  name: string
  /** The check names its results carry, in order. */
  models: readonly string[]
  check: (history: ModelHistory, options: ModelCheckOptions) => ModelCheckResult[]
}

export const MODEL_CHECKERS: readonly ModelChecker[] = [
  {
    name: CAUSAL,
    models: [CAUSAL, ...SESSION_VALUE_CHECKS],
    check: checkCausalModels,
  },
]

/** Every model checker's results, in the order of {@link MODEL_CHECKERS}. */
export function checkModels(history: ModelHistory, options: ModelCheckOptions = {}): ModelCheckResult[] {
  return MODEL_CHECKERS.flatMap((checker) => checker.check(history, options))
}
