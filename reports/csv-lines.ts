/**
 * The rows of a big CSV file assembled as bytes: integers written digit by digit and
 * fields from small sets (names) copied from their encoded form, into one buffer that is
 * written out once it fills. A million rows make no string each: assembled as strings,
 * they cost more in garbage collection than in the writing.
 */
import type { FileHandle } from 'node:fs/promises'

const COMMA = 44
const NEWLINE = 10
const ZERO = 48
const INT32_MAX = 2 ** 31 - 1
/** "00" to "99" as bytes: pair p's digits at 2p and 2p + 1. */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, i) => ZERO + (i % 2 === 0 ? Math.floor(i / 20) : (i >> 1) % 10))
/**
 * How many digits a non-negative int32 has, in three or four comparisons: a loop over the
 * powers of ten took nine for the µs times of a long run, a fifth of writing ops.csv.
 */
function digitCount(n: number): number {
  if (n < 100_000) return n < 100 ? (n < 10 ? 1 : 2) : n < 1_000 ? 3 : n < 10_000 ? 4 : 5
  return n < 10_000_000 ? (n < 1_000_000 ? 6 : 7) : n < 100_000_000 ? 8 : n < 1_000_000_000 ? 9 : 10
}

/** A field of a small set (a key, a node, a phase), encoded once to be copied into rows. */
export type EncodedField = Uint8Array

/** Encodes fields that are already CSV text (quoted where they must be). */
export const encodeFields = (fields: readonly string[]): EncodedField[] => fields.map((field) => Buffer.from(field, 'utf8'))

/**
 * CSV rows bound for `file`: add a row's fields with the field methods, then `endRow()`;
 * when it says so, `await flush()`. The buffer (`flushAtBytes`, default 1 MiB) grows for a
 * row longer than what is left of it.
 */
export class CsvLines {
  readonly #file: FileHandle
  readonly #flushAt: number
  #buffer: Buffer
  #at = 0
  #fields = 0

  constructor(file: FileHandle, flushAtBytes = 1 << 20) {
    this.#file = file
    this.#flushAt = flushAtBytes
    this.#buffer = Buffer.allocUnsafe(2 * flushAtBytes)
  }

  /** A number, as `String(n)` writes it. */
  number(n: number): this {
    this.#separate()
    return this.numberInField(n)
  }

  /** A number appended to the field just written (`n1:` then a counter makes the field `n1:42`), as `String(n)` writes it. */
  numberInField(n: number): this {
    // Most numbers are non-negative int32 (µs since the start of a run fit below 2^31 for 35 minutes): integer arithmetic.
    if (n >= 0 && n <= INT32_MAX && (n | 0) === n) return this.#digits(n)
    return this.#text(String(n))
  }

  /** A field encoded once (see {@link encodeFields}). */
  field(bytes: EncodedField): this {
    this.#separate()
    const length = bytes.length
    this.#room(length)
    const buffer = this.#buffer
    // Names are a few bytes: a loop beats set()'s call overhead there.
    if (length <= 32) for (let i = 0; i < length; i++) buffer[this.#at + i] = bytes[i]
    else buffer.set(bytes, this.#at)
    this.#at += length
    return this
  }

  /** A field that is already CSV text. */
  text(text: string): this {
    this.#separate()
    return this.#text(text)
  }

  /** An empty field. */
  empty(): this {
    this.#separate()
    return this
  }

  /** Ends the row; true when the buffer is full enough to be flushed. */
  endRow(): boolean {
    this.#room(1)
    this.#buffer[this.#at++] = NEWLINE
    this.#fields = 0
    return this.#at >= this.#flushAt
  }

  /** Writes out what is buffered. */
  async flush(): Promise<void> {
    if (this.#at === 0) return
    await this.#file.write(this.#buffer, 0, this.#at)
    this.#at = 0
  }

  #separate(): void {
    if (this.#fields++ === 0) return
    this.#room(1)
    this.#buffer[this.#at++] = COMMA
  }

  /** A non-negative int32's digits. */
  #digits(value: number): this {
    // As an int32 (`| 0`): arithmetic on a double read from a Float64Array would divide in floating point.
    let n = value | 0
    const digits = digitCount(n)
    this.#room(digits)
    const buffer = this.#buffer
    let i = this.#at + digits
    // Two digits a step: half the divisions.
    while (n >= 100) {
      const pair = (n % 100) * 2
      n = (n / 100) | 0
      buffer[--i] = DIGIT_PAIRS[pair + 1]
      buffer[--i] = DIGIT_PAIRS[pair]
    }
    if (n >= 10) {
      buffer[--i] = DIGIT_PAIRS[n * 2 + 1]
      buffer[--i] = DIGIT_PAIRS[n * 2]
    } else buffer[--i] = ZERO + n
    this.#at += digits
    return this
  }

  #text(text: string): this {
    this.#room(Buffer.byteLength(text, 'utf8'))
    this.#at += this.#buffer.write(text, this.#at, 'utf8')
    return this
  }

  /** Makes room for `bytes` more. */
  #room(bytes: number): void {
    if (this.#at + bytes <= this.#buffer.length) return
    const bigger = Buffer.allocUnsafe(2 * (this.#at + bytes))
    this.#buffer.copy(bigger, 0, 0, this.#at)
    this.#buffer = bigger
  }
}
