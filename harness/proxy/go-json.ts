/**
 * JSON the way Toxiproxy (Go's `encoding/json`) reads and writes it, so request bodies get
 * the same answers and messages as from Toxiproxy: only the body's first value is read,
 * keys match case-insensitively, `null` leaves a field alone, a type mismatch is reported
 * after the rest is decoded, numbers keep their literal text for messages, and output
 * escapes `<`, `>`, `&`, U+2028 and U+2029.
 */

/** A number with the text it was written as. */
export class GoJsonNumber {
  constructor(readonly literal: string) {}
}

/** An object with its keys in document order (duplicates kept: Go applies each in turn). */
export class GoJsonObject {
  constructor(readonly entries: ReadonlyArray<readonly [string, GoJsonValue]>) {}
}

export type GoJsonValue = null | boolean | string | GoJsonNumber | GoJsonObject | GoJsonValue[]

/** A decoding failure whose message is Go's text for it. */
export class GoJsonError extends Error {}

const WHITESPACE = new Set([' ', '\t', '\n', '\r'])
const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }

/** The first UTF-8 byte of the character at `text[i]`: Go reports bytes, not characters. */
function firstByte(text: string, i: number): number {
  const code = text.codePointAt(i) ?? 0
  if (code < 0x80) return code
  if (code < 0x800) return 0xc0 | (code >> 6)
  if (code < 0x10000) return 0xe0 | (code >> 12)
  return 0xf0 | (code >> 18)
}

/** Go's `quoteChar`: how a syntax error shows the offending byte. */
function quoteByte(byte: number): string {
  if (byte === 0x27) return `'\\''`
  if (byte === 0x22) return `'"'`
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 92: '\\\\' }
  let shown: string
  if (named[byte] !== undefined) shown = named[byte]
  else if (byte >= 0x20 && byte <= 0x7e) shown = String.fromCharCode(byte)
  else if (byte < 0x20 || byte === 0x7f) shown = `\\x${byte.toString(16).padStart(2, '0')}`
  else if (byte <= 0xa0 || byte === 0xad) shown = `\\u00${byte.toString(16).padStart(2, '0')}`
  else shown = String.fromCharCode(byte)
  return `'${shown}'`
}

/** Reads the first JSON value of `text` as Go's `json.Decoder` does; the rest is ignored. */
export function parseGoJson(text: string): GoJsonValue {
  return new GoJsonReader(text).document()
}

/**
 * A recursive-descent reader of one JSON value: one method per production of the grammar
 * (value, object, array, string, number, literal), each starting at its first character and
 * leaving `#at` just past its last. Errors carry Go's words and the offending byte.
 */
class GoJsonReader {
  readonly #text: string
  /** Index of the next character to read. */
  #at = 0

  constructor(text: string) {
    this.#text = text
  }

  /** Whitespace, then a value; a body of nothing but whitespace is Go's `EOF`. */
  document(): GoJsonValue {
    this.#skipSpace()
    if (this.#at >= this.#text.length) throw new GoJsonError('EOF')
    return this.#value()
  }

  #value(): GoJsonValue {
    const c = this.#nextNonSpace()
    if (c === '{') return this.#object()
    if (c === '[') return this.#array()
    if (c === '"') return this.#string()
    if (c === 't') return this.#literal('true', true)
    if (c === 'f') return this.#literal('false', false)
    if (c === 'n') return this.#literal('null', null)
    if (c === '-' || (c >= '0' && c <= '9')) return this.#number()
    throw this.#invalid('looking for beginning of value')
  }

