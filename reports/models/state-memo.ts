/**
 * Lowe's memoization for the searches: the set of search states already explored (which
 * ops are placed, and the register's state), each encoded by the search as a short list
 * of integers. An open-addressing hash set over one growing Int32Array, so millions of
 * states cost no object each; exact (keys are compared whole, never by hash alone).
 */

const EMPTY = 0

export class StateMemo {
  // Small at first, growing by doubling: most keys' searches hold a few dozen states, and a
  // 1M-op history makes thousands of memos.
  /** Slot -> offset + 1 of the state in the pool; 0: empty. */
  #slots = new Int32Array(64)
  /** Per state: hash, length, then the key's integers. */
  #pool = new Int32Array(1024)
  #used = 0
  #count = 0

  /** Integers held (a measure of the memory the memo takes: 4 bytes each). */
  get size(): number {
    return this.#used + this.#slots.length
  }

  /** Adds the state `key[0..length)`; true when it was not there yet. */
  add(key: Int32Array, length: number): boolean {
    let hash = 0x811c9dc5 ^ length
    for (let i = 0; i < length; i++) {
      hash = Math.imul(hash ^ key[i], 0x01000193)
      hash ^= hash >>> 13
    }
    hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b)
    const mask = this.#slots.length - 1
    const pool = this.#pool
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = this.#slots[slot]
      if (at === EMPTY) break
      const start = at - 1
      if (pool[start] !== hash || pool[start + 1] !== length) continue
      let same = true
      for (let i = 0; i < length; i++) {
        if (pool[start + 2 + i] !== key[i]) {
          same = false
          break
        }
      }
      if (same) return false
    }
    this.#insert(hash, key, length)
    return true
  }

  #insert(hash: number, key: Int32Array, length: number): void {
    if (this.#used + length + 2 > this.#pool.length) {
      const bigger = new Int32Array(Math.max(this.#pool.length * 2, this.#used + length + 2))
      bigger.set(this.#pool.subarray(0, this.#used))
      this.#pool = bigger
    }
    const start = this.#used
    this.#pool[start] = hash
    this.#pool[start + 1] = length
    this.#pool.set(key.subarray(0, length), start + 2)
    this.#used += length + 2
    this.#count += 1
    if (this.#count * 2 > this.#slots.length) this.#rehash()
    else this.#place(hash, start)
  }

  #place(hash: number, start: number): void {
    const mask = this.#slots.length - 1
    let slot = hash & mask
    while (this.#slots[slot] !== EMPTY) slot = (slot + 1) & mask
    this.#slots[slot] = start + 1
  }

  /** Doubles the slots and places every state again (the newest too). */
  #rehash(): void {
    this.#slots = new Int32Array(this.#slots.length * 2)
    for (let start = 0; start < this.#used; start += this.#pool[start + 1] + 2) this.#place(this.#pool[start], start)
  }
}
