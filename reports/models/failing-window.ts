/**
 * From a key found invalid, the failing window a timeline draws (the anomaly's ops and
 * the ops around the search's deepest dead end, a few dozen at most, with the longest
 * prefix the search could place) and one sentence saying what went wrong, naming the ops.
 */
import type { DeadEnd } from './key-search.ts'
import type { FailingWindow, ModelExample, TimelineOp } from './model-result.ts'
import type { SearchedModel } from './key-range.ts'
import { type Anomaly, anomalyRows, writersByValue, type Zone } from './register-anomalies.ts'
import { hashToken, valueText } from './value-text.ts'
import { ABSENT, CAS, type KeyOps, keyOps, opAsRecorded, READ, type RegisterHistories, SIBLINGS, WRITE } from './register-history.ts'

/** The most ops a window shows (the ones nearest the op in question are kept). */
const MAX_WINDOW_OPS = 40

/** A key found invalid: by an anomaly, a search's dead end, or both. */
export type InvalidKey = { key: number; anomaly?: Anomaly; deadEnd?: DeadEnd }

const ms = (micros: number): string => `${(micros / 1000).toFixed(3)} ms`

/** One key's rows, as sentences and timelines show them. */
class KeyView {
  readonly h: RegisterHistories
  readonly key: number
  readonly base: number
  readonly ops: KeyOps

  constructor(h: RegisterHistories, key: number) {
    this.h = h
    this.key = key
    this.base = h.keyStart[key]
    this.ops = keyOps(h, this.base, h.keyStart[key + 1], h.values[key].length)
  }

  index(r: number): number {
    return this.h.index[this.base + r]
  }
  process(r: number): number {
    return this.h.process[this.base + r]
  }
  /** The value id row r writes, or -1. */
  written(r: number): number {
    const op = this.ops.op[r]
    return op === WRITE ? this.ops.a[r] : op === CAS ? this.ops.b[r] : -1
  }
  /** The value ids row r returned or expects: one, or a sibling read's several. */
  observed(r: number): number[] {
    const op = this.ops.op[r]
    if (op === READ || op === CAS) return [this.ops.a[r]]
    if (op !== SIBLINGS) return []
    return Array.from(this.h.siblings.subarray(this.ops.a[r], this.ops.a[r] + this.ops.b[r]))
  }
  value(v: number): string {
    return v === ABSENT ? 'absent' : this.#text(this.h.values[this.key][v])
  }
  values(value: unknown): string {
    return Array.isArray(value) ? value.map((v) => this.#text(v)).join(', ') : String(value)
  }
  /** A value as sentences show it; a hash stands for it when the history keeps no values. */
  #text(value: unknown): string {
    return this.h.hashed && typeof value === 'number' ? hashToken(value) : valueText(value)
  }
  /** e.g. `read 17 (process 3) of "v5"`. */
  describe(r: number): string {
    const { f, value } = opAsRecorded(this.h, this.key, this.base + r)
    const name = f === 'get' ? 'read' : f === 'put' ? 'write' : f
    const who = `${this.ops.info[r] === 1 ? 'info ' : ''}${name} ${this.index(r)} (process ${this.process(r)})`
    if (f === 'get') return `${who} of ${Array.isArray(value) && value.length === 0 ? 'absent' : this.values(value)}`
    if (f === 'cas') return `${who} ${this.value(this.ops.a[r])} → ${this.value(this.written(r))}`
    return f === 'delete' ? who : `${who} of ${this.value(this.ops.a[r])}`
  }
  timeline(r: number): TimelineOp {
    const { f, value } = opAsRecorded(this.h, this.key, this.base + r)
    const info = this.ops.info[r] === 1
    return {
      index: this.index(r),
      process: this.process(r),
      type: info ? 'info' : 'ok',
      f,
      key: this.h.keys[this.key],
      value,
      invoke: this.h.invoke[this.base + r],
      complete: info ? null : this.h.complete[this.base + r],
    }
  }
}

