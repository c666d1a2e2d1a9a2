/**
 * The causal order of a register history, from values alone: each session's program order
 * plus reads-from (the write of a value precedes every read that returned it; values are
 * unique per write), transitively. It is walked once in a topological order, giving every
 * read its vector clock (per session, how far into that session's program its causal past
 * reaches), so the checkers (causal.ts, session-values.ts) can judge each read as it comes.
 *
 * What takes part:
 * - ok ops of a session form its chain, in program order (a session runs one op at a time,
 *   so its ops' invoke order).
 * - an `info` write may have happened: it takes part only when some read returned its value
 *   (which proves it happened). It follows its session's earlier ops, but nothing of its
 *   session follows it (it may have taken effect at any time after its invocation), so it
 *   sits beside the chain, and it is in an op's past exactly when one of its readers is.
 * - `fail` ops did not happen, and failed or unknown reads returned nothing: left out.
 * - the harness's final reads are real reads, but no session's: each has only its values'
 *   writes (and their pasts) before it, and nothing after it. Putting every op before them
 *   would ask them to converge, which the final-reads-agree check judges, not causality.
 *
 * A read that returns a value written in its own causal future closes a cycle: the walk
 * finds it when no op is ready, drops that reads-from edge (the read is reported) and
 * goes on. Time O(n · sessions) for the clocks; memory one clock per write.
 */
import { DELETE, GET, INFO, OK, PUT } from '../op-table.ts'
import { CAS, NO_VALUE, type ModelHistory } from './model-history.ts'

/** Per-session positions: `clock[base + s]` ops of session s's chain are in the past. */
export type Clocks = Uint16Array | Int32Array

const IGNORED = 0
const CHAIN_READ = 1
const CHAIN_WRITE = 2
const CHAIN_CAS = 3
const SIDE_WRITE = 4
const FINAL_READ = 5

/** Reads-from entries below this are edges dropped to break a cycle: `-(writer + 2)`. */
const DROPPED = -2

/** Stored vector clocks above this many entries make the check unknown instead. */
const CLOCK_BUDGET = 96 * 1024 * 1024
/** Keys with at least this many chain writes keep cursors per covering session (see #cover). */
const HOT_KEY_WRITES = 64
/** Most ops a path search (for an example) visits. */
const PATH_SEARCH_LIMIT = 200_000

/** Why the causal order cannot be built, or undefined. */
export type OrderProblem = string | undefined

/** A read the walk hands to the checkers: the row and its clock (its causal past). */
export type ReadVisit = { row: number; clock: Clocks; base: number; final: boolean }

/** What a checker does with each read, in a topological order of the causal order. */
export type ReadVisitor = (visit: ReadVisit) => void

/** Info writes read by a session's reads of one key, in that session's order. */
type InfoEntries = { pos: number[]; rows: number[]; clocks: Clocks[] }

export class CausalOrder {
  readonly history: ModelHistory
  /** Sessions with a chain (dense ids); `sessionOf[row]`, -1 for none. */
  readonly sessions: number
  readonly sessionOf: Int32Array
  /** 1-based position in its session's chain; 0 off the chain. */
  readonly pos: Int32Array
  readonly kind: Uint8Array
  /** Per value id: the write (ok or info) that wrote it, and a failed write of it; -1 when none. */
  readonly writerOf: Int32Array
  readonly failedWriterOf: Int32Array
  /** Values written by more than one write that may have happened. */
  readonly duplicateValues: number
  /**
   * Per reading row, its writers at rfStart..rfStart+rfCount: a row; -1 for a value no write
   * that may have happened wrote; below -1 for an edge dropped to break a cycle (see {@link DROPPED}).
   */
  readonly rfStart: Int32Array
  readonly rfCount: Int32Array
  readonly rf: Int32Array
  /** Keys with a delete: an empty read of them may have read a delete, so it is not judged. */
  readonly keyHasDelete: Uint8Array
  /** Chain writes grouped by key then session: runs of key k are runStart[k]..runStart[k+1]. */
  readonly runStart: Int32Array
  readonly runSession: Int32Array
  readonly runFrom: Int32Array
  readonly runTo: Int32Array
  readonly runRows: Int32Array
  readonly runPos: Int32Array
  /** Chain writes (any key) of session s: positions at writeFrom[s]..writeFrom[s+1] of writePos. */
  readonly writeFrom: Int32Array
  readonly writePos: Int32Array
  readonly writeRows: Int32Array
  /** Reads-from cycles broken: the read, and the ops of the cycle. */
  readonly cycles: { reader: number; writer: number; ops: number[] }[] = []
  cycleCount = 0
  readonly problem: OrderProblem
  /** Per key, per session: the info writes its reads returned (filled during the walk). */
  readonly infoEntries = new Map<number, Map<number, InfoEntries>>()

