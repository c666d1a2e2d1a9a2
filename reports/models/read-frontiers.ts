/**
 * The read frontiers of session-values.ts, all of them in one arena of typed arrays. A
 * frontier belongs to one session and one key: after each read of the session that changed
 * it, a snapshot of the maximal values its reads of the key returned, at a position (the
 * caller's, ascending). Each frontier's snapshots and values stay contiguous (binary search by
 * position) and move to the arena's end, with twice the room, when they outgrow it.
 * The parts they leave behind are dropped by compacting the arena in place when it is full
 * and they make up enough of it: on 1M ops over 16 keys the frontiers grow in step, so the
 * dead parts are about half of each arena whenever it fills, and compacting instead of
 * doubling kept the values in 16 MiB where they took 17.7 MiB in an array twice that size.
 *
 * Why an arena: a 1M-op history over 10,000 keys and 64 sessions has a few hundred thousand
 * frontiers, most of one or two snapshots; as objects holding three arrays each they took
 * ~220 MiB, here a few dozen bytes each.
 */
import { I32Column } from '../columns.ts'

export class ReadFrontiers {
  /** Per frontier: its session, where its snapshots and values start, how many, and the room each has. */
  #session = new I32Column()
  #snapStart = new I32Column()
  #snapCount = new I32Column()
  #snapRoom = new I32Column()
  #valueStart = new I32Column()
  #valueCount = new I32Column()
  #valueRoom = new I32Column()
  /**
   * Per snapshot: its position (ascending within a frontier; session-values.ts gives the
   * position of its session's next write after the read that took it), and the end of its
   * values (from its frontier's first value).
   */
  #pos = new I32Column()
  #end = new I32Column()
  /** Every frontier's values, snapshot after snapshot. */
  #values = new I32Column()
  /** Slots of each arena left behind by frontiers that moved to its end. */
  #deadSnapshots = 0
  #deadValues = 0
  #compactions = 0

  /** A new empty frontier of `session`; returns its id. */
  create(session: number): number {
    const id = this.#session.length
    this.#session.push(session)
    for (const column of [this.#snapStart, this.#snapCount, this.#snapRoom, this.#valueStart, this.#valueCount, this.#valueRoom]) {
      column.push(0)
    }
    return id
  }

  session(frontier: number): number {
    return this.#session.data[frontier]
  }

  /** How many snapshots the frontier has. */
  count(frontier: number): number {
    return this.#snapCount.data[frontier]
  }

  /** Index of the frontier's last snapshot at a position < limit, or -1. */
  before(frontier: number, limit: number): number {
    const pos = this.#pos.data
    const start = this.#snapStart.data[frontier]
    let lo = 0
    let hi = this.#snapCount.data[frontier] - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (pos[start + mid] < limit) {
        found = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return found
  }

  /** The values of snapshot `i` of the frontier: `values()[from .. to)`. */
  range(frontier: number, i: number): { from: number; to: number } {
    const base = this.#valueStart.data[frontier]
    const snaps = this.#snapStart.data[frontier]
    const end = this.#end.data
    return { from: base + (i === 0 ? 0 : end[snaps + i - 1]), to: base + end[snaps + i] }
  }

  /** The arena of values that {@link range} indexes; valid until the next {@link append}. */
  values(): Int32Array {
    return this.#values.data
  }

  /** Adds a snapshot at `pos` (no lower than the frontier's last one), holding `values[0 .. length)`. */
  append(frontier: number, pos: number, values: ArrayLike<number>, length = values.length): void {
    const count = this.#snapCount.data[frontier]
    if (count === this.#snapRoom.data[frontier]) this.#moveSnapshots(frontier, Math.max(2, 2 * count))
    const used = this.#valueCount.data[frontier]
    if (used + length > this.#valueRoom.data[frontier]) {
      this.#moveValues(frontier, Math.max(2, 2 * (used + length)))
    }
    const at = this.#valueStart.data[frontier] + used
    for (let i = 0; i < length; i++) this.#values.data[at + i] = values[i]
    this.#valueCount.data[frontier] = used + length
    const slot = this.#snapStart.data[frontier] + count
    this.#pos.data[slot] = pos
    this.#end.data[slot] = used + length
    this.#snapCount.data[frontier] = count + 1
  }

  /** How many times an arena was compacted, and each arena's size in slots (what is resident at most): for the specs. */
  stats(): { compactions: number; snapshotSlots: number; valueSlots: number } {
    return { compactions: this.#compactions, snapshotSlots: this.#pos.data.length, valueSlots: this.#values.data.length }
  }

  /** Gives the frontier's snapshots `room` slots at the arena's end, keeping those it has. */
  #moveSnapshots(frontier: number, room: number): void {
    if (mustCompact(this.#pos.length, this.#pos.data.length, this.#deadSnapshots, room)) {
      this.#compact(this.#snapStart.data, this.#snapCount.data, this.#snapRoom.data, [this.#pos, this.#end])
      this.#deadSnapshots = 0
    }
    const start = this.#snapStart.data[frontier]
    const count = this.#snapCount.data[frontier]
    const moved = this.#pos.length
    for (let i = 0; i < room; i++) {
      this.#pos.push(i < count ? this.#pos.data[start + i] : 0)
      this.#end.push(i < count ? this.#end.data[start + i] : 0)
    }
    this.#deadSnapshots += this.#snapRoom.data[frontier]
    this.#snapStart.data[frontier] = moved
    this.#snapRoom.data[frontier] = room
  }

  /** Gives the frontier's values `room` slots at the arena's end, keeping those it has. */
  #moveValues(frontier: number, room: number): void {
    if (mustCompact(this.#values.length, this.#values.data.length, this.#deadValues, room)) {
      this.#compact(this.#valueStart.data, this.#valueCount.data, this.#valueRoom.data, [this.#values])
      this.#deadValues = 0
    }
    const start = this.#valueStart.data[frontier]
    const count = this.#valueCount.data[frontier]
    const moved = this.#values.length
    for (let i = 0; i < room; i++) this.#values.push(i < count ? this.#values.data[start + i] : 0)
    this.#deadValues += this.#valueRoom.data[frontier]
    this.#valueStart.data[frontier] = moved
    this.#valueRoom.data[frontier] = room
  }

  /**
   * Slides every frontier's part of an arena down over the parts left behind, in the order
   * the parts lie (so none is overwritten before it is moved), keeping each its room.
   */
  #compact(start: Int32Array, count: Int32Array, room: Int32Array, arena: I32Column[]): void {
    const frontiers = this.#session.length
    let parts = 0
    const order = new Int32Array(frontiers)
    for (let f = 0; f < frontiers; f++) if (room[f] > 0) order[parts++] = f
    const placed = order.subarray(0, parts).sort((a, b) => start[a] - start[b])
    let at = 0
    for (const f of placed) {
      if (start[f] !== at) for (const column of arena) column.data.copyWithin(at, start[f], start[f] + count[f])
      start[f] = at
      at += room[f]
    }
    for (const column of arena) column.length = at
    this.#compactions++
  }
}

/**
 * Whether an arena of `length` slots in `capacity`, `dead` of them left behind, is compacted
 * before `room` more are taken: when they would not fit and the live slots and the room
 * then fill at most 3/4 of it, so at least a quarter of the arena is written between two
 * compactions (each costs a pass over the live slots).
 */
function mustCompact(length: number, capacity: number, dead: number, room: number): boolean {
  return length + room > capacity && 4 * (length - dead + room) <= 3 * capacity
}
