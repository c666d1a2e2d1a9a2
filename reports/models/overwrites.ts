/**
 * Where each value in flight is first overwritten, per session. For a write x that some read
 * still to be judged returns, and each session q, two positions on q's chain:
 * - W: q's first write of x's key that follows x (x → w);
 * - C: q's first op that brings a write of x's key following x into q's past by q's own doing:
 *   q's write of the key, or q's read of an info write of the key that follows x (an info
 *   write is in a past only through its readers).
 * Kept up to date during the causal order's walk. Then "is x overwritten in this read's past
 * (clock V)?" is "is some C entry <= V[q]?", and read-your-writes and monotonic writes are
 * questions about W entries (see session-values.ts).
 *
 * A value is open (has a row) from its write until its last reader has been judged; only
 * open values need entries, and a key has few at a time, so each covering event tests just
 * its key's open values: a chain write x is in an event's strict past when the event's clock
 * reaches x's position, an info write when it reaches one of x's readers. Rows are reused
 * (a slab with a free list), so the table stays small and in cache.
 */
import type { Clocks } from './causal-graph.ts'

/** What a covering event is: a session's write (sets W and C) or a session's read of an info write (sets C). */
export const BY_WRITE = 0
export const BY_INFO_READ = 1
type Kind = typeof BY_WRITE | typeof BY_INFO_READ

/** An open value on a chain has no readers list here. */
const ON_CHAIN = new Int32Array(0)

export class Overwrites {
  #sessions: number
  #make: (length: number) => Clocks
  /** The largest value of the clocks' type: no entry yet. */
  readonly never: number
  /** Slab row of each value id, or -1 (not open). */
  #rowOf: Int32Array
  /** Row r: W entries at r * 2S, C entries at r * 2S + S. */
  #table: Clocks
  /**
   * Row r: the sessions whose C entry is set, at r * S, and how many: most values are read
   * before more than a few sessions follow them, so {@link overwritten} tests those, not all S.
   */
  #covered: Int32Array
  #coveredCount: Int32Array
  #free: number[] = []
  #used = 0
  /**
   * Per row: where its value is, on a chain (its session and position) or off the chains (its
   * readers, as (session, position) pairs; session -1); and its key; per key, its open rows.
   * Small-integer arrays, not an object per value opened (half a million on 1M ops).
   */
  #placeSession: number[] = []
  #placePos: number[] = []
  #placeReaders: Int32Array[] = []
  #keyOf: number[] = []
  /** By key id (an array, not a map: a lookup at every write and every close). */
  #open: number[][]
  /** Per row: its index in its key's open rows (so closing it needs no search of them). */
  #openAt: number[] = []

  /** `ids`: how many values there are (ids 0 .. ids - 1); `keys`: how many keys. */
  constructor(ids: number, keys: number, sessions: number, make: (length: number) => Clocks) {
    this.#sessions = sessions
    this.#open = Array.from({ length: keys }, () => [])
    this.#make = make
    this.never = make(1) instanceof Uint16Array ? 0xffff : 0x7fffffff
    this.#rowOf = new Int32Array(ids).fill(-1)
    this.#table = make(64 * 2 * sessions)
    this.#covered = new Int32Array(64 * sessions)
    this.#coveredCount = new Int32Array(64)
  }

  /** Opens value `id` of `key`, written at `pos` on session s's chain: from now on what overwrites it is recorded. */
  openOnChain(id: number, key: number, session: number, pos: number): void {
    this.#openRow(id, key, session, pos, ON_CHAIN)
  }

  /** Opens value `id` of `key`, an info write off the chains, in a past once one of its readers ((session, position) pairs) is. */
  openOffChain(id: number, key: number, readers: Int32Array): void {
    this.#openRow(id, key, -1, 0, readers)
  }

