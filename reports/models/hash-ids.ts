/**
 * A map from numbers (the op table's 53-bit value hashes) to ids, in typed arrays with open
 * addressing: a `Map` keyed by numbers that are not small integers boxes every key as a heap
 * object, which for the ~500k distinct values of a 1M-op history cost ~80 MB of heap and
 * most of the time of building the model checkers' histories.
 */

const EMPTY = -1
/** Kept at most half full, so probes stay short. */
const MIN_CAPACITY = 16
const TWO_32 = 2 ** 32

export class HashIds {
  #keys: Float64Array
  /** The id stored for the key in the same slot; {@link EMPTY}: a free slot. */
  #ids: Int32Array
  #mask: number
  #size = 0

  /** `expected`: how many keys are likely (the table grows past it). */
  constructor(expected = 1024) {
    let capacity = MIN_CAPACITY
    while (capacity < 2 * expected) capacity *= 2
    this.#keys = new Float64Array(capacity)
    this.#ids = new Int32Array(capacity).fill(EMPTY)
    this.#mask = capacity - 1
  }

  /** How many keys have an id. */
  get size(): number {
    return this.#size
  }

  /** How many slots the table has (twice the keys it holds before it grows, at least). */
  get capacity(): number {
    return this.#keys.length
  }

  /** Forgets every key; the table keeps its size. */
  clear(): void {
    this.#ids.fill(EMPTY)
    this.#size = 0
  }

  /** The id of `key`; when it has none yet, `id` (a non-negative integer) becomes its id and is returned. */
  intern(key: number, id: number): number {
    let slot = this.#slotOf(key)
    const ids = this.#ids
    const keys = this.#keys
    while (ids[slot] !== EMPTY) {
      if (keys[slot] === key) return ids[slot]
      slot = (slot + 1) & this.#mask
    }
    keys[slot] = key
    ids[slot] = id
    this.#size += 1
    if (2 * this.#size > this.#mask) this.#grow()
    return id
  }

  /** A slot from the key's low and high 32 bits, mixed (murmur3's finaliser). */
  #slotOf(key: number): number {
    let h = (key >>> 0) ^ Math.imul(Math.floor(key / TWO_32) | 0, 0x9e3779b1)
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
    return (h ^ (h >>> 16)) & this.#mask
  }

  #grow(): void {
    const keys = this.#keys
    const ids = this.#ids
    this.#keys = new Float64Array(keys.length * 2)
    this.#ids = new Int32Array(ids.length * 2).fill(EMPTY)
    this.#mask = this.#keys.length - 1
    for (let i = 0; i < keys.length; i++) {
      if (ids[i] === EMPTY) continue
      let slot = this.#slotOf(keys[i])
      while (this.#ids[slot] !== EMPTY) slot = (slot + 1) & this.#mask
      this.#keys[slot] = keys[i]
      this.#ids[slot] = ids[i]
    }
  }
}
