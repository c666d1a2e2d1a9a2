/**
 * The checkers that share the causal order: causal consistency and the four session
 * guarantees from values, judged in one walk of the order (building it is most of the work).
 */
import { CausalOrder } from './causal-order.ts'
import { CAUSAL, CausalCheck, type CausalCheckOptions, undecidedModel } from './causal.ts'
import type { ModelHistory } from './model-history.ts'
import type { ModelCheckResult } from './model-result.ts'
import { SESSION_VALUE_CHECKS, SessionValueChecks } from './session-values.ts'

/**
 * Causal consistency, then read-your-writes, monotonic reads, monotonic writes, writes-follow-reads, from values.
 * A history from the op table (one without `valueById`) is used up: its value columns are
 * emptied once the order is built, so the walk's peak does not hold them. To check it again,
 * build it again.
 */
export function checkCausalModels(history: ModelHistory, options: CausalCheckOptions = {}): ModelCheckResult[] {
  const order = new CausalOrder(history)
  const reason =
    order.problem ??
    (order.duplicateValues > 0
      ? `${order.duplicateValues} values were written by more than one write, so a read cannot be traced to its write`
      : undefined)
  if (reason) {
    return [CAUSAL, ...SESSION_VALUE_CHECKS].map((name) => undecidedModel(name, 'reads', reason, history.keys.length))
  }
  const causal = new CausalCheck(order, options)
  const sessions = new SessionValueChecks(order, options)
  order.walk((visit) => sessions.visit(visit, causal.visit(visit)))
  return [causal.result(), ...sessions.results()]
}
