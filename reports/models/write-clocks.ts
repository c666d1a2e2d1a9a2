/**
 * The vector clocks of a causal order's writes (causal-order.ts), stored compactly. A write's
 * clock is a snapshot of its session's running clock, which only grows, so each session keeps
 * a checkpoint (a full clock it took earlier) and each of its writes stores only how it
 * differs from that checkpoint:
 * - sparse: the entries that differ, as (session, value) pairs, when at most
 *   {@link SPARSE_LIMIT} do (1M ops over 10,000 keys: 2.7 entries change between two writes of
 *   a session on average, 73% of writes change none);
 * - dense: one byte per session over the checkpoint, when many differ by little (1M ops over
 *   16 hot keys: 23 of 64 entries change between two writes of a session);
 * - else a new checkpoint, which the write points at with no entries.
 * A checkpoint that served few sparse writes is followed by dense ones, else by a new one.
 *
 * An entry is read with at most {@link SPARSE_LIMIT} comparisons, a clock joined in one pass
 * over the checkpoint plus its entries. Dense storage takes 2 bytes (4 when positions exceed
 * 65,534) per write per session; this, on 1M ops: a third of it over 10,000 keys, 57% over 16.
 *
 * All of it sits in one buffer sized for the worst case (every write a checkpoint, a dense
 * write and a full sparse one): a zeroed buffer that large is mapped, not written, so only
 * the pages written become resident, and nothing is copied as it fills (growing arrays left
 * up to half their room unused, at the walk's end, which is the analysis' peak).
 */
import type { Clocks } from './causal-graph.ts'

/** Most entries a sparse write stores; past it the write is dense or starts a checkpoint. */
export const SPARSE_LIMIT = 16
/** Sparse writes a checkpoint must have served for the next large change to start a new one (else that write is dense). */
const SPARSE_USES_FOR_CHECKPOINT = 1
/** `count` of a dense write. */
const DENSE = 0xff
/** `checkpointOf` of a write with no clock stored: every entry is 0. */
const NONE = -1

export class WriteClocks {
  readonly #sessions: number
  /** Per write id: its checkpoint (or {@link NONE}), where its entries start, and how many (or {@link DENSE}). */
  readonly #checkpointOf: Int32Array
  readonly #start: Int32Array
  readonly #count: Uint8Array
  /** Checkpoint c: entries c * sessions .. (c + 1) * sessions; how many entries are used. */
  readonly #checkpoints: Clocks
  #checkpointsUsed = 0
  /** Sparse writes' (session, value) pairs; how many are used. */
  readonly #entrySession: Uint8Array | Uint16Array | Int32Array
  readonly #entryValue: Clocks
  #entriesUsed = 0
  /** Dense writes' bytes over their checkpoint, one per session; how many are used. */
  readonly #bytes: Uint8Array
  #bytesUsed = 0
  /** Per session: its checkpoint, or -1; sparse writes it served. */
  readonly #current: Int32Array
  readonly #uses: Int32Array

  /** `ids` writes (ids 0 .. ids - 1) of `sessions` sessions; `wide`: entries need 32 bits (else 16). */
  constructor(ids: number, sessions: number, wide: boolean) {
    this.#sessions = sessions
    this.#checkpointOf = new Int32Array(ids).fill(NONE)
    this.#start = new Int32Array(ids)
    this.#count = new Uint8Array(ids)
    const width = wide ? 4 : 2
    const sessionWidth = sessions <= 0x100 ? 1 : sessions <= 0x10000 ? 2 : 4
    const sparse = ids * SPARSE_LIMIT
    // Widest first, so each part starts aligned to its type.
    const parts = [ids * sessions * width, sparse * width, sparse * sessionWidth, ids * sessions]
    const at = parts.map((_, i) => parts.slice(0, i).reduce((sum, bytes) => sum + Math.ceil(bytes / 4) * 4, 0))
    const buffer = new ArrayBuffer(at[3] + parts[3])
    const clocks = (offset: number, length: number): Clocks =>
      wide ? new Int32Array(buffer, offset, length) : new Uint16Array(buffer, offset, length)
    this.#checkpoints = clocks(at[0], ids * sessions)
    this.#entryValue = clocks(at[1], sparse)
    this.#entrySession =
      sessionWidth === 1
        ? new Uint8Array(buffer, at[2], sparse)
        : sessionWidth === 2
          ? new Uint16Array(buffer, at[2], sparse)
          : new Int32Array(buffer, at[2], sparse)
    this.#bytes = new Uint8Array(buffer, at[3], ids * sessions)
    this.#current = new Int32Array(sessions).fill(-1)
    this.#uses = new Int32Array(sessions)
  }

