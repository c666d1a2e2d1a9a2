/**
 * Sequential consistency of one key: is there one order of its ops, keeping each
 * process's program order (not real time), in which the register explains every read?
 * A depth-first search over which ops are placed, memoized like the linearizable one.
 *
 * Program order and `info` ops: in our harness a session goes on after an op times out
 * (Jepsen retires the process instead), and the timed-out request may still reach the
 * store later. So an info op comes after the ops its process completed before it, but
 * nothing of its process waits for it: it may take effect later than the session's next
 * ops, or never (unless a read showed its value: see register-history.ts). This keeps
 * every linearizable history sequentially consistent (real time orders an info op after
 * what completed before it, and before nothing).
 *
 * The placed set is (per process, its first ok op not placed) plus the info ops before
 * those that are not placed yet: ok ops are placed in program order, and an info op
 * becomes placeable once its process's ok ops before it are placed.
 */
import { BudgetMeter, DeepestPrefix, type KeyOutcome, type SearchBudget, type SearchOptions } from './key-search.ts'
import { type KeyOps, READ } from './register-history.ts'
import { RegisterModel, step } from './register-model.ts'
import { StateMemo } from './state-memo.ts'

/** Each process's ops in program order (rows are sorted by invocation already). */
type Programs = {
  /** Processes, 0-based here. */
  count: number
  /** Process q's ops are `ops[start[q] .. start[q + 1])`. */
  start: Int32Array
  ops: Int32Array
  /** Per row: its process (0-based here). */
  of: Int32Array
}

function programs(k: KeyOps): Programs {
  const ids = new Map<number, number>()
  const of = new Int32Array(k.length)
  for (let i = 0; i < k.length; i++) {
    let q = ids.get(k.lane[i])
    if (q === undefined) {
      q = ids.size
      ids.set(k.lane[i], q)
    }
    of[i] = q
  }
  const start = new Int32Array(ids.size + 1)
  for (let i = 0; i < k.length; i++) start[of[i] + 1] += 1
  for (let q = 0; q < ids.size; q++) start[q + 1] += start[q]
  const fill = start.slice(0, ids.size)
  const ops = new Int32Array(k.length)
  for (let i = 0; i < k.length; i++) ops[fill[of[i]]++] = i
  return { count: ids.size, start, ops, of }
}

/**
 * The search's position: per process the first ok op not placed (`cursor`, an index into
 * `programs.ops`), and the info ops placeable but not placed (`pending`, sorted).
 */
class Frontier {
  readonly cursor: Int32Array
  pending: number[] = []
  #p: Programs
  #info: Uint8Array

  constructor(p: Programs, info: Uint8Array) {
    this.#p = p
    this.#info = info
    this.cursor = p.start.slice(0, p.count)
    for (let q = 0; q < p.count; q++) this.#advance(q)
  }

  /** Moves process q's cursor over info ops (making them placeable) to its next ok op. */
  #advance(q: number): void {
    const end = this.#p.start[q + 1]
    let c = this.cursor[q]
    while (c < end && this.#info[this.#p.ops[c]] === 1) this.#addPending(this.#p.ops[c++])
    this.cursor[q] = c
  }