  #chain: Int32Array
  #chainFrom: Int32Array
  #pred: Int32Array
  #readersFrom: Int32Array
  #readers: Int32Array
  #sidesFrom = new Map<number, number[]>()
  /** Per info write that was read: its readers on chains, as (session, first position) pairs. */
  #infoReaders = new Map<number, Int32Array>()
  #slot: Int32Array
  #clocks: Clocks
  #running: Clocks
  #make: (length: number) => Clocks
  /**
   * Per chain write that some read returned (its row in the table: `#overwrites[#overwriteRow[x] * sessions + q]`):
   * the first position on session q's chain of a write of the same key that follows it, or of a
   * read of an info write of that key that follows it; {@link #never} when none so far. Kept up
   * to date during the walk, so "is x overwritten in this read's past?" is one scan of a row.
   */
  #overwrites: Clocks
  #overwriteRow: Int32Array
  #never: number
  /** Per (key, session) of a hot key, per run of the key: how far the coverage of that run has got. */
  #cursors = new Map<number, Int32Array>()
  #hotKeyWrites: number

  /** `hotKeyWrites`: keys with at least this many writes keep cursors (default 64; tests vary it to exercise both ways). */
  constructor(history: ModelHistory, options: { hotKeyWrites?: number } = {}) {
    this.history = history
    this.#hotKeyWrites = options.hotKeyWrites ?? HOT_KEY_WRITES
    const n = history.length
    this.sessionOf = new Int32Array(n).fill(-1)
    this.pos = new Int32Array(n)
    this.kind = new Uint8Array(n)
    this.#pred = new Int32Array(n).fill(-1)
    const values = maxValue(history) + 1
    this.writerOf = new Int32Array(values).fill(-1)
    this.failedWriterOf = new Int32Array(values).fill(-1)
    this.duplicateValues = this.#findWriters()
    this.keyHasDelete = new Uint8Array(history.keys.length)
    ;({ rfStart: this.rfStart, rfCount: this.rfCount, rf: this.rf } = this.#readsFrom())
    ;({ sessions: this.sessions, chain: this.#chain, chainFrom: this.#chainFrom } = this.#buildChains())
    ;({ from: this.#readersFrom, readers: this.#readers } = this.#readersOfWrites())
    ;({
      runStart: this.runStart,
      runSession: this.runSession,
      runFrom: this.runFrom,
      runTo: this.runTo,
      runRows: this.runRows,
      runPos: this.runPos,
    } = this.#keyRuns())
    ;({ writeFrom: this.writeFrom, writePos: this.writePos, writeRows: this.writeRows } = this.#sessionWrites())
    this.#collectInfoReaders()
    const longest = this.#longestChain()
    this.#make = longest < 0xffff ? (length) => new Uint16Array(length) : (length) => new Int32Array(length)
    this.#slot = new Int32Array(n).fill(-1)
    let slots = 0
    for (let row = 0; row < n; row++) {
      const k = this.kind[row]
      if (k === CHAIN_WRITE || k === CHAIN_CAS || k === SIDE_WRITE) this.#slot[row] = slots++
    }
    const entries = slots * this.sessions
    this.problem =
      entries > CLOCK_BUDGET
        ? `the history has ${this.sessions} sessions and ${slots} writes: their vector clocks would take ${Math.round((entries * (longest < 0xffff ? 2 : 4)) / 2 ** 20)} MiB`
        : undefined
    this.#clocks = this.#make(this.problem ? 0 : entries)
    this.#running = this.#make(this.problem ? 0 : this.sessions * this.sessions)
    this.#never = longest < 0xffff ? 0xffff : 0x7fffffff
    this.#overwriteRow = new Int32Array(n).fill(-1)
    let rows = 0
    if (!this.problem) {
      // In run order (key, session, position): a run's writes, covered together, have neighbouring rows.
      for (const row of this.runRows) if (this.#readersFrom[row + 1] > this.#readersFrom[row]) this.#overwriteRow[row] = rows++
    }
    this.#overwrites = this.#make(rows * this.sessions).fill(this.#never)
  }

  /** Assigns every value id its writer; returns how many values more than one write wrote. */
  #findWriters(): number {
    const h = this.history
    let duplicates = 0
    for (let row = 0; row < h.length; row++) {
      const v = h.written[row]
      if (v === NO_VALUE || (h.f[row] !== PUT && h.f[row] !== CAS)) continue
      if (h.type[row] === OK || h.type[row] === INFO) {
        const before = this.writerOf[v]
        if (before < 0) this.writerOf[v] = row
        else {
          duplicates++
          // An ok write is the better guess of the two.
          if (h.type[before] !== OK && h.type[row] === OK) this.writerOf[v] = row
        }
      } else if (this.failedWriterOf[v] < 0) this.failedWriterOf[v] = row
    }
    return duplicates
  }

  /** Classifies ops and lists each read's writers (deduplicated); marks info writes that were read. */
  #readsFrom(): { rfStart: Int32Array; rfCount: Int32Array; rf: Int32Array } {
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
    return { rfStart, rfCount, rf: rf.subarray(0, at) }
  }

  #addWriter(rf: Int32Array, start: number, at: number, value: number): number {
    const writer = this.writerOf[value]
    for (let i = start; i < at; i++) if (rf[i] === writer && writer >= 0) return at
    rf[at] = writer
    if (writer >= 0 && this.history.type[writer] === INFO) this.kind[writer] = SIDE_WRITE
    return at + 1
  }

  /** Orders each session's ops, numbers its chain, and gives each info write that was read its predecessor. */
  #buildChains(): { sessions: number; chain: Int32Array; chainFrom: Int32Array } {
    const h = this.history
    const dense = new Map<number, number>()
    const bySession: number[][] = []
    for (let row = 0; row < h.length; row++) {
      const kind = this.kind[row]
      if (kind === IGNORED || kind === FINAL_READ) continue
      let s = dense.get(h.process[row])
      if (s === undefined) {
        s = dense.size
        dense.set(h.process[row], s)
        bySession.push([])
      }
      bySession[s].push(row)
    }
    const chainFrom = new Int32Array(bySession.length + 1)
    const chain = new Int32Array(bySession.reduce((sum, rows) => sum + rows.length, 0))
    let at = 0
    bySession.forEach((rows, s) => {
      // The history is in completion order, which is a session's program order; a converted one may not be.
      if (rows.some((row, i) => i > 0 && h.invoke[row] < h.invoke[rows[i - 1]])) rows.sort((a, b) => h.invoke[a] - h.invoke[b] || a - b)
      chainFrom[s] = at
      let last = -1
      for (const row of rows) {
        this.sessionOf[row] = s
        if (this.kind[row] === SIDE_WRITE) {
          this.#pred[row] = last
          if (last >= 0) this.#sidesFrom.set(last, [...(this.#sidesFrom.get(last) ?? []), row])
          continue
        }
        chain[at++] = row
        this.pos[row] = at - chainFrom[s]
        last = row
      }
    })
    chainFrom[bySession.length] = at
    return { sessions: bySession.length, chain: chain.subarray(0, at), chainFrom }
  }

  /** For every write, the reads that returned its value (CSR). */
  #readersOfWrites(): { from: Int32Array; readers: Int32Array } {
    const from = new Int32Array(this.history.length + 1)
    for (const w of this.rf) if (w >= 0) from[w + 1]++
    for (let row = 0; row < this.history.length; row++) from[row + 1] += from[row]
    const fill = from.slice(0, this.history.length)
    const readers = new Int32Array(from[this.history.length])
    for (let row = 0; row < this.history.length; row++) {
      for (let i = this.rfStart[row]; i < this.rfStart[row] + this.rfCount[row]; i++) {
        const w = this.rf[i]
        if (w >= 0) readers[fill[w]++] = row
      }
    }
    return { from, readers }
  }

  /** Chain writes grouped by key, then session, then position (a counting sort). */
  #keyRuns(): Pick<CausalOrder, 'runStart' | 'runSession' | 'runFrom' | 'runTo' | 'runRows' | 'runPos'> {
    const h = this.history
    const keys = h.keys.length
    const perKey = new Int32Array(keys + 1)
    for (const row of this.#chain) if (this.#isChainWrite(row)) perKey[h.key[row] + 1]++
    for (let k = 0; k < keys; k++) perKey[k + 1] += perKey[k]
    const fill = perKey.slice(0, keys)
    const runRows = new Int32Array(perKey[keys])
    // Chains are visited session by session in order, so each key's rows come out sorted by (session, position).
    for (const row of this.#chain) if (this.#isChainWrite(row)) runRows[fill[h.key[row]]++] = row
    const runPos = Int32Array.from(runRows, (row) => this.pos[row])
    const runStart = new Int32Array(keys + 1)
    const session: number[] = []
    const from: number[] = []
    const to: number[] = []
    for (let k = 0; k < keys; k++) {
      runStart[k] = session.length
      for (let i = perKey[k]; i < perKey[k + 1]; i++) {
        const s = this.sessionOf[runRows[i]]
        if (i === perKey[k] || s !== session[session.length - 1]) {
          session.push(s)
          from.push(i)
          to.push(i)
        }
        to[to.length - 1] = i + 1
      }
    }
    runStart[keys] = session.length
    return { runStart, runSession: Int32Array.from(session), runFrom: Int32Array.from(from), runTo: Int32Array.from(to), runRows, runPos }
  }

  #sessionWrites(): Pick<CausalOrder, 'writeFrom' | 'writePos' | 'writeRows'> {
    const writeFrom = new Int32Array(this.sessions + 1)
    const rows: number[] = []
    for (let s = 0; s < this.sessions; s++) {
      writeFrom[s] = rows.length
      for (let i = this.#chainFrom[s]; i < this.#chainFrom[s + 1]; i++) if (this.#isChainWrite(this.#chain[i])) rows.push(this.#chain[i])
    }
    writeFrom[this.sessions] = rows.length
    const writeRows = Int32Array.from(rows)
    return { writeFrom, writeRows, writePos: Int32Array.from(writeRows, (row) => this.pos[row]) }
  }

  /** For each info write that was read, the first reader on each chain. */
  #collectInfoReaders(): void {
    const first = new Map<number, Map<number, number>>()
    for (const row of this.#chain) {
      if (this.kind[row] !== CHAIN_READ && this.kind[row] !== CHAIN_CAS) continue
      for (let i = this.rfStart[row]; i < this.rfStart[row] + this.rfCount[row]; i++) {
        const w = this.rf[i]
        if (w < 0 || this.kind[w] !== SIDE_WRITE) continue
        let bySession = first.get(w)
        if (!bySession) {
          bySession = new Map()
          first.set(w, bySession)
        }
        const s = this.sessionOf[row]
        const before = bySession.get(s)
        if (before === undefined || this.pos[row] < before) bySession.set(s, this.pos[row])
      }
    }
    for (const [w, bySession] of first) this.#infoReaders.set(w, Int32Array.from([...bySession].flat()))
  }

  #longestChain(): number {
    let longest = 0
    for (let s = 0; s < this.sessions; s++) longest = Math.max(longest, this.#chainFrom[s + 1] - this.#chainFrom[s])
    return longest
  }

  #isChainWrite(row: number): boolean {
    return this.kind[row] === CHAIN_WRITE || this.kind[row] === CHAIN_CAS
  }

  /** True for an op that writes (a chain write, a cas, an info write that was read). */
  isWrite(row: number): boolean {
    return this.#slot[row] >= 0
  }

  /** True for a read of a session (not a final read): ok get or ok cas. */
  isSessionRead(row: number): boolean {
    return this.kind[row] === CHAIN_READ || this.kind[row] === CHAIN_CAS
  }

  /** The reads-from entry `entry` as a writer row, or -1 (no writer, or an edge dropped for a cycle). */
  writerIn(entry: number): number {
    return entry >= 0 ? entry : -1
  }

  /** The writer of a dropped reads-from entry, or -1. */
  droppedWriter(entry: number): number {
    return entry <= DROPPED ? -entry - 2 : -1
  }

  /** The clock of a write: `clock[base + s]`. */
  clockOf(write: number): { clock: Clocks; base: number } {
    return { clock: this.#clocks, base: this.#slot[write] * this.sessions }
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

  /** True when write `x` is strictly before write `w` (x ≠ w). */
  before(x: number, w: number): boolean {
    return x !== w && this.inPast(x, this.#clocks, this.#slot[w] * this.sessions)
  }

  /** Index (into runRows) of the last write of run `run` at a position <= `limit`, or -1. */
  lastInRun(run: number, limit: number): number {
    let lo = this.runFrom[run]
    let hi = this.runTo[run]
    if (lo === hi || this.runPos[lo] > limit) return -1
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1
      if (this.runPos[mid] <= limit) lo = mid
      else hi = mid
    }
    return lo
  }

  /** The run of (key, session), or -1. */
  runOf(key: number, session: number): number {
    let lo = this.runStart[key]
    let hi = this.runStart[key + 1] - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const s = this.runSession[mid]
      if (s === session) return mid
      if (s < session) lo = mid + 1
      else hi = mid - 1
    }
    return -1
  }

  /** The last chain write (any key) of session s at a position <= limit, or -1. */
  lastWriteOf(s: number, limit: number): number {
    let lo = this.writeFrom[s]
    let hi = this.writeFrom[s + 1]
    if (lo === hi || this.writePos[lo] > limit) return -1
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1
      if (this.writePos[mid] <= limit) lo = mid
      else hi = mid
    }
    return this.writeRows[lo]
  }

  /**
   * Walks every op in a topological order of the causal order, calling `visit` for each read
   * (session reads, cas and final reads) once its causal past is known.
   */
  walk(visit: ReadVisitor): void {
    const n = this.history.length
    const indegree = new Int32Array(n)
    const ready: number[] = []
    let total = 0
    for (let row = 0; row < n; row++) {
      const kind = this.kind[row]
      if (kind === IGNORED) continue
      total++
      let d = kind === SIDE_WRITE ? (this.#pred[row] >= 0 ? 1 : 0) : kind === FINAL_READ ? 0 : this.pos[row] > 1 ? 1 : 0
      for (let i = this.rfStart[row]; i < this.rfStart[row] + this.rfCount[row]; i++) if (this.rf[i] >= 0) d++
      indegree[row] = d
      if (d === 0) ready.push(row)
    }
    const scratch = this.#make(this.sessions)
    let done = 0
    for (;;) {
      while (ready.length > 0) {
        this.#step(ready.pop() as number, indegree, ready, scratch, visit)
        done++
      }
      if (done >= total) return
      this.#breakCycle(indegree, ready)
    }
  }

  /** Processes one op whose causal predecessors are all done. */
  #step(row: number, indegree: Int32Array, ready: number[], scratch: Clocks, visit: ReadVisitor): void {
    const kind = this.kind[row]
    const S = this.sessions
    if (kind === FINAL_READ) {
      scratch.fill(0)
      this.#joinWriters(row, scratch, 0)
      visit({ row, clock: scratch, base: 0, final: true })
      return
    }
    if (kind === SIDE_WRITE) {
      // Its clock was set when its predecessor was done (zero when it has none).
      this.#release(row, indegree, ready)
      return
    }
    const s = this.sessionOf[row]
    const base = s * S
    const running = this.#running
    this.#joinWriters(row, running, base)
    running[base + s] = this.pos[row]
    if (kind !== CHAIN_WRITE) visit({ row, clock: running, base, final: false })
    if (kind !== CHAIN_READ) {
      const slot = this.#slot[row] * S
      for (let i = 0; i < S; i++) this.#clocks[slot + i] = running[base + i]
      this.#cover(this.history.key[row], s, this.#clocks, slot, true, this.pos[row])
      this.#release(row, indegree, ready)
    }
    for (const side of this.#sidesFrom.get(row) ?? []) {
      const slot = this.#slot[side] * S
      for (let i = 0; i < S; i++) this.#clocks[slot + i] = running[base + i]
      if (--indegree[side] === 0) ready.push(side)
    }
    const next = this.#chainFrom[s] + this.pos[row]
    if (next < this.#chainFrom[s + 1] && --indegree[this.#chain[next]] === 0) ready.push(this.#chain[next])
  }

  /** Joins the clocks of the read's writers into `clock` at `base`; records info writes it read. */
  #joinWriters(row: number, clock: Clocks, base: number): void {
    const S = this.sessions
    for (let i = this.rfStart[row]; i < this.rfStart[row] + this.rfCount[row]; i++) {
      const w = this.rf[i]
      if (w < 0) continue
      const slot = this.#slot[w] * S
      for (let j = 0; j < S; j++) if (this.#clocks[slot + j] > clock[base + j]) clock[base + j] = this.#clocks[slot + j]
      if (this.kind[w] === SIDE_WRITE && this.kind[row] !== FINAL_READ) this.#noteInfoRead(row, w)
    }
  }

  /** A session read returned info write w: w is in the past of this point of the session on. */
  #noteInfoRead(row: number, w: number): void {
    const key = this.history.key[row]
    const s = this.sessionOf[row]
    let byKey = this.infoEntries.get(key)
    if (!byKey) {
      byKey = new Map()
      this.infoEntries.set(key, byKey)
    }
    let entries = byKey.get(s)
    if (!entries) {
      entries = { pos: [], rows: [], clocks: [] }
      byKey.set(s, entries)
    }
    // Each entry's clock joins the info writes' clocks so far: one test answers "is x before any of them?".
    const joined = this.#make(this.sessions)
    const previous = entries.clocks[entries.clocks.length - 1]
    const slot = this.#slot[w] * this.sessions
    for (let j = 0; j < this.sessions; j++) joined[j] = Math.max(previous ? previous[j] : 0, this.#clocks[slot + j])
    entries.pos.push(this.pos[row])
    entries.rows.push(w)
    entries.clocks.push(joined)
    this.#cover(key, s, this.#clocks, slot, false, this.pos[row])
  }

  /**
   * Session s, at position `at`, now has in its past a write of `key` whose past is `clock`
   * at `base` (`own`: the write is s's own, at `at`, so s's coordinate counts strictly
   * before it). Every chain write of the key that this past covers, and that nothing of s
   * covered before, is overwritten from `at` on s.
   */
  #cover(key: number, s: number, clock: Clocks, base: number, own: boolean, at: number): void {
    const S = this.sessions
    const first = this.runStart[key]
    const runs = this.runStart[key + 1] - first
    if (runs === 0) return
    // A hot key keeps, per session covering it, how far each run is covered; a cold one rescans its few writes.
    const hot = this.runTo[first + runs - 1] - this.runFrom[first] >= this.#hotKeyWrites
    if (hot) this.#coverHot(key, s, clock, base, own, at)
    else {
      const table = this.#overwrites
      for (let run = first; run < first + runs; run++) {
        const p = this.runSession[run]
        const covered = clock[base + p] - (own && p === s ? 1 : 0)
        for (let i = this.runFrom[run]; i < this.runTo[run] && this.runPos[i] <= covered; i++) {
          const row = this.#overwriteRow[this.runRows[i]]
          if (row >= 0 && table[row * S + s] === this.#never) table[row * S + s] = at
        }
      }
    }
  }

  /** {@link #cover} for a hot key: per run, a cursor and the position it waits for, so an unchanged run costs one comparison. */
  #coverHot(key: number, s: number, clock: Clocks, base: number, own: boolean, at: number): void {
    const S = this.sessions
    const first = this.runStart[key]
    const runs = this.runStart[key + 1] - first
    const id = key * S + s
    let cursors = this.#cursors.get(id)
    if (!cursors) {
      cursors = new Int32Array(2 * runs)
      for (let i = 0; i < runs; i++) {
        cursors[2 * i] = this.runFrom[first + i]
        cursors[2 * i + 1] = this.runPos[this.runFrom[first + i]]
      }
      this.#cursors.set(id, cursors)
    }
    const table = this.#overwrites
    const { runSession, runTo, runPos, runRows } = this
    const rowOf = this.#overwriteRow
    const self = own ? s : -1
    for (let i = 0; i < runs; i++) {
      const run = first + i
      const p = runSession[run]
      const covered = clock[base + p] - (p === self ? 1 : 0)
      if (covered < cursors[2 * i + 1]) continue
      let next = cursors[2 * i]
      const to = runTo[run]
      // The cursor covers each write once per session: its first cover is the one kept.
      for (; next < to && runPos[next] <= covered; next++) {
        const row = rowOf[runRows[next]]
        if (row >= 0) table[row * S + s] = at
      }
      cursors[2 * i] = next
      cursors[2 * i + 1] = next < to ? runPos[next] : 0x7fffffff
    }
  }

  /**
   * True when chain write x, returned by a read, is overwritten in the past described by
   * `clock` at `base`: a write of its key that follows it (or a read of an info write of its
   * key that follows it) is in that past. Only for chain writes some read returned.
   */
  overwritten(x: number, clock: Clocks, base: number): boolean {
    const S = this.sessions
    const row = this.#overwriteRow[x] * S
    const table = this.#overwrites
    for (let q = 0; q < S; q++) if (table[row + q] <= clock[base + q]) return true
    return false
  }

  /** True for a write on a session's chain (ok put, delete or cas), as opposed to an info write. */
  onChain(row: number): boolean {
    return this.pos[row] > 0
  }

  #release(write: number, indegree: Int32Array, ready: number[]): void {
    for (let i = this.#readersFrom[write]; i < this.#readersFrom[write + 1]; i++) {
      const reader = this.#readers[i]
      if (--indegree[reader] === 0) ready.push(reader)
    }
  }

  /**
   * No op is ready: some reads return values written in their own causal future. Follows
   * blocked reads to writes and writes to the blocked read heading their session until a
   * session repeats: that is a cycle; one of its reads-from edges is dropped.
   */
  #breakCycle(indegree: Int32Array, ready: number[]): void {
    const heads = this.#blockedHeads(indegree)
    const seen = new Map<number, number>()
    const path: { reader: number; writer: number }[] = []
    let reader = heads.values().next().value as number
    for (;;) {
      seen.set(reader, path.length)
      const writer = this.#pendingWriter(reader, indegree)
      path.push({ reader, writer })
      // The first op of the writer's session not done comes before the writer (or is it).
      const head = heads.get(this.sessionOf[writer]) as number
      const at = seen.get(head)
      if (at !== undefined) {
        const cycle = path.slice(at)
        // Any edge of the cycle breaks it; the read furthest before its write in real time is the likeliest wrong one.
        const h = this.history
        const late = (step: { reader: number; writer: number }): number => h.invoke[step.writer] - h.complete[step.reader]
        const closing = cycle.reduce((best, step) => (late(step) > late(best) ? step : best))
        this.#drop(closing.reader, closing.writer)
        this.cycleCount++
        if (this.cycles.length < 100) {
          const ops = cycle.flatMap((step) => [step.reader, step.writer])
          this.cycles.push({ reader: closing.reader, writer: closing.writer, ops })
        }
        if (--indegree[closing.reader] === 0) ready.push(closing.reader)
        return
      }
      reader = head
    }
  }

