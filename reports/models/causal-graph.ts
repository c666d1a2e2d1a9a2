/**
 * The graph behind the causal order of a register history (causal-order.ts walks it):
 * which ops take part and how, each session's chain in program order, every read's writers
 * (reads-from), and lookups over them. Built once, in O(n).
 *
 * What takes part:
 * - ok ops of a session form its chain, in program order (a session runs one op at a time,
 *   so its ops' invoke order).
 * - an `info` write may have happened: it takes part only when some read returned its value
 *   (which proves it happened). It follows its session's earlier ops, but nothing of its
 *   session follows it (it may have taken effect at any time after its invocation), so it
 *   sits beside the chain (a side write), and it is in an op's past exactly when one of its
 *   readers is.
 * - `fail` ops did not happen, and failed or unknown reads returned nothing: left out.
 * - the harness's final reads are real reads, but no session's: each has only its values'
 *   writes (and their pasts) before it, and nothing after it. Putting every op before them
 *   would ask them to converge, which the final-reads-agree check judges, not causality.
 */
import { I32Column, narrowedInts } from '../columns.ts'
import { DELETE, GET, INFO, OK, PUT, type SmallIntColumn } from '../op-table.ts'
import { CAS, NO_VALUE, type ModelHistory } from './model-history.ts'
import { groupRuns, type Runs } from './runs.ts'

/** Per-session positions: `clock[base + s]` ops of session s's chain are in the past. */
export type Clocks = Uint16Array | Int32Array

export const IGNORED = 0
export const CHAIN_READ = 1
export const CHAIN_WRITE = 2
export const CHAIN_CAS = 3
export const SIDE_WRITE = 4
export const FINAL_READ = 5

/** A column dropped once the graph is built. */
const NO_ROWS = new Int32Array(0)

/** Positions past every chain: no such op. */
export const NO_POSITION = 0x7fffffff

export class CausalGraph {
  readonly history: ModelHistory
  /** Sessions with a chain (dense ids); `sessionOf[row]`, -1 for none. */
  readonly sessions: number
  readonly sessionOf: SmallIntColumn
  /** 1-based position in its session's chain; 0 off the chain. */
  readonly pos: SmallIntColumn
  /** IGNORED, CHAIN_READ, CHAIN_WRITE, CHAIN_CAS, SIDE_WRITE or FINAL_READ. */
  readonly kind: Uint8Array
  /** Per value id: the write (ok or info) that wrote it, and its first failed write; -1 when none. Only while the graph is built. */
  #writerOf: Int32Array
  #failedWriterOf: Int32Array
  /** The reads-from entries with no writer (ascending), and the first failed write of each one's value (-1 when none). */
  #phantoms = new I32Column(16)
  #phantomsFailed = new I32Column(16)
  /** Values written by more than one write that may have happened. */
  readonly duplicateValues: number
  /**
   * Per reading row, its writers at rfStart..rfStart+rfCount: a row; -1 for a value no write
   * that may have happened wrote; below -1, `-(writer + 2)`, an edge dropped to break a cycle.
   */
  readonly rfStart: Int32Array
  readonly rfCount: SmallIntColumn
  readonly rf: Int32Array
  /** Keys with a delete: an empty read of them may have read a delete, so it is not judged. */
  readonly keyHasDelete: Uint8Array
  /** The chains: session s's ops are chain[chainFrom[s] .. chainFrom[s + 1]], position 1 first. */
  readonly chain: Int32Array
  readonly chainFrom: Int32Array
  /** The side writes after each chain op (a side write with none before it follows no op). */
  readonly sidesAfter = new Map<number, number[]>()
  /** Side writes that follow a chain op (their session's last before them). */
  readonly sidesFollowing = new Set<number>()
  /** For every value id (a write's, {@link valueIdOf}), the reads that returned it: readers[readersFrom[id] .. readersFrom[id + 1]]. */
  readonly readersFrom: Int32Array
  readonly readers: Int32Array
  /** Chain writes grouped by key then session. */
  readonly writes: Runs
  /** Values by id (overwrites.ts): chain writes by their index in `writes`, then info writes that were read; -1 for other rows. */
  readonly valueIdOf: Int32Array
  readonly valueIds: number
  /** Per info write that was read: its readers on chains, as (session, first position) pairs. */
  #infoReaders = new Map<number, Int32Array>()
  /** Session s's chain writes, by position: writePos[writeFrom[s] .. writeFrom[s + 1]], ascending. */
  #writePos: Int32Array
  #writeFrom: Int32Array

