/**
 * The register model both searches step (Knossos's cas-register): the state is the id of
 * the value the register holds, and a step either takes an op into a new state or refuses
 * it. {@link RegisterModel} also prunes: with unique writers, once the register has moved
 * off a value that has no writer left, a read still waiting for that value can never be
 * placed, so the step that moved off it is refused at once rather than explored to the end.
 */
import { CAS, type KeyOps, READ, WRITE } from './register-history.ts'

/** The register's state after `op` from `state`, or -1 when `op` cannot take effect in it. */
export function step(state: number, op: number, a: number, b: number): number {
  if (op === READ) return state === a ? state : -1
  if (op === CAS) return state === a ? b : -1
  return a
}

/**
 * Steps one key's ops, keeping per value how many writers and how many required
 * observers are not yet placed. `apply` and `undo` come in LIFO pairs, as a depth-first
 * search makes them.
 */
export class RegisterModel {
  #ops: KeyOps
  #writersLeft: Int32Array
  #observersLeft: Int32Array
  /** 1 for an op that must be placed (ok, or an info write known to have taken effect). */
  readonly must: Uint8Array

  #lookahead: boolean

  /**
   * `lookahead: false` turns the pruning off: the search then places ops as long as the
   * register allows, so its deepest dead end is the longest prefix a timeline marks
   * (with pruning, it stops where the future already rules a step out).
   */
  constructor(ops: KeyOps, options: { lookahead?: boolean } = {}) {
    this.#ops = ops
    this.#lookahead = options.lookahead ?? true
    this.#writersLeft = new Int32Array(ops.values)
    this.#observersLeft = new Int32Array(ops.values)
    this.must = new Uint8Array(ops.length)
    for (let i = 0; i < ops.length; i++) {
      this.must[i] = ops.deadline[i] < Number.POSITIVE_INFINITY ? 1 : 0
      const written = this.#written(i)
      if (written >= 0) this.#writersLeft[written] += 1
      if (this.must[i] === 1 && ops.op[i] !== WRITE) this.#observersLeft[ops.a[i]] += 1
    }
  }

  /** The value op `i` writes, or -1 for a read. */
  #written(i: number): number {
    const op = this.#ops.op[i]
    return op === READ ? -1 : op === CAS ? this.#ops.b[i] : this.#ops.a[i]
  }

  /** The state after op `i` from `state`, or -1 when it cannot take effect or would strand a waiting read; counts it placed when not -1. */
  apply(state: number, i: number): number {
    const ops = this.#ops
    const next = step(state, ops.op[i], ops.a[i], ops.b[i])
    if (next < 0) return -1
    const written = this.#written(i)
    const observes = this.must[i] === 1 && ops.op[i] !== WRITE
    if (written >= 0) this.#writersLeft[written] -= 1
    if (observes) this.#observersLeft[ops.a[i]] -= 1
    // Moving off a value (absent too: the initial state is its first writer) that no op is left to write again.
    if (this.#lookahead && next !== state && this.#writersLeft[state] === 0 && this.#observersLeft[state] > 0) {
      this.undo(i)
      return -1
    }
    return next
  }

  /** Takes back the last {@link apply} of op `i`. */
  undo(i: number): void {
    const written = this.#written(i)
    if (written >= 0) this.#writersLeft[written] += 1
    if (this.must[i] === 1 && this.#ops.op[i] !== WRITE) this.#observersLeft[this.#ops.a[i]] += 1
  }
}
