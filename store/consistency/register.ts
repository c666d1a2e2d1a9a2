/**
 * The single-valued state of a key in the `sequential` and `linearizable` modes: one
 * version (a value or a tombstone) ordered by a tag, kept in the ordinary versioned-object
 * shape so storage, the batch calls, anti-entropy and the client API carry it unchanged.
 *
 * A tag is `(n, dot)`: `n` is the key's sequence number (sequential: given by the key's
 * sequencer) or ABD counter (linearizable: one above the highest a majority held), and the
 * write's dot breaks ties between writers that chose the same `n`. Replicas combine states
 * by keeping the higher tag, so a replica only ever moves forward in the key's order,
 * whatever order states arrive in. The context is the join of every context merged: it
 * covers the dots of every write ordered before the one kept, which is what the harness
 * measures staleness and lost writes with. It is kept as a clock (one counter per actor),
 * not a list of dots that would grow with every write of the key: exact because each
 * actor's writes of a key get increasing tags (the node that issues a dot orders the
 * write above its own state of the key, which holds every write it issued before).
 */
import { compareDots, isDot, normalizeContext, type CausalContext, type Dot } from '../../common/contracts/causal.ts'
import { join, type Sibling, type VersionedObject } from '../versioning.ts'

/** A write's place in its key's order. */
export type Tag = { n: number; dot: Dot }

/** A key's state in a single-valued mode: at most one sibling, and the tag of the write that left it. */
export type Register = VersionedObject & { tag?: Tag }

const isTag = (value: unknown): value is Tag =>
  typeof value === 'object' && value !== null && Number.isSafeInteger((value as Tag).n) && (value as Tag).n > 0 && isDot((value as Tag).dot)

/** The tag of a state; undefined for a key never written (or a state from another mode, which has none). */
export const tagOf = (object: VersionedObject): Tag | undefined => {
  const tag = (object as Register).tag
  return isTag(tag) ? tag : undefined
}

/** Orders tags: by `n`, then by dot; no tag comes first. */
export function compareTags(a: Tag | undefined, b: Tag | undefined): number {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0)
  return a.n - b.n || compareDots(a.dot, b.dot)
}

/** Joins two contexts (what both have seen), as one clock: see the module comment for why that is exact here. */
export function joinContexts(a: CausalContext, b: CausalContext): CausalContext {
  let clock = join(a.clock, b.clock)
  for (const dot of [...a.dots, ...b.dots]) if ((clock[dot.node] ?? 0) < dot.counter) clock = { ...clock, [dot.node]: dot.counter }
  return normalizeContext({ clock, dots: [] })
}

/**
 * Combines two states of a key: the higher tag's version, and both contexts. Commutative,
 * associative and idempotent, like every merge of the store.
 */
export function mergeRegisters(a: VersionedObject, b: VersionedObject): Register {
  const winner = compareTags(tagOf(a), tagOf(b)) >= 0 ? a : b
  const tag = tagOf(winner)
  return { context: joinContexts(a.context, b.context), siblings: winner.siblings.slice(0, 1), ...(tag ? { tag } : {}) }
}

/** A write to a register, as the node that orders it applies it. */
export type RegisterWrite = {
  value: unknown
  deleted: boolean
  /** The write's unique dot (from the ordering node's counter). */
  dot: Dot
  /** Its place in the key's order: above every `n` the orderer knows of. */
  n: number
  /** What the write is ordered after: the contexts of the states it was ordered against. */
  after: CausalContext
  /** Wall-clock time, ms since the epoch. */
  ts: number
}

/** The state a write leaves: its version alone, with a context covering what it was ordered after and itself. */
export function registerAfter({ value, deleted, dot, n, after, ts }: RegisterWrite): Register {
  const sibling: Sibling = { dot, clock: after.clock, value, deleted, ts }
  if (after.dots.length > 0) sibling.dots = after.dots
  return { context: joinContexts(after, { clock: {}, dots: [dot] }), siblings: [sibling], tag: { n, dot } }
}