  #object(): GoJsonObject {
    this.#at++
    const entries: [string, GoJsonValue][] = []
    if (this.#nextNonSpace() === '}') {
      this.#at++
      return new GoJsonObject(entries)
    }
    for (;;) {
      if (this.#nextNonSpace() !== '"') throw this.#invalid('looking for beginning of object key string')
      const key = this.#string()
      if (this.#nextNonSpace() !== ':') throw this.#invalid('after object key')
      this.#at++
      entries.push([key, this.#value()])
      const after = this.#nextNonSpace()
      if (after === '}') {
        this.#at++
        return new GoJsonObject(entries)
      }
      if (after !== ',') throw this.#invalid('after object key:value pair')
      this.#at++
    }
  }

  #array(): GoJsonValue[] {
    this.#at++
    const items: GoJsonValue[] = []
    if (this.#nextNonSpace() === ']') {
      this.#at++
      return items
    }
    for (;;) {
      items.push(this.#value())
      const after = this.#nextNonSpace()
      if (after === ']') {
        this.#at++
        return items
      }
      if (after !== ',') throw this.#invalid('after array element')
      this.#at++
    }
  }

  #string(): string {
    this.#at++
    let out = ''
    for (;;) {
      this.#expectMore()
      const c = this.#text[this.#at]
      if (c === '"') {
        this.#at++
        return out
      }
      if (c === '\\') out += this.#escape()
      else if (c < ' ') throw this.#invalid('in string literal')
      else out += this.#character()
    }
  }

  /** A backslash escape inside a string. */
  #escape(): string {
    this.#at++
    this.#expectMore()
    const code = this.#text[this.#at]
    const simple = SIMPLE_ESCAPES[code]
    if (simple !== undefined) {
      this.#at++
      return simple
    }
    if (code !== 'u') throw this.#invalid('in string escape code')
    this.#at++
    return this.#unicodeEscape()
  }

  /** The four hex digits after `\u`, and a second `\uXXXX` when they are a high surrogate. */
  #unicodeEscape(): string {
    const code = this.#hex4()
    if (code >= 0xd800 && code < 0xdc00 && this.#text.startsWith('\\u', this.#at)) {
      // A surrogate pair only counts when both halves are escapes in a row.
      const save = this.#at
      this.#at += 2
      const low = this.#hex4()
      if (low >= 0xdc00 && low < 0xe000) return String.fromCharCode(code, low)
      this.#at = save
      return '\ufffd'
    }
    return code >= 0xd800 && code < 0xe000 ? '\ufffd' : String.fromCharCode(code)
  }

  #hex4(): number {
    let code = 0
    for (let k = 0; k < 4; k++) {
      this.#expectMore()
      const digit = this.#text[this.#at]
      if (!/[0-9a-fA-F]/.test(digit)) throw this.#invalid('in \\u hexadecimal character escape')
      code = code * 16 + parseInt(digit, 16)
      this.#at++
    }
    return code
  }

  /** One unescaped character of a string; a lone surrogate (not valid UTF-8) reads as U+FFFD, as in Go. */
  #character(): string {
    const code = this.#text.charCodeAt(this.#at)
    const next = this.#text.charCodeAt(this.#at + 1)
    const high = code >= 0xd800 && code < 0xdc00
    if (high && next >= 0xdc00 && next < 0xe000) {
      this.#at += 2
      return this.#text.slice(this.#at - 2, this.#at)
    }
    this.#at++
    return high || (code >= 0xdc00 && code < 0xe000) ? '\ufffd' : this.#text[this.#at - 1]
  }

  /** `-`? integer fraction? exponent?, kept as its literal text. */
  #number(): GoJsonNumber {
    const start = this.#at
    if (this.#text[this.#at] === '-') this.#stepToDigit('in numeric literal')
    if (this.#text[this.#at] === '0') this.#at++
    else this.#skipDigits()
    if (this.#text[this.#at] === '.') {
      this.#stepToDigit('after decimal point in numeric literal')
      this.#skipDigits()
    }
    const e = this.#text[this.#at]
    if (e === 'e' || e === 'E') this.#exponent()
    return new GoJsonNumber(this.#text.slice(start, this.#at))
  }

  /** `e` or `E`, an optional sign, digits. */
  #exponent(): void {
    this.#at++
    this.#expectMore()
    const sign = this.#text[this.#at]
    if (sign === '+' || sign === '-') {
      this.#at++
      this.#expectMore()
    }
    if (!this.#isDigit()) throw this.#invalid('in exponent of numeric literal')
    this.#skipDigits()
  }

  /** Steps over a sign or point that a digit must follow. */
  #stepToDigit(context: string): void {
    this.#at++
    this.#expectMore()
    if (!this.#isDigit()) throw this.#invalid(context)
  }

  #literal(word: string, value: boolean | null): boolean | null {
    for (let k = 1; k < word.length; k++) {
      this.#at++
      this.#expectMore()
      if (this.#text[this.#at] !== word[k]) throw this.#invalid(`in literal ${word} (expecting '${word[k]}')`)
    }
    this.#at++
    return value
  }

  /** Skips whitespace and returns the character there; the text may not end first. */
  #nextNonSpace(): string {
    this.#skipSpace()
    this.#expectMore()
    return this.#text[this.#at]
  }

  #skipSpace(): void {
    while (this.#at < this.#text.length && WHITESPACE.has(this.#text[this.#at])) this.#at++
  }

  #skipDigits(): void {
    while (this.#isDigit()) this.#at++
  }

  #isDigit(): boolean {
    const c = this.#text[this.#at]
    return c !== undefined && c >= '0' && c <= '9'
  }

  #expectMore(): void {
    if (this.#at >= this.#text.length) throw new GoJsonError('unexpected EOF')
  }

  #invalid(context: string): GoJsonError {
    return new GoJsonError(`invalid character ${quoteByte(firstByte(this.#text, this.#at))} ${context}`)
  }
}

// ---- decoding into Go types ----

