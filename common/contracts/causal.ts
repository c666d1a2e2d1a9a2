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
