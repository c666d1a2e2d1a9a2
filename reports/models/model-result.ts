/**
 * What the consistency-model checkers (linearizable, sequential, causal, session
 * guarantees from values) return: the common checker result, plus the failing windows the
 * HTML report draws as timelines (one lane per process, each op a bar from invoke to
 * complete), as Porcupine's visualization does.
 */
import type { CheckResult, Described } from '../../common/contracts/checker.ts'
import type { OpFunction, OpOutcome } from '../../common/contracts/history.ts'

/** The models the checkers judge, by their check names (one list, in the checker contract). */
export { MODEL_NAMES, type ModelName } from '../../common/contracts/checker.ts'

/** One op as a timeline draws it. Times are µs since the run started. */
export type TimelineOp = {
  /** Index of the op in history.jsonl. */
  index: number
  process: number
  type: OpOutcome
  f: OpFunction
  key: string
  /** As in the history: the value written, the values read, `[expected, new]` for cas. */
  value: unknown
  invoke: number
  /** `null` when the op never completed (an `info` op may take effect any time after its invocation). */
  complete: number | null
}

/** The smallest stretch of one key's history that shows a violation. */
export type FailingWindow = {
  key: string
  ops: TimelineOp[]
  /** History indices of the longest prefix the search could linearize (linearizable and sequential only). */
  linearized?: number[]
  /** History indices of the ops the explanation names (drawn highlighted); the others are context. */
  focus?: number[]
  /** One or two sentences: what went wrong, naming the ops. */
  explanation: string
}

/**
 * An example of a violation: its sentence, the key and the history indices of the ops
 * involved; `roles`, when given, says what each op is in it (`read`, `overwriting write`...).
 */
export type ModelExample = Described & { key: string; ops: number[]; roles?: string[] }

/** A model checker's result. */
export type ModelCheckResult = CheckResult<ModelExample> & {
  /** Keys judged valid, invalid, and unknown (search budget exhausted, or not checkable). */
  keys: { valid: number; invalid: number; unknown: number }
  /** Up to a few failing windows, smallest first. */
  windows: FailingWindow[]
}
