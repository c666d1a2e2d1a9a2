/**
 * Failing windows of the causal checks: the stretch of history a timeline draws for a violation. The ops the
 * violation names (a read, the write it returned, the write that overwrote it, the causal
 * path between them, on any key) plus the other ops of the read's key that overlap them in
 * time, nearest first, up to a bound, so a window stays readable on a hot key.
 */
import { GET, INFO, OK, PUT } from '../op-table.ts'
import type { FailingWindow, ModelExample, TimelineOp } from './model-result.ts'
import { CAS, type ModelHistory, NO_VALUE } from './model-history.ts'

/** Ops of the key shown around the ones a violation names, at most. */
const CONTEXT_OPS = 30

const FUNCTIONS = ['get', 'put', 'delete', 'cas'] as const
const OUTCOMES = ['ok', 'fail', 'info'] as const

/** The value of a row as the history holds it, or null when the history keeps no values (read it back by index). */
function valueAt(history: ModelHistory, row: number): unknown {
  const value = history.valueById
  if (!value) return null
  const id = (v: number): unknown => (v === NO_VALUE ? null : value(v))
  const f = history.f[row]
  if (f === CAS) return [id(history.expected[row]), id(history.written[row])]
  if (f === PUT) return id(history.written[row])
  if (f === GET && history.type[row] === OK) {
    const start = history.readStart[row]
    return Array.from(history.readValues.subarray(start, start + history.readCount[row]), (v) => value(v))
  }
  return null
}

/** One op as a timeline draws it. */
export function timelineOp(history: ModelHistory, row: number): TimelineOp {
  return {
    index: history.index[row],
    process: history.process[row],
    type: OUTCOMES[history.type[row]],
    f: FUNCTIONS[history.f[row]],
    key: history.keys[history.key[row]],
    value: valueAt(history, row),
    invoke: history.invoke[row],
    complete: history.type[row] === INFO ? null : history.complete[row],
  }
}

const keyRows = new WeakMap<ModelHistory, Int32Array[]>()

/** The rows of each key (built once per history, when a first window needs them). */
function rowsOfKey(history: ModelHistory, key: number): Int32Array {
  let byKey = keyRows.get(history)
  if (!byKey) {
    const counts = new Int32Array(history.keys.length)
    for (let row = 0; row < history.length; row++) counts[history.key[row]]++
    byKey = Array.from(counts, (count) => new Int32Array(count))
    counts.fill(0)
    for (let row = 0; row < history.length; row++) byKey[history.key[row]][counts[history.key[row]]++] = row
    keyRows.set(history, byKey)
  }
  return byKey[key]
}

/**
 * The window of a violation: the rows it names, and the other ops of `key` that overlap
 * their time span (at most {@link CONTEXT_OPS}, nearest to the first named row), in invoke order.
 */
export function failingWindow(history: ModelHistory, key: number, named: number[], explanation: string): FailingWindow {
  const rows = new Set(named)
  let from = Number.POSITIVE_INFINITY
  let to = Number.NEGATIVE_INFINITY
  for (const row of named) {
    from = Math.min(from, history.invoke[row])
    to = Math.max(to, history.complete[row])
  }
  const anchor = history.invoke[named[0]]
  const around: number[] = []
  for (const row of rowsOfKey(history, key)) {
    if (rows.has(row)) continue
    if (history.invoke[row] <= to && history.complete[row] >= from) around.push(row)
  }
  around.sort((a, b) => Math.abs(history.invoke[a] - anchor) - Math.abs(history.invoke[b] - anchor))
  for (const row of around.slice(0, CONTEXT_OPS)) rows.add(row)
  const ops = [...rows].sort((a, b) => history.invoke[a] - history.invoke[b] || a - b).map((row) => timelineOp(history, row))
  return { key: history.keys[key], ops, explanation, focus: named.map((row) => history.index[row]) }
}

/** Collects a checker's examples and windows, up to their bounds. */
export class ViolationLog {
  readonly examples: ModelExample[] = []
  readonly windows: FailingWindow[] = []
  #history: ModelHistory
  #maxExamples: number
  #maxWindows: number

  constructor(history: ModelHistory, maxExamples: number, maxWindows: number) {
    this.#history = history
    this.#maxExamples = maxExamples
    this.#maxWindows = maxWindows
  }

  /** True while another example would be kept (so a checker builds its sentence only then). */
  get wanted(): boolean {
    return this.examples.length < this.#maxExamples
  }

  /** Keeps an example (and its window while windows are wanted): `ops` are rows, `roles` say what each is. */
  add(key: number, summary: string, ops: number[], roles: string[]): void {
    if (!this.wanted) return
    const h = this.#history
    this.examples.push({ summary, key: h.keys[key], ops: ops.map((row) => h.index[row]), roles })
    if (this.windows.length < this.#maxWindows) this.windows.push(failingWindow(h, key, ops, summary))
  }

  /** The windows, smallest first. */
  sortedWindows(): FailingWindow[] {
    return [...this.windows].sort((a, b) => a.ops.length - b.ops.length)
  }
}

/** `#index` of a row, as examples name ops. */
export const opName = (history: ModelHistory, row: number): string => `#${history.index[row]}`
