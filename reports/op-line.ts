/**
 * The scan's fast path: reads a client op's line of `history.jsonl` straight from its
 * bytes into a lean record that carries only what the op table and the range scan read
 * (no version clocks, no `resolution`), without JSON.parse building the whole object.
 * It takes the fields of our own writers in any order, and gives up (undefined) on any
 * line it does not read exactly as JSON.parse would: an unknown or repeated field, a
 * field of an unexpected type, a non-op record, nesting it does not expect, invalid
 * JSON. The caller then parses the line with JSON.parse, so every verdict and every
 * column stays the one JSON.parse gives (`op-line.spec.ts` checks both side by side).
 */
import type { Dot, VersionInfo } from '../common/contracts/causal.ts'
import type { OpFunction, OpOutcome, OpRecord, Phase } from '../common/contracts/history.ts'
import { decimalQuotient, POWERS_OF_TEN } from './decimal-quotient.ts'
import type { TableOp } from './op-table.ts'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const MINUS = 0x2d
const PLUS = 0x2b
const ZERO = 0x30
const NINE = 0x39
const POINT = 0x2e
/** What a byte is inside a string: most are {@link PLAIN}. */
const PLAIN = 0
const QUOTE_BYTE = 1
const ESCAPE = 2
const CONTROL = 3
const NOT_ASCII = 4
const BYTE_KINDS = Uint8Array.from({ length: 256 }, (_, byte) =>
  byte === QUOTE ? QUOTE_BYTE : byte === BACKSLASH ? ESCAPE : byte < 0x20 ? CONTROL : byte >= 0x80 ? NOT_ASCII : PLAIN,
)
/** Nesting deeper than this is left to JSON.parse. */
const MAX_DEPTH = 32

/** Thrown (one shared object, no stack trace) when the line is not one the fast path reads. */
const GIVE_UP = Object.freeze({ giveUp: true })

const FIELDS = [
  'index',
  'process',
  'type',
  'f',
  'key',
  'value',
  'element',
  'resolution',
  'replica',
  'node',
  'coordinator',
  'intended',
  'invoke',
  'complete',
  'context',
  'versions',
  'dot',
  'error',
  'phase',
] as const
type Field = (typeof FIELDS)[number]
const bit = (field: Field): number => 1 << FIELDS.indexOf(field)
/** The fields recordProblem requires of an op: a line without one is left to the slow path, which says why. */
const REQUIRED = (['index', 'process', 'type', 'f', 'key', 'node', 'intended', 'invoke', 'complete', 'phase'] as const).reduce(
  (mask, field) => mask | bit(field),
  0,
)

const OUTCOMES: readonly OpOutcome[] = ['ok', 'fail', 'info']
const FUNCTIONS: readonly OpFunction[] = ['get', 'put', 'delete', 'cas']
const PHASES: readonly Phase[] = ['warmup', 'fault', 'heal', 'final']

/** Known names, matched against a line's bytes without building a string. */
class Names<T extends string> {
  /** Each name's bytes with its closing quote. */
  #quoted: Uint8Array[]
  /** Indices into the list of names by first byte: at most a few names share one. */
  #byFirst: number[][] = Array.from({ length: 128 }, () => [])

  constructor(list: readonly T[]) {
    this.#quoted = list.map((name) => Buffer.from(`${name}"`, 'latin1'))
    for (const [i, name] of list.entries()) this.#byFirst[name.charCodeAt(0)].push(i)
  }

  /** The index of the name whose bytes and closing quote start at `start` of `b` (before `end`), or -1. */
  find(b: Buffer, start: number, end: number): number {
    const first = b[start]
    if (start >= end || first >= 128) return -1
    const candidates = this.#byFirst[first]
    for (let c = 0; c < candidates.length; c++) {
      const i = candidates[c]
      const quoted = this.#quoted[i]
      const length = quoted.length
      if (start + length > end) continue
      let at = 1
      while (at < length && b[start + at] === quoted[at]) at++
      if (at === length) return i
    }
    return -1
  }

