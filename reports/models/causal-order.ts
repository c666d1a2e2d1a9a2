/**
 * The causal order of a register history, from values alone: each session's program order
 * plus reads-from (the write of a value precedes every read that returned it; values are
 * unique per write), transitively, over the graph of causal-graph.ts. It is walked once in
 * a topological order, giving every read its vector clock (per session, how far into that
 * session's program its causal past reaches), so the checkers (causal.ts, session-values.ts)
 * judge each read as it comes; overwrites.ts keeps, per value in flight, where each session
 * first follows it.
 *
 * A read that returns a value written in its own causal future closes a cycle: the walk
 * finds it when no op is ready, drops one reads-from edge of the cycle (its read is reported)
 * and goes on. Time O(n · sessions); memory one clock per write (stored compactly: write-clocks.ts).
 */
import { type Clocks, CausalGraph, CHAIN_READ, CHAIN_WRITE, FINAL_READ, IGNORED, SIDE_WRITE } from './causal-graph.ts'
import type { ModelHistory } from './model-history.ts'
import { BY_INFO_READ, BY_WRITE, Overwrites } from './overwrites.ts'
import { WriteClocks } from './write-clocks.ts'
import { narrowedInts } from '../columns.ts'
import type { SmallIntColumn } from '../op-table.ts'

export type { Clocks } from './causal-graph.ts'

/** Stored vector clocks above this many entries make the check unknown instead. */
const CLOCK_BUDGET = 96 * 1024 * 1024
/** An info write only final reads returned: no session's op has it in its past. */
const NO_READERS = new Int32Array(0)
/** Most ops a path search (for an example) visits. */
const PATH_SEARCH_LIMIT = 200_000

/** A read the walk hands to the checkers: the row and its clock (its causal past); valid only during the call. */
export type ReadVisit = { row: number; clock: Clocks; base: number; final: boolean }

/** What a checker does with each read, in a topological order of the causal order. */
export type ReadVisitor = (visit: ReadVisit) => void

/** Info writes read by a session's reads of one key, in that session's order, with their clocks joined so far. */
type InfoEntries = { pos: number[]; rows: number[]; clocks: Clocks[] }

export class CausalOrder extends CausalGraph {
  /** Why the order cannot be built (its clocks would not fit), or undefined. */
  readonly problem: string | undefined
  /** Reads-from cycles broken: the read, the write, and the ops of the cycle (the first 100). */
  readonly cycles: { reader: number; writer: number; ops: number[] }[] = []
  cycleCount = 0
  /** Per key, per session: the info writes its reads returned (filled during the walk). */
  readonly infoEntries = new Map<number, Map<number, InfoEntries>>()
  /** Where each value in flight is first followed, per session. */
  readonly overwrites: Overwrites

  /** Each write's clock, by value id. */
  #clocks: WriteClocks
  #running: Clocks
  /** A final read's clock. */
  #scratch: Clocks
  /** An info write's clock, while a read of it is noted. */
  #sideClock: Clocks
  #make: (length: number) => Clocks
  /** How many of each write's readers are still to be judged, by value id. */
  #pendingReaders: SmallIntColumn
  /** The one visit object handed to the checkers (they must not keep it). */
  #visit: ReadVisit

