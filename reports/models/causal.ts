/**
 * Causal consistency of registers, judged from values alone on the causal order of
 * causal-order.ts (each session's program order plus reads-from, transitively). A read
 * violates it when a value it returned
 * - was written by no write that may have happened (a phantom; a value only a failed write
 *   wrote counts as one: `fail` says that write never happened),
 * - was written in the read's own causal future (reads-from closes a cycle), or
 * - was overwritten in the read's causal past: a write of the same key that follows the
 *   value's write is before the read (with siblings, this includes one value returned
 *   being before another returned with it);
 * or when it returned nothing although a write of its key is in its causal past (reads of
 * keys with deletes are not judged so: a delete writes nothing too).
 *
 * Per read, the latest write of its key of each session inside the read's past is found by
 * binary search and asked whether the returned value's write is before it; info writes that
 * were read are found through the sessions' reads that returned them. O(sessions · log n)
 * per read.
 */
import { decided, undecided } from '../../common/contracts/checker.ts'
import type { CausalOrder, Clocks, ReadVisit } from './causal-order.ts'
import { opName, ViolationLog } from './causal-window.ts'
import type { ModelCheckOptions } from './model-check.ts'
import { lastInRun } from './runs.ts'
import { lastAtMost } from '../sort-order.ts'
import type { ModelCheckResult } from './model-result.ts'

export const CAUSAL = 'causal'

/** What causal.ts found for one read, reported once per read. */
type Finding = { summary: string; ops: number[]; roles: string[] }

/** A violation whose example is not made (examples are no longer wanted). */
const UNSHOWN: Finding = { summary: '', ops: [], roles: [] }

/** Examples kept per check (counts are always complete; default 10) and failing windows kept (default 3). */
export type CausalCheckOptions = Pick<ModelCheckOptions, 'maxExamples' | 'maxWindows'>

/** The causal check, fed each read by {@link CausalOrder.walk}. */
export class CausalCheck {
  #order: CausalOrder
  #log: ViolationLog
  #checked = 0
  #violations = 0
  /** Per key: 1 when a read of it was judged, 2 when one violated causality. */
  #keys: Uint8Array

  constructor(order: CausalOrder, options: CausalCheckOptions) {
    this.#order = order
    this.#log = new ViolationLog(order.history, options.maxExamples ?? 10, options.maxWindows ?? 3)
    this.#keys = new Uint8Array(order.history.keys.length)
  }

  /** Judges a read; true when it violates causal consistency. */
  visit({ row, clock, base }: ReadVisit): boolean {
    const order = this.#order
    const key = order.history.key[row]
    this.#checked++
    const finding = this.#judge(row, key, clock, base, this.#log.wanted)
    if (!finding) {
      this.#keys[key] ||= 1
      return false
    }
    this.#violations++
    this.#keys[key] = 2
    if (finding !== UNSHOWN) this.#log.add(key, finding.summary, finding.ops, finding.roles)
    return true
  }

  /**
   * The first violation of read `row`: its example when `wanted`, else {@link UNSHOWN}. (No
   * closures here: a function holding one allocates its context on every call, for every read.)
   */
  #judge(row: number, key: number, clock: Clocks, base: number, wanted: boolean): Finding | undefined {
    const order = this.#order
    let returned = 0
    for (let i = order.rfStart[row]; i < order.rfStart[row] + order.rfCount[row]; i++) {
      const entry = order.rf[i]
      const x = order.writerIn(entry)
      if (x >= 0) {
        returned++
        // The table answers; the example's overwriting write is searched for.
        if (!order.overwrites.overwritten(order.valueIdOf[x], clock, base) && !this.#beforeSibling(row, x)) continue
        const w = this.#overwriter(row, key, x, clock, base)
        if (w >= 0) return wanted ? this.#overwritten(row, x, w, clock, base) : UNSHOWN
        continue
      }
      const future = order.droppedWriter(entry)
      if (future >= 0) return wanted ? this.#cycle(row, future) : UNSHOWN
      return wanted ? this.#phantom(row, i) : UNSHOWN
    }
    // A read's entries are its values' writers, one at least for each read that returned a value.
    const empty = order.rfCount[row] === 0
    if (!empty || returned > 0 || order.keyHasDelete[key]) return undefined
    const w = this.#anyWrite(key, clock, base)
    if (w < 0) return undefined
    return wanted ? this.#missedWrite(row, w, clock, base) : UNSHOWN
  }

