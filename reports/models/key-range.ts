/**
 * Checks a range of keys one by one (P-compositionality: a register history is
 * linearizable, or sequentially consistent, when each key's is), in this thread or in a
 * worker of the task pool.
 */
import type { KeyOutcome, SearchBudget } from './key-search.ts'
import { searchLinearizable } from './linearizable-search.ts'
import { type Anomaly, AnomalyPatterns, siblingsOrPhantom, writersByValue, zoneAnomaly, zoneTimes } from './register-anomalies.ts'
import { type KeyOps, keyOps, type RegisterHistories } from './register-history.ts'
import { searchSequential } from './sequential-search.ts'

/** The searches by model name. */
export const SEARCHES = { linearizable: searchLinearizable, sequential: searchSequential } as const
export type SearchedModel = keyof typeof SEARCHES

/** The columns a search reads, and each key's number of values: what crosses to a worker (typed arrays only). */
export type SearchColumns = Pick<RegisterHistories, 'keyStart' | 'lane' | 'op' | 'info' | 'a' | 'b' | 'invoke' | 'deadline'> & {
  valueCounts: Int32Array
}

/** The models are checked in one pass over the keys (sharing each key's preparation), in this order. */
export type KeyRange = { models: readonly SearchedModel[]; columns: SearchColumns; from: number; to: number; budget: SearchBudget }

/**
 * Ranges of keys several threads take one at a time, whichever is free (none waits for the
 * thread that handed them out): range `r` is keys `bounds[r]..bounds[r + 1]`; `next`, in
 * shared memory, is the next range to take.
 */
export type SharedKeyRanges = Omit<KeyRange, 'from' | 'to'> & { bounds: Int32Array; next: Int32Array }

/** One model's keys of a range that were not valid (their outcomes), how many were, and the steps spent. */
export type KeyRangeResult = { outcomes: [number, KeyOutcome][]; valid: number; steps: number }

export function searchColumns(h: RegisterHistories): SearchColumns {
  const { keyStart, lane, op, info, a, b, invoke, deadline } = h
  return { keyStart, lane, op, info, a, b, invoke, deadline, valueCounts: Int32Array.from(h.values, (v) => v.length) }
}

/** The search steps spent on the longest linearizable prefix of a key the zones found invalid (for its timeline). */
const PREFIX_STEPS = 200_000

/**
 * One key's verdict: a key showing an anomaly (siblings, a phantom, a stale read...) is
 * invalid without a search; the zones decide linearizability where they apply; else the
 * search decides, or runs out of budget (unknown).
 */
export function checkKey(model: SearchedModel, ops: KeyOps, budget: SearchBudget): KeyOutcome {
  return checkKeyModels([model], ops, budget)[0]
}

/**
 * One key's verdict under each of `models` (see {@link checkKey}), the key's values' writers
 * and anomalies found once for all. A key found linearizable is sequentially consistent
 * too (the linearization keeps program order), so its sequential search is skipped.
 */
export function checkKeyModels(models: readonly SearchedModel[], ops: KeyOps, budget: SearchBudget): KeyOutcome[] {
  const writers = writersByValue(ops)
  const siblings = siblingsOrPhantom(ops, writers)
  const patterns = new AnomalyPatterns(ops, writers)
  const outcomes: KeyOutcome[] = []
  let linearizable = false
  for (const model of models) {
    const outcome: KeyOutcome =
      model === 'sequential' && linearizable
        ? { verdict: 'valid' as const, steps: 0 }
        : judgeKey(model, ops, budget, writers, siblings, patterns)
    if (model === 'linearizable') linearizable = outcome.verdict === 'valid'
    outcomes.push(outcome)
  }
  return outcomes
}

function judgeKey(
  model: SearchedModel,
  ops: KeyOps,
  budget: SearchBudget,
  writers: number[][],
  siblings: Anomaly | undefined,
  patterns: AnomalyPatterns,
): KeyOutcome {
  const search = SEARCHES[model]
  // The search, briefly and without lookahead, only for the longest prefix a timeline marks.
  const outlined = (anomaly: Anomaly): KeyOutcome => {
    const outline = search(ops, { ...budget, steps: Math.min(budget.steps, PREFIX_STEPS) }, { lookahead: false })
    return { verdict: 'invalid', steps: outline.steps, anomaly, deadEnd: outline.verdict === 'valid' ? undefined : outline.deadEnd }
  }
  const anomaly = siblings ?? patterns.find(model)
  if (anomaly) return anomaly.kind === 'siblings' ? { verdict: 'invalid', steps: 0, anomaly } : outlined(anomaly)
  const times = model === 'linearizable' ? zoneTimes(ops, writers) : undefined
  if (times) {
    const zones = zoneAnomaly(ops, writers, times)
    return zones ? outlined(zones) : { verdict: 'valid', steps: 0 }
  }
  return search(ops, budget)
}

export function checkKeyRange({ models, columns, from, to, budget }: KeyRange): KeyRangeResult[] {
  const results = models.map((): KeyRangeResult => ({ outcomes: [], valid: 0, steps: 0 }))
  for (let key = from; key < to; key++) {
    const ops = keyOps(columns, columns.keyStart[key], columns.keyStart[key + 1], columns.valueCounts[key])
    const outcomes = checkKeyModels(models, ops, budget)
    for (let m = 0; m < models.length; m++) {
      const outcome = outcomes[m]
      const result = results[m]
      result.steps += outcome.steps
      if (outcome.verdict === 'valid') result.valid += 1
      else result.outcomes.push([key, outcome])
    }
  }
  return results
}

/** Checks ranges of `shared` until none is left; returns each range taken, with its results. */
export function takeKeyRanges(shared: SharedKeyRanges): [number, KeyRangeResult[]][] {
  const { bounds, next, ...range } = shared
  const taken: [number, KeyRangeResult[]][] = []
  for (let r = Atomics.add(next, 0, 1); r < bounds.length - 1; r = Atomics.add(next, 0, 1))
    taken.push([r, checkKeyRange({ ...range, from: bounds[r], to: bounds[r + 1] })])
  return taken
}