  constructor(history: ModelHistory) {
    super(history)
    const longest = this.longestChain()
    this.#make = longest < 0xffff ? (length) => new Uint16Array(length) : (length) => new Int32Array(length)
    // Each write's clock is at its value id: chain writes and side writes have one.
    const slots = this.valueIds
    const entries = slots * this.sessions
    this.problem =
      entries > CLOCK_BUDGET
        ? `the history has ${this.sessions} sessions and ${slots} writes: their vector clocks would take ${Math.round((entries * (longest < 0xffff ? 2 : 4)) / 2 ** 20)} MiB`
        : undefined
    this.#clocks = new WriteClocks(this.problem ? 0 : slots, this.sessions, longest >= 0xffff)
    this.#running = this.#make(this.problem ? 0 : this.sessions * this.sessions)
    this.#scratch = this.#make(this.sessions)
    this.#sideClock = this.#make(this.sessions)
    this.overwrites = new Overwrites(this.valueIds, history.keys.length, this.sessions, this.#make)
    this.#visit = { row: -1, clock: this.#running, base: 0, final: false }
    const pending = new Int32Array(this.valueIds)
    for (let id = 0; id < this.valueIds; id++) pending[id] = this.readersFrom[id + 1] - this.readersFrom[id]
    // Kept through the walk in the fewest bits that hold them (a value has few readers).
    this.#pendingReaders = narrowedInts(pending)
  }

  /** A copy of the clock of a write: `clock[base + s]`. */
  clockOf(write: number): { clock: Clocks; base: number } {
    const clock = this.#make(this.sessions)
    this.#clocks.copyTo(this.valueIdOf[write], clock, 0)
    return { clock, base: 0 }
  }

  /** True when write `x` is strictly before write `w` (x ≠ w). */
  before(x: number, w: number): boolean {
    if (x === w) return false
    // An open x and a chain write w of its key: w's session's first write after x is at or before w.
    const id = this.valueIdOf[x]
    if (this.pos[w] > 0 && id >= 0 && this.overwrites.isOpen(id) && this.history.key[x] === this.history.key[w]) {
      return this.overwrites.firstWrite(id, this.sessionOf[w]) <= this.pos[w]
    }
    // inPast(x, w's clock), reading only the entries it needs.
    const clocks = this.#clocks
    const wid = this.valueIdOf[w]
    const p = this.pos[x]
    if (p > 0) return clocks.entry(wid, this.sessionOf[x]) >= p
    const readers = this.infoReadersOf(x)
    if (!readers) return false
    for (let i = 0; i < readers.length; i += 2) if (clocks.entry(wid, readers[i]) >= readers[i + 1]) return true
    return false
  }

  /**
   * Walks every op in a topological order of the causal order, calling `visit` for each read
   * (session reads, cas and final reads) once its causal past is known.
   */
  walk(visit: ReadVisitor): void {
    const n = this.history.length
    const counts = new Int32Array(n)
    const ready: number[] = []
    let total = 0
    for (let row = 0; row < n; row++) {
      const kind = this.kind[row]
      if (kind === IGNORED) continue
      total++
      let d = kind === SIDE_WRITE ? (this.sidesFollowing.has(row) ? 1 : 0) : kind === FINAL_READ ? 0 : this.pos[row] > 1 ? 1 : 0
      for (let i = this.rfStart[row]; i < this.rfStart[row] + this.rfCount[row]; i++) if (this.rf[i] >= 0) d++
      counts[row] = d
      if (d === 0) ready.push(row)
    }
    // Kept through the walk in the fewest bits that hold them (an op waits for few others).
    const indegree = narrowedInts(counts)
    let done = 0
    for (;;) {
      while (ready.length > 0) {
        this.#step(ready.pop() as number, indegree, ready, visit)
        done++
      }
      if (done >= total) return
      this.#breakCycle(indegree, ready)
    }
  }

  /** Processes one op whose causal predecessors are all done. */
  #step(row: number, indegree: SmallIntColumn, ready: number[], visit: ReadVisitor): void {
    const kind = this.kind[row]
    const S = this.sessions
    if (kind === FINAL_READ) {
      this.#scratch.fill(0)
      this.#joinWriters(row, this.#scratch, 0)
      this.#visitRead(row, this.#scratch, 0, true, visit)
      return
    }
    if (kind === SIDE_WRITE) {
      // Its clock was set when its predecessor was done (zero when it has none).
      this.overwrites.openOffChain(this.valueIdOf[row], this.history.key[row], this.infoReadersOf(row) ?? NO_READERS)
      this.#release(row, indegree, ready)
      return
    }
    const s = this.sessionOf[row]
    const base = s * S
    const running = this.#running
    const clocks = this.#clocks
    this.#joinWriters(row, running, base)
    running[base + s] = this.pos[row]
    if (kind !== CHAIN_WRITE) this.#visitRead(row, running, base, false, visit)
    if (kind !== CHAIN_READ) {
      clocks.store(this.valueIdOf[row], s, running, base)
      if (this.#pendingReaders[this.valueIdOf[row]] > 0)
        this.overwrites.openOnChain(this.valueIdOf[row], this.history.key[row], s, this.pos[row])
      // The write's clock is the running one.
      this.overwrites.cover(BY_WRITE, this.history.key[row], s, running, base, this.pos[row])
      this.#release(row, indegree, ready)
    }
    const sides = this.sidesAfter.get(row)
    if (sides !== undefined) {
      for (const side of sides) {
        clocks.store(this.valueIdOf[side], s, running, base)
        if (--indegree[side] === 0) ready.push(side)
      }
    }
    const next = this.chainFrom[s] + this.pos[row]
    if (next < this.chainFrom[s + 1] && --indegree[this.chain[next]] === 0) ready.push(this.chain[next])
  }

  /** Hands a read to the checkers (in one reused object), then frees what only its judgement needed. */
  #visitRead(row: number, clock: Clocks, base: number, final: boolean, visit: ReadVisitor): void {
    const v = this.#visit
    v.row = row
    v.clock = clock
    v.base = base
    v.final = final
    visit(v)
    for (let i = this.rfStart[row]; i < this.rfStart[row] + this.rfCount[row]; i++) {
      const w = this.rf[i]
      if (w >= 0 && --this.#pendingReaders[this.valueIdOf[w]] === 0) this.overwrites.close(this.valueIdOf[w])
    }
  }

  /** Joins the clocks of the read's writers into `clock` at `base`; records info writes a session read. */
  #joinWriters(row: number, clock: Clocks, base: number): void {
    const clocks = this.#clocks
    const slots = this.valueIdOf
    const end = this.rfStart[row] + this.rfCount[row]
    for (let i = this.rfStart[row]; i < end; i++) {
      const w = this.rf[i]
      if (w < 0) continue
      // A chain write already in the clock's past brings nothing new: its clock is below any later op's of its session.
      if (this.pos[w] === 0 || clock[base + this.sessionOf[w]] < this.pos[w]) clocks.joinInto(slots[w], clock, base)
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
    const side = this.#sideClock
    this.#clocks.copyTo(this.valueIdOf[w], side, 0)
    for (let j = 0; j < this.sessions; j++) joined[j] = Math.max(previous ? previous[j] : 0, side[j])
    entries.pos.push(this.pos[row])
    entries.rows.push(w)
    entries.clocks.push(joined)
    this.overwrites.cover(BY_INFO_READ, key, s, side, 0, this.pos[row])
  }

  #release(write: number, indegree: SmallIntColumn, ready: number[]): void {
    const id = this.valueIdOf[write]
    for (let i = this.readersFrom[id]; i < this.readersFrom[id + 1]; i++) {
      const reader = this.readers[i]
      if (--indegree[reader] === 0) ready.push(reader)
    }
  }