  /** Bytes of the name at `index` with its closing quote. */
  length(index: number): number {
    return this.#quoted[index].length
  }
}
const FIELD_NAMES = new Names(FIELDS)
const OUTCOME_NAMES = new Names(OUTCOMES)
const FUNCTION_NAMES = new Names(FUNCTIONS)
const PHASE_NAMES = new Names(PHASES)
const DOT_NAMES = new Names(['node', 'counter'] as const)
const VERSION_NAMES = new Names(['dot'] as const)

/** Integers below this are exact doubles. */
const TWO_TO_53 = 2 ** 53

/**
 * Strings seen again and again, found by a hash of their bytes so that a repeat costs a
 * comparison instead of a new string (and the op table's interning then finds a string
 * whose hash is known). Open addressing; bounded: emptied when full.
 */
class RepeatedStrings {
  /** Per slot, 1 + the index of its string; 0: empty. */
  #slots: Int32Array
  #hashes: Int32Array
  #strings: string[] = []
  #mask: number
  #limit: number

  /** `limit`: strings kept at most (the table has four slots per string). */
  constructor(limit: number) {
    this.#limit = limit
    this.#slots = new Int32Array(limit * 4)
    this.#mask = limit * 4 - 1
    this.#hashes = new Int32Array(limit)
  }

  /** The string of bytes [start, end) of `b` (ASCII, checked by the caller), whose 32-bit hash is `hash`. */
  get(b: Buffer, start: number, end: number, hash: number): string {
    const length = end - start
    const slots = this.#slots
    let slot = hash & this.#mask
    for (let at = slots[slot]; at !== 0; at = slots[slot]) {
      const seen = this.#strings[at - 1]
      if (this.#hashes[at - 1] === hash && seen.length === length) {
        let i = 0
        while (i < length && seen.charCodeAt(i) === b[start + i]) i++
        if (i === length) return seen
      }
      slot = (slot + 1) & this.#mask
    }
    const text = latin1(b, start, end)
    if (this.#strings.length === this.#limit) {
      slots.fill(0)
      this.#strings.length = 0
      slot = hash & this.#mask
    }
    this.#hashes[this.#strings.length] = hash
    this.#strings.push(text)
    slots[slot] = this.#strings.length
    return text
  }
}
/** Keys, nodes, actors, errors: a run has a few thousand (or fewer) of each. */
const NAMES = new RepeatedStrings(1 << 15)
/** Longer strings are not looked up. */
const REPEAT_BYTES = 256

/**
 * The lean record, in one shape for every line: an absent field is undefined, as a parsed
 * record reads it; versions keep only their dots.
 */
type LeanOp = Omit<OpRecord, 'versions' | 'context' | 'error'> & {
  versions: Pick<VersionInfo, 'dot'>[] | undefined
  context: string | null | undefined
  error: string | null | undefined
  /** A hash of the context, computed while its bytes were read (see {@link TableOp}). */
  contextHash: number
}

/**
 * The op on bytes [start, end) of `bytes` (one line, without its newline), or undefined
 * when the line must go through JSON.parse.
 */
export function scanOpLine(bytes: Buffer, start: number, end: number): TableOp | undefined {
  try {
    // The builder reads an absent context or error as it reads null, and only the dots of versions.
    return new OpLineScanner(bytes, start, end).op() as TableOp
  } catch (error) {
    if (error === GIVE_UP) return undefined
    throw error
  }
}

class OpLineScanner {
  /** The hash of the bytes of the string read last (see {@link LeanOp}'s `contextHash`). */
  #stringHash = 0
  #b: Buffer
  #p: number
  #end: number

  constructor(bytes: Buffer, start: number, end: number) {
    this.#b = bytes
    this.#p = start
    this.#end = end
  }

