/**
 * Linearizability of one key: the Wing–Gong–Lowe search with Lowe's memoization, as
 * Porcupine does it. The ops' calls and returns sit in one list in time order; the search
 * walks it from the start, placing (linearizing) an op whose call it meets when the model
 * accepts it in the current state and the resulting (placed set, state) is new, and
 * backtracks when it meets the return of an op not placed yet: that op's deadline passed.
 *
 * An op may take effect between its invocation and its deadline (its completion; see
 * register-history.ts for info ops); equal times count as concurrent (calls sort before
 * returns). Optional ops (info writes that may never have happened) have no return, so
 * they can be placed any time after their call, or never. And an op comes after its
 * process's earlier ok ops (program order): real time says so too, except at equal times,
 * which a list of events cannot order one way for one process and the other way for
 * another, so each candidate also waits for its lane's previous ok op.
 *
 * A read the register allows where the search meets it is placed with no alternative
 * tried: it changes nothing, so any order placing it later can place it first. With
 * RegisterModel's lookahead this keeps read-heavy, valid keys about linear.
 *
 * The placed set is encoded small, so the memo stays proportional to the concurrency
 * rather than to the key's length: with p the first required op not yet placed, every
 * required op before p is placed and every placed op after p was invoked before p's
 * deadline (it was placed while p's return was still ahead). So (state, p, the placed
 * ops after p up to p's deadline, the optional ops before p not placed) is the whole set.
 */
import { BudgetMeter, DeepestPrefix, type KeyOutcome, type SearchBudget, type SearchOptions } from './key-search.ts'
import { type KeyOps, READ } from './register-history.ts'
import { RegisterModel } from './register-model.ts'
import { StateMemo } from './state-memo.ts'

/** The list of calls and returns in time order, as a doubly linked list that ops are lifted out of and put back in. */
type EventList = {
  /** Entries are 2i (op i's call) and 2i + 1 (its return); `head` is the sentinel. */
  next: Int32Array
  prev: Int32Array
  head: number
}

/** Calls (already in invocation order) merged with the required ops' returns sorted by deadline; calls first at equal times. */
function eventList(ops: KeyOps, must: Uint8Array): EventList {
  const n = ops.length
  const returns: number[] = []
  for (let i = 0; i < n; i++) if (must[i] === 1) returns.push(i)
  returns.sort((x, y) => ops.deadline[x] - ops.deadline[y] || x - y)
  const head = 2 * n
  const next = new Int32Array(2 * n + 1).fill(-1)
  const prev = new Int32Array(2 * n + 1).fill(-1)
  let last = head
  const link = (entry: number): void => {
    next[last] = entry
    prev[entry] = last
    last = entry
  }
  let r = 0
  for (let i = 0; i < n; i++) {
    while (r < returns.length && ops.deadline[returns[r]] < ops.invoke[i]) link(2 * returns[r++] + 1)
    link(2 * i)
  }
  while (r < returns.length) link(2 * returns[r++] + 1)
  next[last] = -1
  return { next, prev, head }
}

function lift(list: EventList, entry: number): void {
  const { next, prev } = list
  next[prev[entry]] = next[entry]
  if (next[entry] >= 0) prev[next[entry]] = prev[entry]
}

/** Per op, its process's previous ok op (-1: none): rows are in program order within a process. */
function previousOk(ops: KeyOps): Int32Array {
  const last = new Map<number, number>()
  const previous = new Int32Array(ops.length)
  for (let i = 0; i < ops.length; i++) {
    previous[i] = last.get(ops.lane[i]) ?? -1
    if (ops.info[i] === 0) last.set(ops.lane[i], i)
  }
  return previous
}

function unlift(list: EventList, entry: number): void {
  const { next, prev } = list
  next[prev[entry]] = entry
  if (next[entry] >= 0) prev[next[entry]] = entry
}

/**
 * Searches one key's ops for a linearization. Never runs past `budget`: a search that
 * would is `unknown`. On `invalid`, the deepest dead end: the longest prefix placed and
 * the op whose return the search could not get past.
 */
export function searchLinearizable(ops: KeyOps, budget: SearchBudget, options: SearchOptions = {}): KeyOutcome {
  const n = ops.length
  const model = new RegisterModel(ops, options)
  const must = model.must
  let mustLeft = 0
  const optional: number[] = []
  for (let i = 0; i < n; i++) {
    if (must[i] === 1) mustLeft += 1
    else optional.push(i)
  }
  if (mustLeft === 0) return { verdict: 'valid', steps: 0 }
  const list = eventList(ops, must)
  const { next, head } = list
  const placed = new Uint8Array(n)
  const previous = previousOk(ops)
  const stack = new Int32Array(n)
  const states = new Int32Array(n)
  let depth = 0
  let state = 0
  /** The first required op not placed. */
  let p = 0
  while (must[p] === 0) p++
  const memo = new StateMemo()
  // Room for the longest key: state, p, every op, the separator.
  const key = new Int32Array(n + 3)
  const meter = new BudgetMeter(budget)
  const deepest = new DeepestPrefix()

  /** The memo's key for the placed set with `p`, and the state `s`; returns its length. */
  const encode = (s: number): number => {
    key[0] = s
    key[1] = p
    let length = 2
    const until = ops.deadline[p]
    for (let j = p + 1; j < n && ops.invoke[j] <= until; j++) if (placed[j] === 1) key[length++] = j
    key[length++] = -1
    for (let o = 0; o < optional.length && optional[o] < p; o++) if (placed[optional[o]] === 0) key[length++] = optional[o]
    return length
  }

  let entry = next[head]
  for (;;) {
    const spent = meter.spend(memo.size)
    if (spent) return { verdict: 'unknown', steps: meter.steps, reason: spent, deadEnd: deepest.deadEnd() }
    let dead = entry < 0 || (entry & 1) === 1
    if (!dead) {
      const i = entry >> 1
      const after = previous[i] >= 0 && placed[previous[i]] === 0 ? -1 : model.apply(state, i)
      if (after >= 0) {
        placed[i] = 1
        if (must[i] === 1 && mustLeft === 1) return { verdict: 'valid', steps: meter.steps }
        const oldP = p
        if (i === p) while (p < n && (placed[p] === 1 || must[p] === 0)) p++
        if (memo.add(key, encode(after))) {
          stack[depth] = i
          states[depth] = state
          depth += 1
          state = after
          mustLeft -= must[i]
          lift(list, entry)
          if (must[i] === 1) lift(list, entry + 1)
          entry = next[head]
          continue
        }
        placed[i] = 0
        p = oldP
        model.undo(i)
        // A read that can be placed now might as well be placed first (it changes nothing):
        // when that state was explored already, so was every other way on from here.
        dead = ops.op[i] === READ
      }
      if (!dead) {
        entry = next[entry]
        continue
      }
    }
    // The return of an op not placed (or the end): no op can be placed next in this state.
    deepest.reached(stack, depth, entry >= 0 ? entry >> 1 : p, state)
    let i: number
    do {
      if (depth === 0) return { verdict: 'invalid', steps: meter.steps, deadEnd: deepest.deadEnd() }
      depth -= 1
      deepest.popped(depth)
      i = stack[depth]
      state = states[depth]
      placed[i] = 0
      if (must[i] === 1 && i < p) p = i
      mustLeft += must[i]
      model.undo(i)
      if (must[i] === 1) unlift(list, 2 * i + 1)
      unlift(list, 2 * i)
      // A read placed where it could be was the only way on worth trying from there.
    } while (ops.op[i] === READ)
    entry = next[2 * i]
  }
}
