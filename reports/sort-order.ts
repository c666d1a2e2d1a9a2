/**
 * The order that sorts a column of numbers, stably, without a comparator: an LSD radix sort
 * over the numbers' 64-bit patterns, 16 bits a pass. For the half-million-entry columns of
 * a 1M-op analysis it is linear, where `Array.prototype.sort` with a comparator function
 * calls it some ten million times.
 */

import { endianness } from 'node:os'

const LITTLE_ENDIAN = endianness() === 'LE'
const PASSES = 4
const BUCKETS = 1 << 16

/**
 * Indexes 0..keys.length-1 ordered by `keys[i]` ascending, equal keys (-0 and 0 too) in
 * index order, as a stable comparator sort orders them; NaN after every number.
 */
export function sortOrder(keys: Float64Array): Int32Array {
  const count = keys.length
  if (!LITTLE_ENDIAN) return Int32Array.from(Array.from({ length: count }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b))
  if (wholeUint32(keys)) return uint32Order(keys)
  const bits = orderedBits(keys)
  let order = identity(count)
  let next: Int32Array = new Int32Array(count)
  const counts = new Int32Array(BUCKETS)
  for (let pass = 0; pass < PASSES; pass++) {
    if (!radixPass(bits, pass >> 1, (pass & 1) * 16, order, next, counts)) continue
    ;[order, next] = [next, order]
  }
  return order
}

// Each loop below is a function of its own: V8 compiles a long-running loop on the spot (OSR),
// and in one long function the code after that loop had not run yet, so the compiled code
// bailed out there and the function was compiled again (11 times in a 1M-op analysis).

/**
 * Each key's bits (low word first, on a little-endian machine), made to compare as unsigned
 * integers in numeric order: a negative number's bits all flipped, a positive's sign bit set.
 */
function orderedBits(keys: Float64Array): Uint32Array {
  const count = keys.length
  const bits = new Uint32Array(2 * count)
  const asBits = new Uint32Array(keys.buffer, keys.byteOffset, 2 * count)
  for (let i = 0; i < count; i++) {
    const high = asBits[2 * i + 1]
    if (keys[i] === 0) {
      bits[2 * i + 1] = 0x8000_0000
    } else if (high >>> 31 === 1) {
      bits[2 * i] = ~asBits[2 * i] >>> 0
      bits[2 * i + 1] = ~high >>> 0
    } else {
      bits[2 * i] = asBits[2 * i]
      bits[2 * i + 1] = (high | 0x8000_0000) >>> 0
    }
  }
  return bits
}

/** 0, 1, ..., count - 1. */
function identity(count: number): Int32Array {
  const order = new Int32Array(count)
  for (let i = 0; i < count; i++) order[i] = i
  return order
}

/**
 * One stable pass over 16 bits (`shift`) of word `word` of each key's {@link orderedBits}:
 * `order` rearranged into `next`. False (and `next` untouched) when every key is the same in
 * those bits, so the pass would move nothing.
 */
function radixPass(bits: Uint32Array, word: number, shift: number, order: Int32Array, next: Int32Array, counts: Int32Array): boolean {
  const count = order.length
  counts.fill(0)
  for (let i = 0; i < count; i++) counts[(bits[2 * i + word] >>> shift) & 0xffff]++
  if (counts[(bits[word] >>> shift) & 0xffff] === count) return false
  startsFromCounts(counts)
  for (let j = 0; j < count; j++) {
    const i = order[j]
    next[counts[(bits[2 * i + word] >>> shift) & 0xffff]++] = i
  }
  return true
}

/** Whether `values` are in ascending order, equal neighbours allowed (NaN makes them not). */
export function ascending(values: ArrayLike<number>): boolean {
  for (let i = 1; i < values.length; i++) if (!(values[i] >= values[i - 1])) return false
  return true
}

/** The last position of `sorted` (ascending) holding at most `value`, or -1. */
export function lastAtMost(sorted: ArrayLike<number>, value: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid] <= value) lo = mid + 1
    else hi = mid
  }
  return lo - 1
}

/** True when every key is a whole number from 0 to 2^32 - 1 (times in µs are): two passes sort them. */
function wholeUint32(keys: Float64Array): boolean {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]
    // -0 passes too: it sorts as 0, as a comparator sort orders it.
    if (!(k >= 0 && k <= 0xffff_ffff && k === Math.floor(k))) return false
  }
  return true
}

/**
 * {@link sortOrder} for whole numbers that fit 32 bits: two 16-bit passes, each key carried
 * with its index so a pass reads both in order (looking a key up by index missed the cache).
 */
function uint32Order(keys: Float64Array): Int32Array {
  const count = keys.length
  let key = Uint32Array.from(keys)
  let order = identity(count)
  let nextKey = new Uint32Array(count)
  let next: Int32Array = new Int32Array(count)
  const counts = new Int32Array(BUCKETS)
  for (let shift = 0; shift < 32; shift += 16) {
    counts.fill(0)
    for (let i = 0; i < count; i++) counts[(key[i] >>> shift) & 0xffff]++
    if (count > 0 && counts[(key[0] >>> shift) & 0xffff] === count) continue
    startsFromCounts(counts)
    for (let j = 0; j < count; j++) {
      const to = counts[(key[j] >>> shift) & 0xffff]++
      nextKey[to] = key[j]
      next[to] = order[j]
    }
    ;[order, next] = [next, order]
    ;[key, nextKey] = [nextKey, key]
  }
  return order
}

/** Turns each bucket's count into where the bucket starts (the counts before it, summed). */
function startsFromCounts(counts: Int32Array): void {
  let sum = 0
  for (let b = 0; b < counts.length; b++) {
    const c = counts[b]
    counts[b] = sum
    sum += c
  }
}