  /** Per session, its first op not yet done (an op is done once nothing holds it back). */
  #blockedHeads(indegree: Int32Array): Map<number, number> {
    const heads = new Map<number, number>()
    for (let s = 0; s < this.sessions; s++) {
      for (let i = this.#chainFrom[s]; i < this.#chainFrom[s + 1]; i++) {
        if (indegree[this.#chain[i]] > 0) {
          heads.set(s, this.#chain[i])
          break
        }
      }
    }
    return heads
  }

  /** A writer of `reader` not done yet: its reads-from edge still holds the reader back. */
  #pendingWriter(reader: number, indegree: Int32Array): number {
    for (let i = this.rfStart[reader]; i < this.rfStart[reader] + this.rfCount[reader]; i++) {
      const w = this.rf[i]
      if (w >= 0 && indegree[w] > 0) return w
    }
    throw new Error(`causal order: read #${this.history.index[reader]} is blocked but waits for no write`)
  }

  #drop(reader: number, writer: number): void {
    for (let i = this.rfStart[reader]; i < this.rfStart[reader] + this.rfCount[reader]; i++) {
      if (this.rf[i] === writer) this.rf[i] = -writer - 2
    }
  }

  /**
   * A shortest causal path from write `from` to op `to` (both included), searched forward
   * among the ops in `to`'s past (`clock` at `base`); undefined when none is found within
   * a bounded search. For examples only.
   */
  path(from: number, to: number, clock: Clocks, base: number): number[] | undefined {
    const parent = new Map<number, number>([[from, -1]])
    const queue = [from]
    for (let head = 0; head < queue.length && queue.length < PATH_SEARCH_LIMIT; head++) {
      const op = queue[head]
      if (op === to) {
        const path: number[] = []
        for (let at = to; at >= 0; at = parent.get(at) as number) path.push(at)
        return path.reverse()
      }
      for (const next of this.#successors(op)) {
        if (parent.has(next)) continue
        if (next !== to && (this.kind[next] === FINAL_READ || !this.#inPastOp(next, clock, base))) continue
        parent.set(next, op)
        queue.push(next)
      }
    }
    return undefined
  }

  #successors(op: number): number[] {
    const next: number[] = []
    const s = this.sessionOf[op]
    if (this.pos[op] > 0) {
      const i = this.#chainFrom[s] + this.pos[op]
      if (i < this.#chainFrom[s + 1]) next.push(this.#chain[i])
      next.push(...(this.#sidesFrom.get(op) ?? []))
    }
    for (let i = this.#readersFrom[op]; i < this.#readersFrom[op + 1]; i++) next.push(this.#readers[i])
    return next
  }

  #inPastOp(op: number, clock: Clocks, base: number): boolean {
    if (this.pos[op] > 0) return clock[base + this.sessionOf[op]] >= this.pos[op]
    return this.kind[op] === SIDE_WRITE && this.inPast(op, clock, base)
  }
}

function maxValue(history: ModelHistory): number {
  let max = -1
  for (const v of history.written) if (v > max) max = v
  for (const v of history.readValues) if (v > max) max = v
  for (const v of history.expected) if (v > max) max = v
  return max
}
