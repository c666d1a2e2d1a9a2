/**
 * Causal metadata as it crosses the store's API and lands in the history: dots, version
 * vectors, causal contexts and the unsigned payload of an encoded context. The store
 * produces them, the harness records them and the reports read them; this module is
 * the one definition all three import. Signing and verifying contexts is the store's
 * business (`store/versioning.ts`); observers only ever peek.
 */

export const VERSIONING_MODES = ['dvv', 'vv', 'lww'] as const
export type VersioningMode = (typeof VERSIONING_MODES)[number]

/** A unique event: the node that coordinated a write and its counter there. */
export type Dot = { node: string; counter: number }

/** A version vector: node id -> highest counter seen from that node. */
export type Clock = Record<string, number>

/** What someone has seen: every dot the clock covers, plus the loose `dots`. */
export type CausalContext = { clock: Clock; dots: Dot[] }

/** Describes `values[i]` of a read: its dot and the clock it was written with. */
export type VersionInfo = { dot: Dot; clock: Clock }

export const emptyContext = (): CausalContext => ({ clock: {}, dots: [] })

/**
 * A clock's counter for `node` (0 when it has none). Clocks are plain objects, so a
 * lookup must not find what every object inherits (`constructor`, `toString`).
 */
export const clockEntry = (clock: Clock, node: string): number => (Object.hasOwn(clock, node) ? clock[node] : 0)

const clockCovers = (clock: Clock, dot: Dot): boolean => clockEntry(clock, dot.node) >= dot.counter

export const sameDot = (a: Dot, b: Dot): boolean => a.node === b.node && a.counter === b.counter

/** True when `context` has seen the write with this dot. */
export function covers(context: CausalContext, dot: Dot): boolean {
  return clockCovers(context.clock, dot) || context.dots.some((d) => sameDot(d, dot))
}

export function compareDots(a: Dot, b: Dot): number {
  if (a.node !== b.node) return a.node < b.node ? -1 : 1
  return a.counter - b.counter
}

export function sortClock(clock: Clock): Clock {
  const out: Clock = {}
  for (const node of Object.keys(clock).sort()) out[node] = clock[node]
  return out
}

/** Drops loose dots the clock covers and duplicates; sorts, so equal contexts are equal. */
export function normalizeContext({ clock, dots }: CausalContext): CausalContext {
  const loose: Dot[] = []
  for (const dot of [...dots].sort(compareDots)) {
    if (!clockCovers(clock, dot) && !loose.some((d) => sameDot(d, dot))) loose.push({ node: dot.node, counter: dot.counter })
  }
  return { clock: sortClock(clock), dots: loose }
}

/**
 * Reads the causal context inside an encoded context (`<base64url JSON>.<signature>`)
 * without checking its signature: for the harness and the reports, which only observe
 * contexts and hold no token.
 */
export function peekContext(encoded: string): CausalContext | undefined {
  return peekPlainClock(encoded) ?? peekParsed(encoded)
}

/** peekContext's general path: base64url, JSON.parse, the checks, normalizeContext (what the fast path must agree with). */
export function peekParsed(encoded: string): CausalContext | undefined {
  const payload = encoded.slice(0, Math.max(0, encoded.indexOf('.')))
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    if (typeof parsed !== 'object' || parsed === null) return undefined
    const { clock, dots = [] } = parsed as { clock?: unknown; dots?: unknown }
    if (!isClock(clock) || !Array.isArray(dots) || !dots.every(isDot)) return undefined
    return normalizeContext({ clock, dots })
  } catch {
    return undefined
  }
}

/** A clock: positive safe-integer counters by node (`__proto__` is no node: assigning it would change the object's prototype). */
export function isClock(value: unknown): value is Clock {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  return Object.entries(value).every(
    ([node, counter]) => node.length > 0 && node !== '__proto__' && Number.isSafeInteger(counter) && (counter as number) > 0,
  )
}

export const isDot = (value: unknown): value is Dot =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Dot).node === 'string' &&
  (value as Dot).node.length > 0 &&
  (value as Dot).node !== '__proto__' &&
  Number.isSafeInteger((value as Dot).counter) &&
  (value as Dot).counter > 0

export const isContext = (value: unknown): value is CausalContext =>
  typeof value === 'object' &&
  value !== null &&
  isClock((value as CausalContext).clock) &&
  Array.isArray((value as CausalContext).dots) &&
  (value as CausalContext).dots.every(isDot)

/** base64url digits by character code (-1: none). */
const BASE64URL = Int8Array.from({ length: 128 }, (_, code) =>
  code >= 0x41 && code <= 0x5a
    ? code - 0x41
    : code >= 0x61 && code <= 0x7a
      ? code - 0x61 + 26
      : code >= 0x30 && code <= 0x39
        ? code - 0x30 + 52
        : code === 0x2d
          ? 62
          : code === 0x5f
            ? 63
            : -1,
)
const digit64 = (text: string, at: number): number => {
  const code = text.charCodeAt(at)
  return code < 128 ? BASE64URL[code] : -1
}
/** `{"clock":{`: how every payload of ours starts. */
const CLOCK_OPEN = Buffer.from('{"clock":{', 'latin1')
/** The decoded payload (reused: a payload is read before the next one is decoded). */
let payloadBytes = Buffer.alloc(256)
/** Actor names already made, so a name seen again is compared, not made again (actors are few). */
const ACTOR_NAMES: string[] = []
const ACTOR_NAMES_LIMIT = 64
/** A clock's entries while it is read, sorted by actor. */
const sortNodes: string[] = []
const sortCounters: number[] = []