  /**
   * A history from the op table (one with no `valueById`) is the graph's from then on: its
   * columns of value ids (`written`, `expected`, `readStart`, `readCount`, `readValues`) are
   * emptied once the graph is built.
   */
  constructor(history: ModelHistory) {
    this.history = history
    const n = history.length
    this.sessionOf = new Int32Array(n).fill(-1)
    this.pos = new Int32Array(n)
    this.kind = new Uint8Array(n)
    const values = maxValue(history) + 1
    this.#writerOf = new Int32Array(values).fill(-1)
    this.#failedWriterOf = new Int32Array(values).fill(-1)
    this.duplicateValues = this.#findWriters()
    this.keyHasDelete = new Uint8Array(history.keys.length)
    ;({ rfStart: this.rfStart, rfCount: this.rfCount, rf: this.rf } = this.#readsFrom())
    // Reads-from has every writer the walk asks for, and its phantoms' failed writers: the
    // arrays by value would be held through the walk for nothing.
    this.#writerOf = NO_ROWS
    this.#failedWriterOf = NO_ROWS
    ;({ sessions: this.sessions, chain: this.chain, chainFrom: this.chainFrom } = this.#buildChains())
    const keys = history.keys.length
    this.writes = groupRuns(this.chain, keys, history.key, this.sessionOf, this.pos, (row) => this.isChainWrite(row))
    ;({ pos: this.#writePos, from: this.#writeFrom } = this.#writePositions())
    this.valueIdOf = new Int32Array(n).fill(-1)
    for (let i = 0; i < this.writes.runRows.length; i++) this.valueIdOf[this.writes.runRows[i]] = i
    let ids = this.writes.runRows.length
    for (let row = 0; row < n; row++) if (this.kind[row] === SIDE_WRITE) this.valueIdOf[row] = ids++
    this.valueIds = ids
    ;({ from: this.readersFrom, readers: this.readers } = this.#readersOfWrites())
    this.#collectInfoReaders()
    // Built in 32 bits, kept in the fewest that hold them (sessions, positions and a read's values are small).
    this.sessionOf = narrowedInts(this.sessionOf as Int32Array)
    this.pos = narrowedInts(this.pos as Int32Array)
    this.rfCount = narrowedInts(this.rfCount as Int32Array)
    if (!history.valueById) releaseValueIds(history)
  }

  /** Assigns every value id its writer; returns how many values more than one write wrote. */
  #findWriters(): number {
    const h = this.history
    let duplicates = 0
    for (let row = 0; row < h.length; row++) {
      const v = h.written[row]
      if (v === NO_VALUE || (h.f[row] !== PUT && h.f[row] !== CAS)) continue
      if (h.type[row] === OK || h.type[row] === INFO) {
        const before = this.#writerOf[v]
        if (before < 0) this.#writerOf[v] = row
        else {
          duplicates++
          // An ok write is the better guess of the two.
          if (h.type[before] !== OK && h.type[row] === OK) this.#writerOf[v] = row
        }
      } else if (this.#failedWriterOf[v] < 0) this.#failedWriterOf[v] = row
    }
    return duplicates
  }

  /** The first failed write of the value of reads-from entry `entry` (one with no writer), or -1. */
  failedWriterOf(entry: number): number {
    const entries = this.#phantoms.data
    let lo = 0
    let hi = this.#phantoms.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (entries[mid] < entry) lo = mid + 1
      else hi = mid
    }
    return lo < this.#phantoms.length && entries[lo] === entry ? this.#phantomsFailed.data[lo] : -1
  }

  /** Classifies ops and lists each read's writers (deduplicated); marks info writes that were read. */
  #readsFrom(): { rfStart: Int32Array; rfCount: SmallIntColumn; rf: Int32Array } {
    const h = this.history
    const rfStart = new Int32Array(h.length)
    const rfCount = new Int32Array(h.length)
    const rf = new Int32Array(h.readValues.length + h.length)
    let at = 0
    for (let row = 0; row < h.length; row++) {
      const f = h.f[row]
      if (f === DELETE) this.keyHasDelete[h.key[row]] = 1
      if (h.type[row] !== OK) continue
      if (f === GET) this.kind[row] = h.final[row] ? FINAL_READ : CHAIN_READ
      else this.kind[row] = f === CAS ? CHAIN_CAS : CHAIN_WRITE
      rfStart[row] = at
      if (f === GET) {
        const start = h.readStart[row]
        for (let v = start; v < start + h.readCount[row]; v++) at = this.#addWriter(rf, rfStart[row], at, h.readValues[v])
      } else if (f === CAS && h.expected[row] !== NO_VALUE) at = this.#addWriter(rf, rfStart[row], at, h.expected[row])
      rfCount[row] = at - rfStart[row]
    }
    // A copy, not a view: the array was sized for every value and cas of the history, most of them not reads'.
    return { rfStart, rfCount, rf: rf.slice(0, at) }
  }

  #addWriter(rf: Int32Array, start: number, at: number, value: number): number {
    const writer = this.#writerOf[value]
    for (let i = start; i < at; i++) if (rf[i] === writer && writer >= 0) return at
    rf[at] = writer
    if (writer < 0) {
      this.#phantoms.push(at)
      this.#phantomsFailed.push(this.#failedWriterOf[value])
    }
    if (writer >= 0 && this.history.type[writer] === INFO) this.kind[writer] = SIDE_WRITE
    return at + 1
  }

  /**
   * Orders each session's ops, numbers its chain, and gives each info write that was read its
   * predecessor. Sessions are numbered in order of their first op; their ops are laid out by a
   * count and a fill in typed arrays (an array per session took 1M pushes of boxed rows).
   */
  #buildChains(): { sessions: number; chain: Int32Array; chainFrom: Int32Array } {
    const h = this.history
    const dense = new Map<number, number>()
    // Per row, its session, counted per session; -1 for rows off every chain.
    const sessionOf = this.sessionOf as Int32Array
    let counts = new Int32Array(64)
    let lastProcess = Number.NaN
    let last = -1
    for (let row = 0; row < h.length; row++) {
      const kind = this.kind[row]
      if (kind === IGNORED || kind === FINAL_READ) continue
      const process = h.process[row]
      if (process !== lastProcess) {
        let s = dense.get(process)
        if (s === undefined) {
          s = dense.size
          dense.set(process, s)
          if (s === counts.length) {
            const bigger = new Int32Array(2 * counts.length)
            bigger.set(counts)
            counts = bigger
          }
        }
        lastProcess = process
        last = s
      }
      sessionOf[row] = last
      counts[last]++
    }
    const sessions = dense.size
    const from = new Int32Array(sessions + 1)
    for (let s = 0; s < sessions; s++) from[s + 1] = from[s] + counts[s]
    const rows = new Int32Array(from[sessions])
    const fill = from.slice(0, sessions)
    for (let row = 0; row < h.length; row++) if (sessionOf[row] >= 0) rows[fill[sessionOf[row]]++] = row
    const chainFrom = new Int32Array(sessions + 1)
    let at = 0
    for (let s = 0; s < sessions; s++) {
      const own = rows.subarray(from[s], from[s + 1])
      // The history is in completion order, which is a session's program order; a converted one may not be.
      let sorted = true
      for (let i = 1; i < own.length && sorted; i++) sorted = !(h.invoke[own[i]] < h.invoke[own[i - 1]])
      if (!sorted) own.sort((a, b) => h.invoke[a] - h.invoke[b] || a - b)
      chainFrom[s] = at
      let previous = -1
      for (let r = 0; r < own.length; r++) {
        const row = own[r]
        if (this.kind[row] === SIDE_WRITE) {
          if (previous >= 0) {
            this.sidesAfter.set(previous, [...(this.sidesAfter.get(previous) ?? []), row])
            this.sidesFollowing.add(row)
          }
          continue
        }
        // In place: the chain's rows so far are never ahead of the rows still to read.
        rows[at++] = row
        this.pos[row] = at - chainFrom[s]
        previous = row
      }
    }
    chainFrom[sessions] = at
    return { sessions, chain: rows.subarray(0, at), chainFrom }
  }

  /**
   * For every value id, the reads that returned it (CSR; by value id, not by row: half as
   * many entries, and every writer a read returned has one).
   */
  #readersOfWrites(): { from: Int32Array; readers: Int32Array } {
    const n = this.history.length
    const ids = this.valueIds
    const idOf = this.valueIdOf
    const from = new Int32Array(ids + 1)
    for (let i = 0; i < this.rf.length; i++) if (this.rf[i] >= 0) from[idOf[this.rf[i]] + 1]++
    for (let id = 0; id < ids; id++) from[id + 1] += from[id]
    const fill = from.slice(0, ids)
    const readers = new Int32Array(from[ids])
    for (let row = 0; row < n; row++) {
      for (let i = this.rfStart[row]; i < this.rfStart[row] + this.rfCount[row]; i++) {
        const w = this.rf[i]
        if (w >= 0) readers[fill[idOf[w]]++] = row
      }
    }
    return { from, readers }
  }