/** A Go struct as `encoding/json` fills it. */
export type GoStruct = {
  /** The type's name in messages about the whole value, e.g. `toxiproxy.Proxy`. */
  goType: string
  /** By JSON key: the field's label in messages (`Proxy.name`) and its type. */
  fields: Record<string, { label: string; type: GoType }>
}

export type GoScalar = 'string' | 'bool' | 'int64' | 'int' | 'float32'
export type GoType = GoScalar | GoStruct

/** A slice of structs, for `/populate`. */
export type GoSlice = { goType: string; element: GoStruct }

/** Decoded fields: scalars as JS values, nested structs as nested records. */
export type GoFields = { [key: string]: string | boolean | number | GoFields }

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

function kindOf(value: GoJsonValue): string {
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'string') return 'string'
  if (value instanceof GoJsonNumber) return 'number'
  if (value instanceof GoJsonObject) return 'object'
  return 'array'
}

/** Go's shortest text for a float32, read back as a JS number. */
function float32(value: number): number {
  const rounded = Math.fround(value)
  for (let digits = 1; digits < 10; digits++) {
    const candidate = Number(rounded.toPrecision(digits))
    if (Math.fround(candidate) === rounded) return candidate
  }
  return rounded
}

/** Collects the first type mismatch while decoding goes on, as Go does. */
class Decoding {
  error: string | undefined

  mismatch(what: string, label: string | undefined, typeName: string): undefined {
    const target = label === undefined ? 'Go value' : `Go struct field ${label}`
    this.error ??= `json: cannot unmarshal ${what} into ${target} of type ${typeName}`
    return undefined
  }

  scalar(value: Exclude<GoJsonValue, null>, type: GoScalar, label: string | undefined): string | boolean | number | undefined {
    const kind = kindOf(value)
    if (type === 'string') return typeof value === 'string' ? value : this.mismatch(kind, label, type)
    if (type === 'bool') return typeof value === 'boolean' ? value : this.mismatch(kind, label, type)
    if (!(value instanceof GoJsonNumber)) return this.mismatch(kind, label, type)
    const text = value.literal
    if (type === 'float32') {
      const parsed = Number(text)
      return Number.isFinite(Math.fround(parsed)) ? float32(parsed) : this.mismatch(`number ${text}`, label, type)
    }
    if (!/^-?\d+$/.test(text)) return this.mismatch(`number ${text}`, label, type)
    const big = BigInt(text)
    return big < INT64_MIN || big > INT64_MAX ? this.mismatch(`number ${text}`, label, type) : Number(big)
  }

  struct(value: GoJsonValue, type: GoStruct, label: string | undefined, into: GoFields = {}): GoFields | undefined {
    if (value === null) return into
    if (!(value instanceof GoJsonObject)) return this.mismatch(kindOf(value), label, type.goType)
    for (const [key, item] of value.entries) {
      const name = fieldFor(type, key)
      if (name === undefined || item === null) continue
      const field = type.fields[name]
      if (typeof field.type === 'string') {
        const decoded = this.scalar(item, field.type, field.label)
        if (decoded !== undefined) into[name] = decoded
      } else {
        const nested = into[name]
        const decoded = this.struct(item, field.type, field.label, typeof nested === 'object' ? nested : {})
        if (decoded !== undefined) into[name] = decoded
      }
    }
    return into
  }
}

/** Go matches a key to a field exactly, else ignoring ASCII case. */
function fieldFor(type: GoStruct, key: string): string | undefined {
  if (Object.hasOwn(type.fields, key)) return key
  const folded = key.toLowerCase()
  return Object.keys(type.fields).find((name) => name.toLowerCase() === folded)
}

/**
 * Decodes `value` into a Go struct: the fields that were present, not null and of the right
 * type, plus Go's message for the first mismatch, if any.
 */
export function decodeGoStruct(value: GoJsonValue, type: GoStruct): { fields: GoFields; error?: string } {
  const decoding = new Decoding()
  const fields = decoding.struct(value, type, undefined) ?? {}
  return decoding.error === undefined ? { fields } : { fields, error: decoding.error }
}

/** Decodes `value` into a Go slice of structs (`null` elements decode as empty structs). */
export function decodeGoSlice(value: GoJsonValue, type: GoSlice): { items: GoFields[]; error?: string } {
  const decoding = new Decoding()
  const items: GoFields[] = []
  if (value !== null && !Array.isArray(value)) decoding.mismatch(kindOf(value), undefined, type.goType)
  else for (const item of value ?? []) items.push(decoding.struct(item, type.element, undefined) ?? {})
  return decoding.error === undefined ? { items } : { items, error: decoding.error }
}

// ---- encoding ----

const GO_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' }

/** `JSON.stringify` with Go's HTML-safe escaping. */
export function stringifyGoJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c])
}