  // biome-ignore lint/complexity/noExcessiveLinesPerFunction: one case per field of the record, read in one pass
  op(): LeanOp {
    const op: LeanOp = {
      index: 0,
      process: 0,
      type: 'ok',
      f: 'get',
      key: '',
      value: undefined,
      element: undefined,
      resolution: undefined,
      replica: undefined,
      node: '',
      coordinator: undefined,
      intended: 0,
      invoke: 0,
      complete: 0,
      context: undefined,
      versions: undefined,
      dot: undefined,
      error: undefined,
      phase: 'warmup',
      contextHash: 0,
    }
    let seen = 0
    this.#expect(OPEN_BRACE)
    for (;;) {
      const index = this.#choose(FIELD_NAMES)
      const field = FIELDS[index]
      const mask = 1 << index
      if (seen & mask) throw GIVE_UP
      seen |= mask
      this.#expect(COLON)
      this.#space()
      switch (field) {
        case 'index':
          op.index = this.#number()
          break
        case 'process':
          op.process = this.#number()
          break
        case 'type':
          op.type = OUTCOMES[this.#choose(OUTCOME_NAMES)]
          break
        case 'f':
          op.f = FUNCTIONS[this.#choose(FUNCTION_NAMES)]
          break
        case 'key':
          op.key = this.#string(NAMES)
          break
        case 'value':
          op.value = this.#value()
          break
        case 'element':
          op.element = this.#string(null)
          break
        case 'resolution':
          op.resolution = this.#true()
          break
        case 'replica':
          op.replica = this.#true()
          break
        case 'node':
          op.node = this.#string(NAMES)
          break
        case 'coordinator':
          op.coordinator = this.#string(NAMES)
          break
        case 'intended':
          op.intended = this.#number()
          break
        case 'invoke':
          op.invoke = this.#number()
          break
        case 'complete':
          op.complete = this.#number()
          break
        case 'context':
          op.context = this.#stringOrNull(null)
          if (op.context !== null) op.contextHash = this.#stringHash
          break
        case 'versions':
          op.versions = this.#versions()
          break
        case 'dot':
          op.dot = this.#dot()
          break
        case 'error':
          op.error = this.#stringOrNull(NAMES)
          break
        case 'phase':
          op.phase = PHASES[this.#choose(PHASE_NAMES)]
          break
      }
      if (this.#next(CLOSE_BRACE)) break
    }
    this.#space()
    if (this.#p !== this.#end || (seen & REQUIRED) !== REQUIRED) throw GIVE_UP
    return op
  }

  /** The byte at `p`, or -1 past the end of the line. */
  #at(p: number): number {
    return p < this.#end ? this.#b[p] : -1
  }

  #space(): void {
    const b = this.#b
    let p = this.#p
    // Every whitespace byte is at most 0x20 (our writers put none).
    while (p < this.#end && b[p] <= 0x20 && (b[p] === 0x20 || b[p] === 0x09 || b[p] === 0x0a || b[p] === 0x0d)) p++
    this.#p = p
  }

  #expect(byte: number): void {
    if (this.#at(this.#p) !== byte) {
      this.#space()
      if (this.#at(this.#p) !== byte) throw GIVE_UP
    }
    this.#p++
  }

  /** After a member: true at the closing `close`, false after a comma; anything else gives up. */
  #next(close: number): boolean {
    let byte = this.#at(this.#p)
    if (byte !== close && byte !== COMMA) {
      this.#space()
      byte = this.#at(this.#p)
    }
    this.#p++
    if (byte === close) return true
    if (byte === COMMA) return false
    throw GIVE_UP
  }

  /** A string that is one of `known` byte for byte (no escapes): its index in the list `known` was made from. */
  #choose<T extends string>(known: Names<T>): number {
    if (this.#at(this.#p) !== QUOTE) {
      this.#space()
      if (this.#at(this.#p) !== QUOTE) throw GIVE_UP
    }
    const found = known.find(this.#b, this.#p + 1, this.#end)
    if (found < 0) throw GIVE_UP
    this.#p += 1 + known.length(found)
    return found
  }

  /** A string; `repeats`: where to look up one likely seen before (a key, a node, an actor, an error) by its bytes. */
  #string(repeats: RepeatedStrings | null): string {
    const b = this.#b
    const end = this.#end
    const open = this.#p
    if (open >= end || b[open] !== QUOTE) throw GIVE_UP
    let p = open + 1
    let escaped = false
    let ascii = true
    let hash = 0x811c9dc5
    for (;;) {
      let kind = p < end ? BYTE_KINDS[b[p]] : CONTROL
      while (kind === PLAIN) {
        hash = Math.imul(hash ^ b[p++], 0x01000193)
        kind = p < end ? BYTE_KINDS[b[p]] : CONTROL
      }
      // The end of the line counts as a control byte: the string is cut.
      if (kind === CONTROL) throw GIVE_UP
      if (kind === QUOTE_BYTE) break
      if (kind === ESCAPE) {
        escaped = true
        p += 2
      } else {
        ascii = false
        p++
      }
    }
    this.#p = p + 1
    // A hash of the bytes is one of the characters only for plain ASCII: escapes and UTF-8 leave it unknown.
    this.#stringHash = escaped || !ascii ? 0 : hash
    // Escapes are decoded by JSON.parse itself; the rest is decoded as the whole line would be (the quotes are ASCII, so UTF-8 decoding of the part is the same).
    if (escaped) return this.#parse(open, p + 1) as string
    if (!ascii) return b.toString('utf8', open + 1, p)
    if (!repeats || p - open - 1 > REPEAT_BYTES) return latin1(b, open + 1, p)
    return repeats.get(b, open + 1, p, hash)
  }

  #stringOrNull(repeats: RepeatedStrings | null): string | null {
    if (this.#at(this.#p) === QUOTE) return this.#string(repeats)
    this.#literal('null')
    return null
  }

  #true(): true {
    this.#literal('true')
    return true
  }

  #literal(word: 'true' | 'false' | 'null'): void {
    const b = this.#b
    if (this.#p + word.length > this.#end) throw GIVE_UP
    for (let i = 0; i < word.length; i++) if (b[this.#p + i] !== word.charCodeAt(i)) throw GIVE_UP
    this.#p += word.length
  }

  /**
   * A JSON number, checked against JSON's grammar (no `+`, `.5`, `01`, `0x10`, `Infinity`).
   * Without an exponent and with at most 22 decimals: when its digits as an integer are
   * below 2^53 (exact: so is every step of summing them up, and a sum that passes 2^53
   * stays above it), it is that integer divided by an exact power of ten, one correctly
   * rounded division, so the same double JSON.parse reads; up to 18 digits, it is
   * {@link decimalQuotient}'s. Anything else is read by Number, which rounds as JSON.parse does.
   */
  #number(): number {
    const b = this.#b
    const end = this.#end
    const start = this.#p
    let p = start
    const negative = this.#at(p) === MINUS
    if (negative) p++
    let digits = 0
    const first = p
    if (this.#at(p) === ZERO) p++
    else {
      while (p < end && b[p] >= ZERO && b[p] <= NINE) digits = digits * 10 + (b[p++] - ZERO)
    }
    if (p === first) throw GIVE_UP
    let count = p - first
    let decimals = 0
    if (this.#at(p) === POINT) {
      const from = ++p
      while (p < end && b[p] >= ZERO && b[p] <= NINE) digits = digits * 10 + (b[p++] - ZERO)
      if (p === from) throw GIVE_UP
      decimals = p - from
      count += decimals
    }
    const e = this.#at(p)
    if (e === 0x65 || e === 0x45) {
      p++
      if (this.#at(p) === PLUS || this.#at(p) === MINUS) p++
      this.#p = this.#digits(p)
      return Number(latin1(b, start, this.#p))
    }
    this.#p = p
    if (decimals < POWERS_OF_TEN.length) {
      if (digits < TWO_TO_53) {
        const value = decimals === 0 ? digits : digits / POWERS_OF_TEN[decimals]
        return negative ? -value : value
      }
      if (count <= 18) {
        const value = this.#quotient(first, p, count)
        if (!Number.isNaN(value)) return negative ? -value : value
      }
    }
    return Number(latin1(b, start, p))
  }

  /** The `count` digits in bytes [from, to) (a point among them skipped) divided by 10^decimals, by {@link decimalQuotient}. */
  #quotient(from: number, to: number, count: number): number {
    const b = this.#b
    let high = 0
    let low = 0
    let decimals = 0
    let seen = 0
    for (let p = from; p < to; p++) {
      if (b[p] === POINT) {
        decimals = to - p - 1
        continue
      }
      if (seen++ < count - 8) high = high * 10 + (b[p] - ZERO)
      else low = low * 10 + (b[p] - ZERO)
    }
    return decimalQuotient(high, low, decimals)
  }

  /** At least one digit from `p`; returns where they end. */
  #digits(p: number): number {
    const b = this.#b
    const start = p
    while (p < this.#end && b[p] >= ZERO && b[p] <= NINE) p++
    if (p === start) throw GIVE_UP
    return p
  }

  /**
   * A value: a string or an array of strings read here (what register ops carry); any
   * other JSON value is checked and skipped, then parsed on its own by JSON.parse.
   */
  #value(): unknown {
    const start = this.#p
    const first = this.#at(start)
    if (first === QUOTE) return this.#string(null)
    if (first === OPEN_BRACKET) {
      const values: string[] = []
      this.#p++
      this.#space()
      if (this.#at(this.#p) === CLOSE_BRACKET) {
        this.#p++
        return values
      }
      for (;;) {
        this.#space()
        if (this.#at(this.#p) !== QUOTE) break
        values.push(this.#string(null))
        if (this.#next(CLOSE_BRACKET)) return values
      }
      this.#p = start
    }
    this.#skip(0)
    return this.#parse(start, this.#p)
  }

  #parse(start: number, end: number): unknown {
    try {
      return JSON.parse(this.#b.toString('utf8', start, end))
    } catch {
      throw GIVE_UP
    }
  }

  /** A read's versions: only their dots are kept (the op table reads nothing else); anything but objects gives up. */
  #versions(): Pick<VersionInfo, 'dot'>[] {
    const versions: Pick<VersionInfo, 'dot'>[] = []
    this.#expect(OPEN_BRACKET)
    this.#space()
    if (this.#at(this.#p) === CLOSE_BRACKET) {
      this.#p++
      return versions
    }
    for (;;) {
      this.#expect(OPEN_BRACE)
      let dot: Dot | undefined
      this.#space()
      if (this.#at(this.#p) !== CLOSE_BRACE) {
        for (;;) {
          this.#space()
          // `dot` by name; any other member (the version's clock) is checked and skipped, once each.
          if (this.#isDot()) {
            if (dot) throw GIVE_UP
            this.#choose(VERSION_NAMES)
            this.#expect(COLON)
            this.#space()
            dot = this.#dot()
          } else {
            // Without escapes: an escaped name could be `dot` to JSON.parse.
            this.#skipString(false)
            this.#expect(COLON)
            this.#space()
            if (!this.#skipCounters()) this.#skip(1)
          }
          if (this.#next(CLOSE_BRACE)) break
        }
      } else this.#p++
      versions.push(dot ? { dot } : ({} as Pick<VersionInfo, 'dot'>))
      if (this.#next(CLOSE_BRACKET)) return versions
    }
  }

  /**
   * Skips a version's clock the quick way, if it is `{"name":counter,...}` with plain names
   * and whole counters and no whitespace, as our writers put it; false (nothing skipped)
   * for anything else, which the checking skip then reads.
   */
  #skipCounters(): boolean {
    const b = this.#b
    const end = this.#end
    let p = this.#p
    if (this.#at(p) !== OPEN_BRACE) return false
    p++
    if (this.#at(p) === CLOSE_BRACE) {
      this.#p = p + 1
      return true
    }
    for (;;) {
      if (this.#at(p) !== QUOTE) return false
      p++
      while (p < end && BYTE_KINDS[b[p]] === PLAIN) p++
      if (this.#at(p) !== QUOTE || this.#at(p + 1) !== COLON) return false
      p += 2
      if (this.#at(p) === ZERO) p++
      else {
        const digits = p
        while (p < end && b[p] >= ZERO && b[p] <= NINE) p++
        if (p === digits) return false
      }
      const next = this.#at(p++)
      if (next === CLOSE_BRACE) {
        this.#p = p
        return true
      }
      if (next !== COMMA) return false
    }
  }

  /** True when the string at the position is exactly `dot`. */
  #isDot(): boolean {
    const p = this.#p
    return (
      this.#at(p) === QUOTE && this.#at(p + 1) === 0x64 && this.#at(p + 2) === 0x6f && this.#at(p + 3) === 0x74 && this.#at(p + 4) === QUOTE
    )
  }

  /** `{"node": string, "counter": number}`, in either order, nothing else. */
  #dot(): Dot {
    let node: string | undefined
    let counter: number | undefined
    this.#expect(OPEN_BRACE)
    for (;;) {
      const field = this.#choose(DOT_NAMES)
      this.#expect(COLON)
      this.#space()
      if (field === 0) {
        if (node !== undefined) throw GIVE_UP
        node = this.#string(NAMES)
      } else {
        if (counter !== undefined) throw GIVE_UP
        counter = this.#number()
      }
      if (this.#next(CLOSE_BRACE)) break
    }
    if (node === undefined || counter === undefined) throw GIVE_UP
    return { node, counter }
  }

  /** Checks and skips any JSON value, as JSON.parse would accept it. */
  #skip(depth: number): void {
    if (depth > MAX_DEPTH) throw GIVE_UP
    this.#space()
    const byte = this.#at(this.#p)
    if (byte === QUOTE) this.#skipString(true)
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      const close = byte === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET
      this.#p++
      this.#space()
      if (this.#at(this.#p) === close) {
        this.#p++
        return
      }
      for (;;) {
        if (byte === OPEN_BRACE) {
          this.#space()
          this.#skipString(true)
          this.#expect(COLON)
        }
        this.#skip(depth + 1)
        if (this.#next(close)) return
      }
    } else if (byte === 0x74) this.#literal('true')
    else if (byte === 0x66) this.#literal('false')
    else if (byte === 0x6e) this.#literal('null')
    else this.#number()
  }

  /** Checks and skips a string: escapes must be JSON's (or none at all, unless `escapes`), no raw control characters. */
  #skipString(escapes: boolean): void {
    const b = this.#b
    const end = this.#end
    let p = this.#p
    if (p >= end || b[p] !== QUOTE) throw GIVE_UP
    p++
    for (;;) {
      if (p >= end) throw GIVE_UP
      const byte = b[p]
      if (byte === QUOTE) break
      if (byte < 0x20) throw GIVE_UP
      if (byte === BACKSLASH) {
        if (!escapes) throw GIVE_UP
        const escaped = this.#at(p + 1)
        if (escaped === 0x75) {
          for (let i = 2; i < 6; i++) if (!isHex(this.#at(p + i))) throw GIVE_UP
          p += 6
          continue
        }
        if (!SIMPLE_ESCAPES.includes(escaped)) throw GIVE_UP
        p += 2
        continue
      }
      p++
    }
    this.#p = p + 1
  }
}

/**
 * Bytes [start, end) as Latin-1 (the caller checked they are ASCII), through Buffer's own
 * binding: `toString('latin1', start, end)` checks its arguments and looks the encoding
 * up first, which costs more than the copy for strings this short.
 */
const latin1 = (b: Buffer, start: number, end: number): string =>
  (b as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(start, end)

/** `"`, `\`, `/`, `b`, `f`, `n`, `r`, `t`: the escapes JSON has besides `\u`. */
const SIMPLE_ESCAPES = [0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]
const isHex = (byte: number): boolean => (byte >= ZERO && byte <= NINE) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
