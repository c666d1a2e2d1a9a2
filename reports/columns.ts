/**
 * Growable typed-array columns and string interning: the storage under the op table.
 * One row per op in typed arrays costs ~100 bytes, where a parsed record costs ~1 KB,
 * which is what lets a 1M-op history fit well under 1 GiB.
 */

type TypedArray = Float64Array | Int32Array

/** An append-only column of numbers backed by a typed array that doubles as it fills: `data[0 .. length)` is filled. */
class Column<T extends TypedArray> {
  #make: (size: number) => T
  data: T
  length = 0

  constructor(make: (size: number) => T, capacity = 1024) {
    this.#make = make
    this.data = make(capacity)
  }

  push(value: number): void {
    if (this.length === this.data.length) this.#grow()
    this.data[this.length++] = value
  }

  #grow(): void {
    const bigger = this.#make(this.data.length * 2)
    bigger.set(this.data)
    this.data = bigger
  }
}

export class F64Column extends Column<Float64Array> {
  constructor(capacity?: number) {
    super((n) => new Float64Array(n), capacity)
  }
}

export class I32Column extends Column<Int32Array> {
  constructor(capacity?: number) {
    super((n) => new Int32Array(n), capacity)
  }
}

/**
 * Typed arrays in shared memory: what a worker thread (writing a CSV file) reads without a
 * copy while this thread goes on.
 */
export const shared = {
  int32: (length: number): Int32Array => new Int32Array(new SharedArrayBuffer(length * 4)),
  float64: (length: number): Float64Array => new Float64Array(new SharedArrayBuffer(length * 8)),
  uint8: (length: number): Uint8Array => new Uint8Array(new SharedArrayBuffer(length)),
}

/** The column in the fewest bits (8, 16 or 32) that holds every value of `column` (in shared memory), or `column` itself. */
export function narrowedInts(column: Int32Array): Int32Array | Int16Array | Int8Array {
  let min = 0
  let max = 0
  for (let i = 0; i < column.length; i++) {
    if (column[i] < min) min = column[i]
    else if (column[i] > max) max = column[i]
  }
  const bytes = min >= -0x80 && max <= 0x7f ? 1 : min >= -0x8000 && max <= 0x7fff ? 2 : 4
  if (bytes === 4) return column
  const buffer = new SharedArrayBuffer(column.length * bytes)
  const narrow = bytes === 1 ? new Int8Array(buffer) : new Int16Array(buffer)
  narrow.set(column)
  return narrow
}

/** Maps strings to dense ids 0, 1, 2... in order of first appearance. */
export class Interner {
  #ids = new Map<string, number>()
  readonly names: string[] = []

  /** An interner holding `names` with their ids (as another thread's interner arrives: its names only). */
  static of(names: readonly string[]): Interner {
    const interner = new Interner()
    for (const name of names) interner.id(name)
    return interner
  }

  id(name: string): number {
    let id = this.#ids.get(name)
    if (id === undefined) {
      id = this.names.length
      this.#ids.set(name, id)
      this.names.push(name)
    }
    return id
  }

  /** The id of a name already seen, or -1. */
  find(name: string): number {
    return this.#ids.get(name) ?? -1
  }

  get size(): number {
    return this.names.length
  }
}

/**
 * A 53-bit hash of `key`, a tag and `text` (two 32-bit FNV-1a variants over their
 * characters, no string built), for matching values without keeping them: two different
 * inputs collide with probability ~2^-53.
 */
export function hashKeyed(key: string, tag: number, text: string): number {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ (key.length * 31 + text.length)
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  a = Math.imul(a ^ (0x10000 + tag), 0x01000193)
  b = Math.imul(b ^ (0x10000 + tag), 0x5bd1e995)
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) >>> 11)
}

/**
 * An id per (session, key) pair (a read frontier's, a session state's): an array indexed by
 * `session * keys + key` when there are at most `denseLimit` pairs, else a Map. (1M ops over
 * 10,000 keys and 64 sessions: 340k frontiers took ~15 MiB of heap in a Map, 2.5 MiB in the array.)
 */
export class PairIds {
  #keys: number
  #dense: Int32Array | undefined
  #sparse = new Map<number, number>()

  constructor(sessions: number, keys: number, denseLimit: number) {
    this.#keys = keys
    if (sessions * keys <= denseLimit) this.#dense = new Int32Array(sessions * keys).fill(-1)
  }

  /** The pair's id, or -1 when it has none. */
  get(session: number, key: number): number {
    const pair = session * this.#keys + key
    return (this.#dense ? this.#dense[pair] : this.#sparse.get(pair)) ?? -1
  }

  set(session: number, key: number, id: number): void {
    const pair = session * this.#keys + key
    if (this.#dense) this.#dense[pair] = id
    else this.#sparse.set(pair, id)
  }
}