  /**
   * Stores write `id`'s clock, `clock[base .. base + sessions)`, a snapshot of session s's
   * running clock: each snapshot of s is to be taken no earlier than the one stored before it
   * (a snapshot below s's checkpoint in some entry starts a new checkpoint). Once per write.
   */
  store(id: number, s: number, clock: Clocks, base: number): void {
    // Once per write is what bounds each part of the buffer.
    if (this.#checkpointOf[id] !== NONE) throw new Error(`write clocks: write ${id} stored twice`)
    const S = this.#sessions
    const c = this.#current[s]
    if (c >= 0) {
      const cp = this.#checkpoints
      const from = c * S
      // One pass: the differences go to the dense bytes' next place as they are found (kept
      // only if the write is stored dense); `bits` has a bit above 0xff set once any
      // difference is negative (two's complement) or too large for a byte.
      const bytes = this.#bytes
      const next = this.#bytesUsed
      let differ = 0
      let bits = 0
      for (let j = 0; j < S; j++) {
        const d = clock[base + j] - cp[from + j]
        bytes[next + j] = d
        bits |= d
        if (d !== 0) differ++
      }
      if (bits >= 0) {
        if (differ <= SPARSE_LIMIT) {
          const at = this.#entriesUsed
          this.#entriesUsed += differ
          this.#describe(id, c, at, differ)
          const sessions = this.#entrySession
          const values = this.#entryValue
          for (let j = 0, i = at; i < at + differ; j++) {
            if (clock[base + j] === cp[from + j]) continue
            sessions[i] = j
            values[i++] = clock[base + j]
          }
          this.#uses[s]++
          return
        }
        if (bits <= 0xff && this.#uses[s] < SPARSE_USES_FOR_CHECKPOINT) {
          this.#bytesUsed += S
          this.#describe(id, c, next, DENSE)
          return
        }
      }
    }
    const at = this.#checkpointsUsed
    this.#checkpointsUsed += S
    const fresh = at / S
    const cp = this.#checkpoints
    for (let j = 0; j < S; j++) cp[at + j] = clock[base + j]
    this.#current[s] = fresh
    this.#uses[s] = 0
    this.#describe(id, fresh, 0, 0)
  }

  #describe(id: number, checkpoint: number, start: number, count: number): void {
    this.#checkpointOf[id] = checkpoint
    this.#start[id] = start
    this.#count[id] = count
  }

  /** Entry q of write `id`'s clock (0 when none was stored). */
  entry(id: number, q: number): number {
    const c = this.#checkpointOf[id]
    if (c === NONE) return 0
    const at = c * this.#sessions + q
    const count = this.#count[id]
    const start = this.#start[id]
    if (count === DENSE) return this.#checkpoints[at] + this.#bytes[start + q]
    const sessions = this.#entrySession
    // Pairs are in session order.
    for (let i = start; i < start + count; i++) {
      const s = sessions[i]
      if (s === q) return this.#entryValue[i]
      if (s > q) break
    }
    return this.#checkpoints[at]
  }

  /** Joins write `id`'s clock into `clock[base .. base + sessions)`: each entry becomes the larger of the two. */
  joinInto(id: number, clock: Clocks, base: number): void {
    const c = this.#checkpointOf[id]
    if (c === NONE) return
    const S = this.#sessions
    const cp = this.#checkpoints
    const from = c * S
    const count = this.#count[id]
    const start = this.#start[id]
    if (count === DENSE) {
      const bytes = this.#bytes
      for (let j = 0; j < S; j++) {
        const v = cp[from + j] + bytes[start + j]
        if (v > clock[base + j]) clock[base + j] = v
      }
      return
    }
    for (let j = 0; j < S; j++) {
      const v = cp[from + j]
      if (v > clock[base + j]) clock[base + j] = v
    }
    // A sparse entry is above its checkpoint's, so joining it after the checkpoint is right.
    const sessions = this.#entrySession
    const values = this.#entryValue
    for (let i = start; i < start + count; i++) {
      const v = values[i]
      if (v > clock[base + sessions[i]]) clock[base + sessions[i]] = v
    }
  }

  /** Write `id`'s clock into `out[base .. base + sessions)`. */
  copyTo(id: number, out: Clocks, base: number): void {
    out.fill(0, base, base + this.#sessions)
    this.joinInto(id, out, base)
  }

  /** Bytes the stored clocks take (the parts of the buffer written, and the per-write fields). */
  get bytes(): number {
    const width = this.#checkpoints.BYTES_PER_ELEMENT
    const used = this.#checkpointsUsed * width + this.#entriesUsed * (width + this.#entrySession.BYTES_PER_ELEMENT) + this.#bytesUsed
    return used + this.#checkpointOf.length * 9
  }
}
