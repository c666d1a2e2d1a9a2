/**
 * What both per-key searches (linearizable, sequential) share: the budget that turns a
 * search too big to finish into `unknown` instead of a hang, what a search of one key
 * returns, and the record of the deepest dead end it reached (the longest prefix it could
 * place, and the op it could not place after it), from which the failing window is drawn.
 */
import type { Anomaly } from './register-anomalies.ts'

/** How much one key's search may do before it gives up with `unknown`. */
export type SearchBudget = {
  /** Search steps (an op tried in a state) at most. */
  steps: number
  /** Wall time at most, ms. */
  ms: number
  /** Memoized search states at most, in millions of 4-byte integers (bounds memory: 64 = 256 MiB). */
  memoMegaInts: number
}

/** `lookahead: false`: no pruning (see RegisterModel), for the longest prefix a timeline marks. */
export type SearchOptions = { lookahead?: boolean }

export const DEFAULT_BUDGET: SearchBudget = { steps: 20_000_000, ms: 10_000, memoMegaInts: 64 }

/** The deepest dead end of a search. Op numbers are the key's rows (0 = its first op by invocation). */
export type DeadEnd = {
  /** The op the search could not place after the longest prefix it placed. */
  stuck: number
  /** The longest prefix placed, in order. */
  prefix: number[]
  /** The register's value id after the prefix. */
  state: number
}

/**
 * One key's verdict. An invalid key has an anomaly that proves it, or the dead end of a
 * search that tried every order, or both; an unknown one, the dead end reached so far.
 */
export type KeyOutcome =
  | { verdict: 'valid'; steps: number }
  | { verdict: 'invalid'; steps: number; anomaly?: Anomaly; deadEnd?: DeadEnd }
  | { verdict: 'unknown'; steps: number; reason: string; deadEnd?: DeadEnd }

/** How often (in steps) the clock and the memo's size are looked at. */
const CHECK_EVERY = 1 << 14

/** Counts steps and says when the budget is spent. */
export class BudgetMeter {
  steps = 0
  #budget: SearchBudget
  #until: number
  #nextCheck = CHECK_EVERY

  constructor(budget: SearchBudget) {
    this.#budget = budget
    this.#until = performance.now() + budget.ms
  }

  /** Counts a step; returns why the budget is spent, or undefined. `memoInts`: the memo's size now. */
  spend(memoInts: number): string | undefined {
    this.steps += 1
    if (this.steps < this.#nextCheck) return undefined
    this.#nextCheck += CHECK_EVERY
    if (this.steps >= this.#budget.steps) return `the search budget of ${this.#budget.steps.toLocaleString('en-US')} steps ran out`
    if (performance.now() > this.#until) return `the search budget of ${this.#budget.ms.toLocaleString('en-US')} ms ran out`
    if (memoInts > this.#budget.memoMegaInts * 1_000_000)
      return `the search explored more states than its memory budget (${this.#budget.memoMegaInts * 4} MB) holds`
    return undefined
  }
}

/**
 * The deepest dead end of a depth-first search: the longest prefix it had placed when no
 * op could follow. Copies only the part of the search stack that changed since the last
 * record, so keeping it costs no more than the search's own pushes.
 */
export class DeepestPrefix {
  #best: number[] = []
  #length = 0
  /** The lowest stack depth since the last record: below it, `#best` still matches the stack. */
  #low = 0
  stuck = -1
  state = 0

  /** The search popped down to `depth`. */
  popped(depth: number): void {
    if (depth < this.#low) this.#low = depth
  }

  /** A dead end at `depth` (stack[0..depth) placed), `stuck` the op that could not follow. */
  reached(stack: Int32Array, depth: number, stuck: number, state: number): void {
    if (depth <= this.#length && this.stuck >= 0) return
    for (let i = this.#low; i < depth; i++) this.#best[i] = stack[i]
    this.#length = depth
    this.#best.length = depth
    this.#low = depth
    this.stuck = stuck
    this.state = state
  }

  /** The deepest dead end so far (undefined before the first). */
  deadEnd(): DeadEnd | undefined {
    return this.stuck < 0 ? undefined : { stuck: this.stuck, prefix: this.#best.slice(0, this.#length), state: this.state }
  }
}