  #addPending(i: number): void {
    const pending = this.pending
    let at = pending.length
    pending.push(i)
    while (at > 0 && pending[at - 1] > i) {
      pending[at] = pending[at - 1]
      at -= 1
    }
    pending[at] = i
  }

  #removePending(i: number): void {
    this.pending.splice(this.pending.indexOf(i), 1)
  }

  /** Places op i (a candidate); returns what {@link unplace} needs: the cursor before. */
  place(i: number): number {
    const q = this.#p.of[i]
    const before = this.cursor[q]
    if (this.#info[i] === 1) this.#removePending(i)
    else {
      this.cursor[q] = before + 1
      this.#advance(q)
    }
    return before
  }

  unplace(i: number, before: number): void {
    const q = this.#p.of[i]
    if (this.#info[i] === 1) this.#addPending(i)
    else {
      for (let c = before + 1; c < this.cursor[q]; c++) this.#removePending(this.#p.ops[c])
      this.cursor[q] = before
    }
  }

  /** The placeable ops, earliest invocation first, appended to `into` from `at`; returns the new end. */
  candidates(into: Int32Array, at: number): number {
    const from = at
    const pending = this.pending
    for (let p = 0; p < pending.length; p++) into[at++] = pending[p]
    for (let q = 0; q < this.#p.count; q++) if (this.cursor[q] < this.#p.start[q + 1]) into[at++] = this.#p.ops[this.cursor[q]]
    // Rows are in invocation order, so sorting by row tries the ops in real-time order first.
    // An insertion sort in place: the candidates are few, and a subarray to sort is garbage at every step.
    for (let c = from + 1; c < at; c++) {
      const row = into[c]
      let d = c - 1
      while (d >= from && into[d] > row) {
        into[d + 1] = into[d]
        d -= 1
      }
      into[d + 1] = row
    }
    return at
  }

  /** The memo's key: state, cursors, -1, pending. */
  encode(state: number, key: Int32Array): number {
    key[0] = state
    let length = 1
    for (let q = 0; q < this.cursor.length; q++) key[length++] = this.cursor[q]
    key[length++] = -1
    for (let p = 0; p < this.pending.length; p++) key[length++] = this.pending[p]
    return length
  }
}

/**
 * Searches one key's ops for an order that keeps program order and explains every read.
 * Never runs past `budget` (then `unknown`). On `invalid`, the deepest dead end: the
 * longest prefix placed and the first ok op that could not follow it.
 */
export function searchSequential(ops: KeyOps, budget: SearchBudget, options: SearchOptions = {}): KeyOutcome {
  const n = ops.length
  const model = new RegisterModel(ops, options)
  let mustLeft = 0
  for (let i = 0; i < n; i++) mustLeft += model.must[i]
  if (mustLeft === 0) return { verdict: 'valid', steps: 0 }
  const prog = programs(ops)
  const frontier = new Frontier(prog, ops.info)
  const memo = new StateMemo()
  const key = new Int32Array(prog.count + n + 2)
  const meter = new BudgetMeter(budget)
  const deepest = new DeepestPrefix()
  // Per depth: the op placed, the state and cursor before it, its node's candidates.
  const chosen = new Int32Array(n)
  const stateBefore = new Int32Array(n)
  const cursorBefore = new Int32Array(n)
  const candStart = new Int32Array(n + 1)
  const candEnd = new Int32Array(n + 1)
  const candNext = new Int32Array(n + 1)
  // Stryker disable next-line MethodExpression,ArithmeticOperator: enter() grows the pool on demand; its first size only sets how soon.
  let pool = new Int32Array(Math.max(64, 4 * (prog.count + 1)))
  let depth = 0
  let state = 0

  const enter = (from: number): void => {
    if (pool.length < from + prog.count + frontier.pending.length) {
      const bigger = new Int32Array(2 * (from + prog.count + frontier.pending.length))
      bigger.set(pool)
      pool = bigger
    }
    candStart[depth] = from
    candNext[depth] = from
    candEnd[depth] = frontier.candidates(pool, from)
  }
  enter(0)
  for (;;) {
    const spent = meter.spend(memo.size)
    if (spent) return { verdict: 'unknown', steps: meter.steps, reason: spent, deadEnd: deepest.deadEnd() }
    let dead = candNext[depth] >= candEnd[depth]
    if (!dead) {
      const i = pool[candNext[depth]++]
      const after = model.apply(state, i)
      if (after >= 0) {
        if (model.must[i] === 1 && mustLeft === 1) return { verdict: 'valid', steps: meter.steps }
        const before = frontier.place(i)
        if (memo.add(key, frontier.encode(after, key))) {
          chosen[depth] = i
          stateBefore[depth] = state
          cursorBefore[depth] = before
          mustLeft -= model.must[i]
          state = after
          depth += 1
          enter(candEnd[depth - 1])
          continue
        }
        frontier.unplace(i, before)
        model.undo(i)
        // A read placeable now might as well go first (it changes nothing): see linearizable-search.ts.
        dead = ops.op[i] === READ
      }
      if (!dead) continue
    }
    recordDeadEnd(deepest, chosen, depth, pool, candStart[depth], candEnd[depth], ops, state)
    let i: number
    do {
      if (depth === 0) return { verdict: 'invalid', steps: meter.steps, deadEnd: deepest.deadEnd() }
      depth -= 1
      deepest.popped(depth)
      i = chosen[depth]
      state = stateBefore[depth]
      mustLeft += model.must[i]
      frontier.unplace(i, cursorBefore[depth])
      model.undo(i)
    } while (ops.op[i] === READ)
  }
}

/**
 * A dead end: the op named as the one that could not follow is the earliest ok candidate
 * the register refuses in this state (a stale read), else the earliest ok candidate.
 */
function recordDeadEnd(
  deepest: DeepestPrefix,
  chosen: Int32Array,
  depth: number,
  pool: Int32Array,
  from: number,
  to: number,
  ops: KeyOps,
  state: number,
): void {
  // A dead end always has an ok candidate (an ok op left, or the ok observer of a required info write left): the loop sets stuck.
  // Stryker disable next-line UnaryOperator: never read, see above.
  let stuck = -1
  let refused = -1
  for (let c = to - 1; c >= from; c--) {
    const i = pool[c]
    if (ops.info[i] === 1) continue
    stuck = i
    if (step(state, ops.op[i], ops.a[i], ops.b[i]) < 0) refused = i
  }
  if (refused >= 0) stuck = refused
  if (stuck < 0 && to > from) stuck = pool[from]
  if (stuck >= 0) deepest.reached(chosen, depth, stuck, state)
}