  /**
   * No op is ready: some reads return values written in their own causal future. Follows
   * blocked reads to writes and writes to the blocked read heading their session until a
   * session repeats: that is a cycle; one of its reads-from edges is dropped.
   */
  #breakCycle(indegree: SmallIntColumn, ready: number[]): void {
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
  #blockedHeads(indegree: SmallIntColumn): Map<number, number> {
    const heads = new Map<number, number>()
    for (let s = 0; s < this.sessions; s++) {
      for (let i = this.chainFrom[s]; i < this.chainFrom[s + 1]; i++) {
        if (indegree[this.chain[i]] > 0) {
          heads.set(s, this.chain[i])
          break
        }
      }
    }
    return heads
  }

  /** A writer of `reader` not done yet: its reads-from edge still holds the reader back. */
  #pendingWriter(reader: number, indegree: SmallIntColumn): number {
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
   * among the ops in `to`'s past (`clock` at `base`), with each stretch of one session's program
   * order given by its first and last op; undefined when none is found within a bounded
   * search. For examples only.
   */
  path(from: number, to: number, clock: Clocks, base: number): number[] | undefined {
    const parent = new Map<number, number>([[from, -1]])
    const queue = [from]
    for (let head = 0; head < queue.length && queue.length < PATH_SEARCH_LIMIT; head++) {
      const op = queue[head]
      if (op === to) {
        const path: number[] = []
        for (let at = to; at >= 0; at = parent.get(at) as number) path.push(at)
        return this.#shortened(path.reverse())
      }
      for (const next of this.successors(op)) {
        if (parent.has(next)) continue
        if (next !== to && (this.kind[next] === FINAL_READ || !this.inPastOp(next, clock, base))) continue
        parent.set(next, op)
        queue.push(next)
      }
    }
    return undefined
  }

  /** The path with the ops inside a stretch of one session's chain left out (they only step through its program order). */
  #shortened(path: number[]): number[] {
    const chained = (a: number, b: number): boolean => this.pos[a] > 0 && this.pos[b] > 0 && this.sessionOf[a] === this.sessionOf[b]
    return path.filter((op, i) => i === 0 || i === path.length - 1 || !chained(path[i - 1], op) || !chained(op, path[i + 1]))
  }
}