/** `"v" had to stay in the register from <op> completed (t) until <op> began (t)`. */
function span(v: KeyView, z: Zone): string {
  const from = z.first < 0 ? 'the start' : `${v.describe(z.first)} completed (${ms(v.ops.deadline[z.first])})`
  const until = z.last < 0 ? 'the start' : `${v.describe(z.last)} began (${ms(v.ops.invoke[z.last])})`
  return `${v.value(z.value)} had to stay in the register from ${from} until ${until}`
}

/** One sentence saying what the anomaly is. */
function sentence(v: KeyView, a: Anomaly): string {
  switch (a.kind) {
    case 'siblings': {
      const values = v.observed(a.read)
      return `read ${v.index(a.read)} (process ${v.process(a.read)}) returned ${values.length} concurrent values (${values.map((id) => v.value(id)).join(', ')}): a register holds one value at a time`
    }
    case 'phantom': {
      const [seen] = v.observed(a.read)
      return `${v.describe(a.read)}: no write of key ${v.h.keys[v.key]} wrote ${v.value(seen)} (a phantom value)`
    }
    case 'read-before-write':
      return `${v.describe(a.read)} completed at ${ms(v.ops.deadline[a.read])}, before ${v.describe(a.write)} was invoked at ${ms(v.ops.invoke[a.write])}`
    case 'stale-read': {
      const source = a.write < 0 ? 'the initial absent' : `written by ${v.describe(a.write)}`
      const began = a.write < 0 ? '' : ` began after ${v.index(a.write)} completed and`
      return `${v.describe(a.read)} (${source}) is stale: ${v.describe(a.overwrite)}${began} completed before ${v.index(a.read)} began`
    }
    case 'out-of-order': {
      const saw = a.saw === a.overwrite ? `its own ${v.describe(a.saw)}` : v.describe(a.saw)
      return `${v.describe(a.read)} came after ${saw}, but ${v.describe(a.write)} came before ${v.describe(a.overwrite)} in its process's order`
    }
    case 'overlapping-values':
      return `${span(v, a.zones[0])}, and ${span(v, a.zones[1])}: the two spans overlap`
    case 'write-order-cycle': {
      // Told from the earliest observation on.
      const first = a.edges.reduce((best, e, i) => (e.saw < a.edges[best].saw ? i : best), 0)
      const edges = [...a.edges.slice(first), ...a.edges.slice(0, first)]
      const saw = edges.map(
        (e) =>
          `process ${v.process(e.saw)} saw ${v.value(v.written(e.before))} (${v.index(e.saw)}) before ${v.value(v.written(e.after))} (${v.index(e.later)})`,
      )
      return `no order of the writes explains what the processes saw: ${saw.join('; ')}`
    }
    case 'value-within-value': {
      const inner = a.inner
      const during = `${ms(v.ops.invoke[inner.last])}–${ms(v.ops.deadline[inner.first])}`
      let reads = 0
      for (let r = 0; r < v.ops.length; r++) if (v.ops.op[r] === READ && v.ops.a[r] === inner.value) reads += 1
      const what = reads === 0 ? v.describe(inner.writer) : `${v.describe(inner.writer)} and the ${reads} read${reads > 1 ? 's' : ''} of it`
      return `${span(v, a.outer)}, yet ${what} ran throughout ${during}, within that span`
    }
  }
}

/** The sentence when no anomaly pattern fits: the op the search could not place. */
function searchSentence(model: SearchedModel, v: KeyView, dead: DeadEnd): string {
  const holding = `the register holding ${v.value(dead.state)}`
  return model === 'linearizable'
    ? `no linearization explains ${v.describe(dead.stuck)}: after the longest linearizable prefix (${dead.prefix.length} ops, ${holding}) no op can take effect before it completes`
    : `no order keeping each process's order explains ${v.describe(dead.stuck)}: after the longest prefix placed (${dead.prefix.length} ops, ${holding}) no process's next op can follow`
}

