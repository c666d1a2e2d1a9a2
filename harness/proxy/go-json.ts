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
  let i = 0
  const unexpectedEof = (): GoJsonError => new GoJsonError('unexpected EOF')
  const invalid = (context: string): GoJsonError => new GoJsonError(`invalid character ${quoteByte(firstByte(text, i))} ${context}`)
  const skipSpace = (): void => {
    while (i < text.length && WHITESPACE.has(text[i])) i++
  }
  const expectMore = (): void => {
    if (i >= text.length) throw unexpectedEof()
  }
  const isDigit = (): boolean => i < text.length && text[i] >= '0' && text[i] <= '9'

  const literal = (word: string, value: boolean | null): boolean | null => {
    for (let k = 1; k < word.length; k++) {
      i++
      expectMore()
      if (text[i] !== word[k]) throw invalid(`in literal ${word} (expecting '${word[k]}')`)
    }
    i++
    return value
  }

  const number = (): GoJsonNumber => {
    const start = i
    if (text[i] === '-') {
      i++
      expectMore()
      if (!isDigit()) throw invalid('in numeric literal')
    }
    if (text[i] === '0') i++
    else while (isDigit()) i++
    if (i < text.length && text[i] === '.') {
      i++
      expectMore()
      if (!isDigit()) throw invalid('after decimal point in numeric literal')
      while (isDigit()) i++
    }
    if (i < text.length && (text[i] === 'e' || text[i] === 'E')) {
      i++
      expectMore()
      if (text[i] === '+' || text[i] === '-') {
        i++
        expectMore()
      }
      if (!isDigit()) throw invalid('in exponent of numeric literal')
      while (isDigit()) i++
    }
    return new GoJsonNumber(text.slice(start, i))
  }

  const hex4 = (): number => {
    let code = 0
    for (let k = 0; k < 4; k++) {
      expectMore()
      const digit = parseInt(text[i], 16)
      if (!/[0-9a-fA-F]/.test(text[i])) throw invalid('in \\u hexadecimal character escape')
      code = code * 16 + digit
      i++
    }
    return code
  }

  const string = (): string => {
    i++
    let out = ''
    for (;;) {
      expectMore()
      const c = text[i]
      if (c === '"') {
        i++
        return out
      }
      if (c === '\\') {
        i++
        expectMore()
        const escape = text[i]
        if (SIMPLE_ESCAPES[escape] !== undefined) {
          out += SIMPLE_ESCAPES[escape]
          i++
        } else if (escape === 'u') {
          i++
          const code = hex4()
          if (code >= 0xd800 && code < 0xdc00 && text.startsWith('\\u', i)) {
            // A surrogate pair only counts when both halves are escapes in a row.
            const save = i
            i += 2
            const low = hex4()
            if (low >= 0xdc00 && low < 0xe000) out += String.fromCharCode(code, low)
            else {
              out += '\ufffd'
              i = save
            }
          } else {
            out += code >= 0xd800 && code < 0xe000 ? '\ufffd' : String.fromCharCode(code)
          }
        } else {
          throw invalid('in string escape code')
        }
        continue
      }
      if (c < ' ') throw invalid('in string literal')
      const code = text.charCodeAt(i)
      const lone =
        (code >= 0xd800 && code < 0xdc00 && !(text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) < 0xe000)) ||
        (code >= 0xdc00 && code < 0xe000)
      if (lone) {
        out += '\ufffd'
        i++
      } else if (code >= 0xd800 && code < 0xdc00) {
        out += text.slice(i, i + 2)
        i += 2
      } else {
        out += c
        i++
      }
    }
  }

  const value = (): GoJsonValue => {
    skipSpace()
    expectMore()
    const c = text[i]
    if (c === '{') return object()
    if (c === '[') return array()
    if (c === '"') return string()
    if (c === 't') return literal('true', true)
    if (c === 'f') return literal('false', false)
    if (c === 'n') return literal('null', null)
    if (c === '-' || (c >= '0' && c <= '9')) return number()
    throw invalid('looking for beginning of value')
  }

  const object = (): GoJsonObject => {
    i++
    const entries: [string, GoJsonValue][] = []
    skipSpace()
    expectMore()
    if (text[i] === '}') {
      i++
      return new GoJsonObject(entries)
    }
    for (;;) {
      if (text[i] !== '"') throw invalid('looking for beginning of object key string')
      const key = string()
      skipSpace()
      expectMore()
      if (text[i] !== ':') throw invalid('after object key')
      i++
      entries.push([key, value()])
      skipSpace()
      expectMore()
      if (text[i] === '}') {
        i++
        return new GoJsonObject(entries)
      }
      if (text[i] !== ',') throw invalid('after object key:value pair')
      i++
      skipSpace()
      expectMore()
    }
  }

  const array = (): GoJsonValue[] => {
    i++
    const items: GoJsonValue[] = []
    skipSpace()
    expectMore()
    if (text[i] === ']') {
      i++
      return items
    }
    for (;;) {
      items.push(value())
      skipSpace()
      expectMore()
      if (text[i] === ']') {
        i++
        return items
      }
      if (text[i] !== ',') throw invalid('after array element')
      i++
    }
  }

  skipSpace()
  if (i >= text.length) throw new GoJsonError('EOF')
  return value()
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