/**
 * peekContext's fast path for the payload every context of ours carries,
 * `{"clock":{"<actor>":<counter>,...}}` without whitespace, loose dots or escapes,
 * decoded straight from the characters (JSON.parse and its checks cost far more
 * than the decoding, and a history holds hundreds of thousands of contexts). Accepts
 * only what the general path reads to the same result: actor names of letters, digits,
 * `.`, `_` and `-` starting with a letter (no `__proto__`, no array-index names, which
 * objects order apart), counters of 1 to 15 digits without a leading zero (safe and
 * positive), no repeated actor. Anything else is undefined: the general path decides.
 */
export function peekPlainClock(encoded: string): CausalContext | undefined {
  const count = readPlainClock(encoded, sortNodes, sortCounters)
  if (count < 0) return undefined
  const clock: Clock = {}
  for (let i = 0; i < count; i++) clock[sortNodes[i]] = sortCounters[i]
  return { clock, dots: [] }
}

/**
 * {@link peekPlainClock} without building the clock, for a reader that copies its entries
 * elsewhere (the op table's context pool): fills `nodes` and `counters` with them, sorted
 * by actor, and returns how many; -1 when `encoded` is not a plain clock.
 */
export function readPlainClock(encoded: string, nodes: string[], counters: number[]): number {
  const length = encoded.indexOf('.')
  const tail = length & 3
  if (length < 0 || tail === 1) return -1
  const size = (length >> 2) * 3 + (tail === 0 ? 0 : tail - 1)
  if (payloadBytes.length < size + 2) payloadBytes = Buffer.alloc(size * 2 + 2)
  const b = payloadBytes
  // Zeros after the payload: a read past its end sees no JSON.
  b[size] = 0
  b[size + 1] = 0
  let o = 0
  let i = 0
  for (; i + 4 <= length; i += 4) {
    const n = (digit64(encoded, i) << 18) | (digit64(encoded, i + 1) << 12) | (digit64(encoded, i + 2) << 6) | digit64(encoded, i + 3)
    // A -1 digit sets every high bit.
    if (n < 0) return -1
    b[o++] = n >> 16
    b[o++] = (n >> 8) & 0xff
    b[o++] = n & 0xff
  }
  if (tail !== 0) {
    const n = (digit64(encoded, i) << 18) | (digit64(encoded, i + 1) << 12) | (tail === 3 ? digit64(encoded, i + 2) << 6 : 0)
    if (n < 0) return -1
    b[o++] = n >> 16
    if (tail === 3) b[o++] = (n >> 8) & 0xff
  }
  return plainClockEntries(b, size, nodes, counters)
}

/** The entries of the clock in payload bytes [0, size) when they are a plain clock (see {@link readPlainClock}), else -1. */
function plainClockEntries(b: Buffer, size: number, nodes: string[], counters: number[]): number {
  if (size < CLOCK_OPEN.length + 2) return -1
  for (let i = 0; i < CLOCK_OPEN.length; i++) if (b[i] !== CLOCK_OPEN[i]) return -1
  let p = CLOCK_OPEN.length
  let count = 0
  if (b[p] === 0x7d) p++
  else {
    for (;;) {
      if (b[p] !== 0x22 || !isLetter(b[p + 1])) return -1
      const start = ++p
      while (p < size && isNameByte(b[p])) p++
      if (b[p] !== 0x22 || b[p + 1] !== 0x3a) return -1
      const node = actorName(b, start, p)
      p += 2
      const digits = p
      let counter = 0
      while (p < size && b[p] >= 0x30 && b[p] <= 0x39) counter = counter * 10 + (b[p++] - 0x30)
      if (p === digits || p - digits > 15 || b[digits] === 0x30) return -1
      // Sorted as it goes (a clock has a few entries); a repeated actor is left to JSON.parse.
      let at = count
      while (at > 0 && nodes[at - 1] >= node) {
        if (nodes[at - 1] === node) return -1
        nodes[at] = nodes[at - 1]
        counters[at] = counters[at - 1]
        at--
      }
      nodes[at] = node
      counters[at] = counter
      count++
      const next = b[p++]
      if (next === 0x7d) break
      if (next !== 0x2c) return -1
    }
  }
  if (p !== size - 1 || b[p] !== 0x7d) return -1
  return count
}

const isLetter = (byte: number): boolean => (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
const isNameByte = (byte: number): boolean =>
  isLetter(byte) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2e || byte === 0x5f || byte === 0x2d

/** Bytes [start, end) of `b` (checked ASCII) as a string, the same string each time a name recurs. */
function actorName(b: Buffer, start: number, end: number): string {
  const length = end - start
  for (const name of ACTOR_NAMES) {
    if (name.length !== length) continue
    let at = 0
    while (at < length && name.charCodeAt(at) === b[start + at]) at++
    if (at === length) return name
  }
  // Internalized (as a property name is), so building clocks with it looks nothing up.
  const name = Object.keys({ [b.toString('latin1', start, end)]: 0 })[0]
  if (ACTOR_NAMES.length < ACTOR_NAMES_LIMIT) ACTOR_NAMES.push(name)
  return name
}