  /** Each session's chain writes, by position (ascending), grouped by session. */
  #writePositions(): { pos: Int32Array; from: Int32Array } {
    const from = new Int32Array(this.sessions + 1)
    const pos = new Int32Array(this.writes.runRows.length)
    let at = 0
    for (let s = 0; s < this.sessions; s++) {
      from[s] = at
      for (let i = this.chainFrom[s]; i < this.chainFrom[s + 1]; i++) {
        if (this.isChainWrite(this.chain[i])) pos[at++] = i - this.chainFrom[s] + 1
      }
    }
    from[this.sessions] = at
    return { pos, from }
  }

  /** Index in {@link #writePos} of session s's first write at a position above `position` (its end when none is). */
  #firstWriteAbove(s: number, position: number): number {
    let lo = this.#writeFrom[s]
    let hi = this.#writeFrom[s + 1]
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.#writePos[mid] <= position) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /**
   * For each info write that was read, the first reader on each chain, by session ascending.
   * From each info write's readers (a few thousand writes), not a pass over every chain op's
   * writers: that pass was ~0.1 s of the causal checks on 1M ops.
   */
  #collectInfoReaders(): void {
    const first = new Int32Array(this.sessions)
    for (let w = 0; w < this.history.length; w++) {
      if (this.kind[w] !== SIDE_WRITE) continue
      let found = 0
      const id = this.valueIdOf[w]
      for (let i = this.readersFrom[id]; i < this.readersFrom[id + 1]; i++) {
        const row = this.readers[i]
        if (!this.isSessionRead(row)) continue
        const s = this.sessionOf[row]
        if (first[s] === 0) found++
        if (first[s] === 0 || this.pos[row] < first[s]) first[s] = this.pos[row]
      }
      if (found === 0) continue
      const pairs = new Int32Array(2 * found)
      for (let s = 0, at = 0; at < pairs.length; s++) {
        if (first[s] === 0) continue
        pairs[at++] = s
        pairs[at++] = first[s]
        first[s] = 0
      }
      this.#infoReaders.set(w, pairs)
    }
  }

  /** The longest chain: how large a position can get. */
  longestChain(): number {
    let longest = 0
    for (let s = 0; s < this.sessions; s++) longest = Math.max(longest, this.chainFrom[s + 1] - this.chainFrom[s])
    return longest
  }

  /** True for an ok put, delete or cas of a session. */
  isChainWrite(row: number): boolean {
    return this.kind[row] === CHAIN_WRITE || this.kind[row] === CHAIN_CAS
  }

  /** True for a read of a session (not a final read): ok get or ok cas. */
  isSessionRead(row: number): boolean {
    return this.kind[row] === CHAIN_READ || this.kind[row] === CHAIN_CAS
  }

  /** True for a write on a session's chain (as opposed to an info write beside it). */
  onChain(row: number): boolean {
    return this.pos[row] > 0
  }

  /** The op at `position` of session s's chain. */
  opAt(s: number, position: number): number {
    return this.chain[this.chainFrom[s] + position - 1]
  }

  /** The last chain write of session s at a position <= limit (any key), or -1. */
  lastWriteOf(s: number, limit: number): number {
    const i = this.#firstWriteAbove(s, limit) - 1
    return i < this.#writeFrom[s] ? -1 : this.opAt(s, this.#writePos[i])
  }

  /** The position of session s's first chain write after `position`, or {@link NO_POSITION}. */
  nextWriteAfter(s: number, position: number): number {
    const i = this.#firstWriteAbove(s, position)
    return i < this.#writeFrom[s + 1] ? this.#writePos[i] : NO_POSITION
  }

  /** The reads-from entry as a writer row, or -1 (no writer, or an edge dropped for a cycle). */
  writerIn(entry: number): number {
    return entry >= 0 ? entry : -1
  }

  /** The writer of a dropped reads-from entry, or -1. */
  droppedWriter(entry: number): number {
    return entry <= -2 ? -entry - 2 : -1
  }

  /** An info write's readers on chains, as (session, first position) pairs; undefined when none. */
  infoReadersOf(x: number): Int32Array | undefined {
    return this.#infoReaders.get(x)
  }

  /** True when write `x` is in the causal past described by `clock` at `base`. */
  inPast(x: number, clock: Clocks, base: number): boolean {
    const p = this.pos[x]
    if (p > 0) return clock[base + this.sessionOf[x]] >= p
    const readers = this.#infoReaders.get(x)
    if (!readers) return false
    for (let i = 0; i < readers.length; i += 2) if (clock[base + readers[i]] >= readers[i + 1]) return true
    return false
  }

  /** True when op `op` (a chain op or a side write) is in the causal past described by `clock` at `base`. */
  inPastOp(op: number, clock: Clocks, base: number): boolean {
    if (this.pos[op] > 0) return clock[base + this.sessionOf[op]] >= this.pos[op]
    return this.kind[op] === SIDE_WRITE && this.inPast(op, clock, base)
  }

  /** The ops right after `op` in the order: its chain successor, side writes after it, its readers. */
  successors(op: number): number[] {
    const next: number[] = []
    if (this.pos[op] > 0) {
      const s = this.sessionOf[op]
      const i = this.chainFrom[s] + this.pos[op]
      if (i < this.chainFrom[s + 1]) next.push(this.chain[i])
      next.push(...(this.sidesAfter.get(op) ?? []))
    }
    const id = this.valueIdOf[op]
    if (id >= 0) for (let i = this.readersFrom[id]; i < this.readersFrom[id + 1]; i++) next.push(this.readers[i])
    return next
  }
}

/**
 * Empties a history's columns of value ids, which only the graph's build reads (reads-from
 * has them as writers from then on). Done to a history from the op table, which keeps no
 * values to show either: its callers make it for the graph alone, and these columns (~22 MiB
 * on 1M ops) would otherwise be held through the walk, whose end is the analysis' peak. In
 * place, since the caller's frame holds the history as long as the walk runs.
 */
function releaseValueIds(history: ModelHistory): void {
  history.written = NO_ROWS
  history.expected = NO_ROWS
  history.readStart = NO_ROWS
  history.readCount = NO_ROWS
  history.readValues = NO_ROWS
}

function maxValue(history: ModelHistory): number {
  let max = -1
  // Index loops: for-of over a typed array allocates an iterator result per element until the loop is optimized.
  for (const column of [history.written, history.readValues, history.expected]) {
    for (let i = 0; i < column.length; i++) if (column[i] > max) max = column[i]
  }
  return max
}