  /** An empty read with write w of its key in its past. */
  #missedWrite(row: number, w: number, clock: Clocks, base: number): Finding {
    const order = this.#order
    const h = order.history
    const path = order.path(w, row, clock, base) ?? [w, row]
    return {
      summary: `${this.#readName(row)} returned nothing, but ${opName(h, w)} wrote ${h.keys[h.key[row]]} in its causal past (${chain(h, path)})`,
      ops: path,
      roles: path.map((op, i) => (i === 0 ? 'write in the causal past' : op === row ? 'read' : 'causal path')),
    }
  }

  /** How a finding names read `row` (made only for a finding: most reads are fine, and a string each would be garbage). */
  #readName(row: number): string {
    const h = this.#order.history
    return `read ${opName(h, row)} of ${h.keys[h.key[row]]}`
  }

  /** True when write x is before another value read `row` returned (one sibling overwriting another). */
  #beforeSibling(row: number, x: number): boolean {
    const order = this.#order
    if (order.rfCount[row] < 2) return false
    for (let i = order.rfStart[row]; i < order.rfStart[row] + order.rfCount[row]; i++) {
      const y = order.writerIn(order.rf[i])
      if (y >= 0 && order.before(x, y)) return true
    }
    return false
  }

  /** A write of `key` in the past of read `row` (clock at base) that follows write x, or -1. */
  #overwriter(row: number, key: number, x: number, clock: Clocks, base: number): number {
    const order = this.#order
    // Another value the read returned (an info write a final read returned is known only so).
    for (let i = order.rfStart[row]; i < order.rfStart[row] + order.rfCount[row]; i++) {
      const y = order.writerIn(order.rf[i])
      if (y >= 0 && order.before(x, y)) return y
    }
    const { writes } = order
    for (let run = writes.runStart[key]; run < writes.runStart[key + 1]; run++) {
      const at = lastInRun(writes, run, clock[base + writes.runSession[run]])
      if (at < 0) continue
      const w = writes.runRows[at]
      if (order.before(x, w)) return w
    }
    const bySession = order.infoEntries.get(key)
    if (!bySession) return -1
    for (const [s, entries] of bySession) {
      const last = lastAtMost(entries.pos, clock[base + s])
      if (last < 0 || !order.inPast(x, entries.clocks[last], 0)) continue
      // Some info write up to `last` follows x: find which.
      for (let e = last; e >= 0; e--) if (order.before(x, entries.rows[e])) return entries.rows[e]
    }
    return -1
  }

  /** Any write of `key` in the past (clock at base), or -1. */
  #anyWrite(key: number, clock: Clocks, base: number): number {
    const order = this.#order
    const { writes } = order
    for (let run = writes.runStart[key]; run < writes.runStart[key + 1]; run++) {
      const at = lastInRun(writes, run, clock[base + writes.runSession[run]])
      if (at >= 0) return writes.runRows[at]
    }
    for (const [s, entries] of order.infoEntries.get(key) ?? []) {
      if (entries.pos.length > 0 && entries.pos[0] <= clock[base + s]) return entries.rows[0]
    }
    return -1
  }

  #overwritten(row: number, x: number, w: number, clock: Clocks, base: number): Finding {
    const read = this.#readName(row)
    const order = this.#order
    const h = order.history
    const toW = order.path(x, w, order.clockOf(w).clock, order.clockOf(w).base) ?? [x, w]
    const toRead = order.path(w, row, clock, base) ?? [w, row]
    const path = [...toW, ...toRead.slice(1)]
    const sibling = order.rfCount[row] > 1 ? ' (one of its siblings)' : ''
    return {
      summary: `${read} returned the value of ${opName(h, x)}${sibling}, which ${opName(h, w)} overwrote in the read's causal past (${chain(h, path)})`,
      ops: path,
      roles: path.map((op) =>
        op === x ? 'write of the value read' : op === w ? 'overwriting write' : op === row ? 'read' : 'causal path',
      ),
    }
  }

  #cycle(row: number, writer: number): Finding {
    const read = this.#readName(row)
    const order = this.#order
    const h = order.history
    const cycle = order.cycles.find((c) => c.reader === row)
    const ops = cycle ? [...new Set([writer, ...cycle.ops.filter((op) => op !== row && op !== writer), row])] : [writer, row]
    return {
      summary: `${read} returned the value of ${opName(h, writer)}, which is in the read's own causal future (a cycle through ${ops.map((op) => opName(h, op)).join(', ')})`,
      ops,
      roles: ops.map((op) => (op === row ? 'read' : op === writer ? 'write of the value read' : 'on the cycle')),
    }
  }

  #phantom(row: number, entry: number): Finding {
    const read = this.#readName(row)
    const order = this.#order
    const h = order.history
    const failed = order.failedWriterOf(entry)
    if (failed >= 0) {
      return {
        summary: `${read} returned the value of ${opName(h, failed)}, a write that failed (so it never happened)`,
        ops: [failed, row],
        roles: ['failed write', 'read'],
      }
    }
    return { summary: `${read} returned a value no write of ${h.keys[h.key[row]]} wrote (a phantom)`, ops: [row], roles: ['read'] }
  }

  result(): ModelCheckResult {
    const keys = { valid: this.#keys.filter((k) => k === 1).length, invalid: this.#keys.filter((k) => k === 2).length, unknown: 0 }
    const tally = { name: CAUSAL, kind: 'model' as const, checked: this.#checked, checkedWhat: 'reads', violations: this.#violations }
    return { ...decided({ ...tally, examples: this.#log.examples }), keys, windows: this.#log.sortedWindows() }
  }
}

/** The result of a model check that could not run. */
export function undecidedModel(name: string, checkedWhat: string, reason: string, keys = 0): ModelCheckResult {
  return { ...undecided({ name, kind: 'model', checkedWhat }, reason), keys: { valid: 0, invalid: 0, unknown: keys }, windows: [] }
}

/** `#3 → #40 → #812`. */
function chain(history: CausalOrder['history'], rows: number[]): string {
  return rows.map((row) => opName(history, row)).join(' → ')
}