/** Rows around a search's dead end: ops still placeable there (linearizable) or each process's next and last op (sequential), and what the register went through. */
function deadEndRows(model: SearchedModel, v: KeyView, dead: DeadEnd, rows: Set<number>): void {
  const { ops } = v
  const { stuck, prefix, state } = dead
  const placed = new Set(prefix)
  const from = ops.invoke[stuck]
  const to = ops.deadline[stuck] === Number.POSITIVE_INFINITY ? from : ops.deadline[stuck]
  if (model === 'linearizable') {
    for (let r = 0; r < ops.length; r++) if (!placed.has(r) && ops.invoke[r] <= to && ops.deadline[r] >= from) rows.add(r)
  } else {
    const next = new Map<number, number>()
    for (let r = 0; r < ops.length; r++) if (!placed.has(r) && ops.info[r] === 0 && !next.has(ops.lane[r])) next.set(ops.lane[r], r)
    const last = new Map<number, number>()
    for (const r of prefix) last.set(ops.lane[r], r)
    for (const r of [...next.values(), ...last.values()]) rows.add(r)
  }
  // What the register held at the dead end: its writer, and the first read still waiting for it.
  const writer = prefix.findLast((r) => v.written(r) === state)
  if (writer !== undefined) rows.add(writer)
  for (let r = 0; r < ops.length; r++) {
    if (!placed.has(r) && ops.info[r] === 0 && v.observed(r)[0] === state) {
      rows.add(r)
      break
    }
  }
}

/**
 * The rows of the window: the anomaly's and the ops running beside its read (or, with no
 * anomaly, the rows around the search's dead end), the writers of the values they show,
 * and the placed ops in between; the nearest {@link MAX_WINDOW_OPS}, in invocation order.
 */
function windowRows(model: SearchedModel, v: KeyView, invalid: InvalidKey, named: number[]): number[] {
  const { ops } = v
  const rows = new Set(named)
  const dead = invalid.deadEnd
  const focus = invalid.anomaly || !dead ? (named[0] ?? 0) : dead.stuck
  if (invalid.anomaly || !dead) {
    const from = ops.invoke[focus]
    const to = ops.deadline[focus] === Number.POSITIVE_INFINITY ? from : ops.deadline[focus]
    for (let r = 0; r < ops.length; r++) if (ops.invoke[r] <= to && ops.deadline[r] >= from) rows.add(r)
  } else deadEndRows(model, v, dead, rows)
  const writers = writersByValue(ops)
  for (const r of [...rows]) for (const seen of v.observed(r)) if (seen !== ABSENT) for (const w of writers[seen].slice(0, 2)) rows.add(w)
  const earliest = Math.min(...[...rows].map((r) => ops.invoke[r]))
  const latest = Math.max(...[...rows].map((r) => (ops.deadline[r] === Number.POSITIVE_INFINITY ? ops.invoke[r] : ops.deadline[r])))
  // The placed ops in between: what the register went through.
  if (model === 'linearizable' && dead) for (const r of dead.prefix) if (ops.deadline[r] >= earliest && ops.invoke[r] <= latest) rows.add(r)
  const must = new Set(named)
  const distance = (r: number): number => Math.abs(ops.invoke[r] - ops.invoke[focus])
  const near = [...rows].filter((r) => !must.has(r)).sort((x, y) => distance(x) - distance(y) || x - y)
  return [...must, ...near].slice(0, Math.max(MAX_WINDOW_OPS, must.size)).sort((x, y) => ops.invoke[x] - ops.invoke[y] || x - y)
}

/** The failing window and the example of an invalid key. */
export function explainInvalidKey(
  model: SearchedModel,
  h: RegisterHistories,
  invalid: InvalidKey,
): { window: FailingWindow; example: ModelExample } {
  const v = new KeyView(h, invalid.key)
  const dead = invalid.deadEnd
  const anomaly = invalid.anomaly
  const summary = anomaly ? sentence(v, anomaly) : dead ? searchSentence(model, v, dead) : 'no order of the ops explains the values read'
  const named = anomaly ? anomalyRows(anomaly) : dead ? [dead.stuck] : []
  const rows = windowRows(model, v, invalid, named)
  const inWindow = new Set(rows)
  const key = h.keys[invalid.key]
  return {
    window: {
      key,
      ops: rows.map((r) => v.timeline(r)),
      linearized: (dead?.prefix ?? []).filter((r) => inWindow.has(r)).map((r) => v.index(r)),
      explanation: summary,
    },
    example: { summary, key, ops: named.map((r) => v.index(r)) },
  }
}