  #openRow(id: number, key: number, session: number, pos: number, readers: Int32Array): void {
    const width = 2 * this.#sessions
    let row = this.#free.pop()
    if (row === undefined) {
      row = this.#used++
      if ((row + 1) * width > this.#table.length) {
        const bigger = this.#make(this.#table.length * 2)
        bigger.set(this.#table)
        this.#table = bigger
        const covered = new Int32Array(this.#covered.length * 2)
        covered.set(this.#covered)
        this.#covered = covered
        const counts = new Int32Array(this.#coveredCount.length * 2)
        counts.set(this.#coveredCount)
        this.#coveredCount = counts
      }
    }
    this.#table.fill(this.never, row * width, (row + 1) * width)
    this.#coveredCount[row] = 0
    this.#rowOf[id] = row
    this.#placeSession[row] = session
    this.#placePos[row] = pos
    this.#placeReaders[row] = readers
    this.#keyOf[row] = key
    const open = this.#open[key]
    this.#openAt[row] = open.length
    open.push(row)
  }

  /** True while value `id` has a row (from its write until its last reader is judged). */
  isOpen(id: number): boolean {
    return this.#rowOf[id] >= 0
  }

  /** Value `id` has no reader left to judge: its row is freed. */
  close(id: number): void {
    const row = this.#rowOf[id]
    if (!(row >= 0)) return
    this.#rowOf[id] = -1
    this.#free.push(row)
    const open = this.#open[this.#keyOf[row]]
    const at = this.#openAt[row]
    const last = open[open.length - 1]
    open[at] = last
    this.#openAt[last] = at
    open.pop()
  }

  /** True when a write of the key following (open) value `id` is in the past `clock` at `base` describes. */
  overwritten(id: number, clock: Clocks, base: number): boolean {
    const S = this.#sessions
    const row = this.#rowOf[id]
    const c = row * 2 * S + S
    const table = this.#table
    const covered = this.#covered
    for (let i = row * S; i < row * S + this.#coveredCount[row]; i++) {
      const q = covered[i]
      if (table[c + q] <= clock[base + q]) return true
    }
    return false
  }

  /**
   * The sessions that have followed (open) value `id` (whose C entry is set; every session
   * with a W entry is among them), in the order they did: `coveredSessions()[coveredFrom(id) ..
   * coveredTo(id))`, valid until a value is next opened.
   */
  coveredSessions(): Int32Array {
    return this.#covered
  }

  coveredFrom(id: number): number {
    return this.#rowOf[id] * this.#sessions
  }

  coveredTo(id: number): number {
    const row = this.#rowOf[id]
    return row * this.#sessions + this.#coveredCount[row]
  }

  /** Session q's first write of the key following (open) value `id`: a position, or {@link never}. */
  firstWrite(id: number, q: number): number {
    return this.#table[this.#rowOf[id] * 2 * this.#sessions + q]
  }

  /**
   * Session s, at position `at`, has just written `key` (kind {@link BY_WRITE}; `clock` at
   * `base` is the write's, whose own position on s counts strictly before it) or read an info
   * write of `key` ({@link BY_INFO_READ}; the clock is the info write's). Every open value of
   * the key in that past is overwritten from `at` on s, unless it was already.
   */
  cover(kind: Kind, key: number, s: number, clock: Clocks, base: number, at: number): void {
    const open = this.#open[key]
    const S = this.#sessions
    const table = this.#table
    for (const row of open) {
      const session = this.#placeSession[row]
      let covered = false
      if (session >= 0) covered = clock[base + session] - (kind === BY_WRITE && session === s ? 1 : 0) >= this.#placePos[row]
      else {
        const readers = this.#placeReaders[row]
        for (let i = 0; i < readers.length && !covered; i += 2) covered = clock[base + readers[i]] >= readers[i + 1]
      }
      if (!covered) continue
      const start = row * 2 * S
      if (table[start + S + s] === this.never) {
        table[start + S + s] = at
        this.#covered[row * S + this.#coveredCount[row]++] = s
      }
      if (kind === BY_WRITE && table[start + s] === this.never) table[start + s] = at
    }
  }
}
