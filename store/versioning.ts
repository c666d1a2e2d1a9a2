/**
 * Version logic of the store: dots, clocks, causal contexts, and how writes and
 * replica states combine under each versioning mode. Pure: no I/O, no clocks read here.
 *
 * - `dvv`: dotted version vectors. Every write gets a unique dot; a version is its dot
 *   plus the clock it was written with. A write discards exactly the siblings whose dots
 *   its context covers; concurrent writes survive as siblings.
 * - `vv`: per-value vector clocks as in the Dynamo paper; the coordinator increments its
 *   own entry of the writer's context, so two writes through one coordinator with the
 *   same context get equal clocks and one silently replaces the other.
 * - `lww`: one value per key, the highest timestamp wins; concurrent writes are dropped.
 *
 * An object carries a causal context, and that context is what readers get: in `dvv`
 * and `vv` it covers every dot the replica has seen; in `lww` it is the winner's (what
 * its writer had seen, and itself), so a write dropped by a timestamp is not claimed as
 * seen by anyone who reads the winner. A context is a version vector plus a few
 * loose dots: a write's answer covers what the writer had read plus the write's own
 * dot, which a vector alone cannot say without claiming dots the writer never saw.
 */
import { hash as oneShotHash, timingSafeEqual } from 'node:crypto'
import {
  clockEntry,
  compareDots,
  covers,
  emptyContext,
  isClock,
  isContext,
  isDot,
  normalizeContext,
  peekContext,
  sameDot,
  sortClock,
  type CausalContext,
  type Clock,
  type Dot,
  type VersioningMode,
} from '../common/contracts/causal.ts'
import { mutant } from './mutants.ts'

/**
 * The actor a node issues dots under: its id and its data dir's incarnation, as Riak's
 * vnode ids. A node that lost its data starts counting again under a new incarnation, so
 * it never issues a dot its peers' clocks already cover. Node ids have no `.`, so the
 * actor reads one way.
 */
export const actorId = (node: string, incarnation: string): string => `${node}.${incarnation}`

/** One stored version of a key. */
export type Sibling = {
  dot: Dot
  /**
   * `dvv` and `lww`: the clock the writer had read (the version's causal past; with the
   * dot it forms the dotted version vector). `vv`: the version's vector clock.
   */
  clock: Clock
  /** `dvv` and `lww`: loose dots of the writer's context, beyond `clock`. */
  dots?: Dot[]
  value: unknown
  /** A tombstone left by DELETE. */
  deleted: boolean
  /** Coordinator wall-clock time of the write, ms since the epoch (decides `lww`). */
  ts: number
}

/** What a replica holds for one key. */
export type VersionedObject = { context: CausalContext; siblings: Sibling[] }

/** A write as the coordinator applies it. */
export type WriteInput = {
  node: string
  /** The coordinator's next unique counter (the dot in `dvv` and `lww`). */
  counter: number
  /** The writer's causal context (what it read), empty for a blind write. */
  context: CausalContext
  value: unknown
  deleted: boolean
  ts: number
}

export type WriteResult = {
  object: VersionedObject
  sibling: Sibling
  /** What the writer has now seen: its context plus this write. */
  context: CausalContext
}

export type ClockOrder = 'equal' | 'before' | 'after' | 'concurrent'

export const emptyObject = (): VersionedObject => ({ context: emptyContext(), siblings: [] })

export function join(a: Clock, b: Clock): Clock {
  return sortClock(joinUnsorted(a, b))
}

/** {@link join} in no particular key order: for callers that sort what they make of it anyway. */
function joinUnsorted(a: Clock, b: Clock): Clock {
  const out: Clock = { ...a }
  for (const [node, counter] of Object.entries(b)) {
    if (clockEntry(out, node) < counter) out[node] = counter
  }
  return out
}

/** The join of two contexts, normalised (its clock sorted once, by normalizeContext). */
function joinContexts(a: CausalContext, b: CausalContext): CausalContext {
  return normalizeContext({ clock: joinUnsorted(a.clock, b.clock), dots: [...a.dots, ...b.dots] })
}

const addDot = (context: CausalContext, dot: Dot): CausalContext => normalizeContext({ clock: context.clock, dots: [...context.dots, dot] })

/** How `a` relates to `b` in the causal order. */
export function compareClocks(a: Clock, b: Clock): ClockOrder {
  let aBigger = false
  let bBigger = false
  for (const node of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = clockEntry(a, node)
    const y = clockEntry(b, node)
    if (x > y) aBigger = true
    if (y > x) bBigger = true
  }
  if (aBigger && bBigger) return 'concurrent'
  if (aBigger) return 'after'
  if (bBigger) return 'before'
  return 'equal'
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** A total order on versions, used where a mode must pick one deterministically. */
function compareForTiebreak(a: Sibling, b: Sibling): number {
  if (a.ts !== b.ts) return a.ts - b.ts
  const byDot = compareDots(a.dot, b.dot)
  if (byDot !== 0) return byDot
  if (a.deleted !== b.deleted) return a.deleted ? -1 : 1
  return (
    compareStrings(JSON.stringify(a.value) ?? '', JSON.stringify(b.value) ?? '') ||
    compareStrings(JSON.stringify(sortClock(a.clock)), JSON.stringify(sortClock(b.clock)))
  )
}

/** A state in its one form: `context` already normalised (joinContexts makes it so), siblings sorted. */
const canonical = (context: CausalContext, siblings: Sibling[]): VersionedObject => ({
  context,
  siblings: siblings.sort((a, b) => compareDots(a.dot, b.dot) || compareForTiebreak(a, b)),
})

/** Applies a client write at its coordinator. */
export function applyWrite(mode: VersioningMode, object: VersionedObject, write: WriteInput): WriteResult {
  if (mode === 'vv') {
    // Dynamo: the coordinator increments its own entry of the clock it was given.
    const counter = clockEntry(write.context.clock, write.node) + 1
    const clock = sortClock({ ...write.context.clock, [write.node]: counter })
    const sibling = makeSibling(write, { node: write.node, counter }, clock)
    const context = { clock, dots: [] }
    return { object: merge('vv', object, { context, siblings: [sibling] }), sibling, context }
  }
  const dot = { node: write.node, counter: write.counter }
  const sibling = makeSibling(write, dot, sortClock(write.context.clock))
  if (write.context.dots.length > 0) sibling.dots = write.context.dots
  if (mode === 'lww') {
    // The object's context is the winner's, computed by merge.
    const context = addDot(write.context, dot)
    return { object: merge('lww', object, { context, siblings: [sibling] }), sibling, context }
  }
  // The coordinator holds every dot it issued for this key whose write it committed
  // (every acknowledged one: it answers only after its own commit), so its own dot can go
  // into the object's clock; loose dots from the writer's context stay loose. A dot sent
  // before a commit that then failed is of an unacknowledged write, which this may cover.
  const seen = joinContexts(object.context, {
    clock: joinUnsorted(write.context.clock, { [dot.node]: dot.counter }),
    dots: write.context.dots,
  })
  const kept = object.siblings.filter((s) => !covers(write.context, s.dot))
  return { object: canonical(seen, [...kept, sibling]), sibling, context: foldOwnDot(write.context, dot, kept) }
}

/**
 * The writer's context after its write: what it had read plus the write's dot, with the
 * dot folded into the clock as far as no gap forbids. The coordinator holds every dot it
 * committed for the key that nobody superseded (`unseen`: the siblings the writer's context
 * did not cover), so its entry can go up to just below the lowest of its own dots the
 * writer has not seen: every dot of it below that one is either seen, superseded, or of
 * another key. Without the fold a client that chains writes without reading would carry
 * one loose dot per write.
 */
function foldOwnDot(context: CausalContext, dot: Dot, unseen: readonly Sibling[]): CausalContext {
  let gap = dot.counter
  for (const s of unseen) if (s.dot.node === dot.node && s.dot.counter < gap) gap = s.dot.counter
  const upTo = gap === dot.counter ? dot.counter : gap - 1
  const seen = clockEntry(context.clock, dot.node)
  const clock = upTo > seen ? { ...context.clock, [dot.node]: upTo } : context.clock
  return normalizeContext({ clock, dots: [...context.dots, dot] })
}

function makeSibling(write: WriteInput, dot: Dot, clock: Clock): Sibling {
  return { dot, clock, value: write.value, deleted: write.deleted, ts: write.ts }
}

/**
 * Combines two replica states of one key. Commutative, associative and idempotent in
 * every mode, so replicas converge whatever order repairs arrive in.
 */
export function merge(mode: VersioningMode, a: VersionedObject, b: VersionedObject): VersionedObject {
  const context = joinContexts(a.context, b.context)
  if (mode === 'dvv' && !mutant('merge-last-writer-wins')) {
    const kept = a.siblings.filter((s) => holdsDot(b.siblings, s.dot) || !covers(b.context, s.dot))
    for (const s of b.siblings) if (!holdsDot(a.siblings, s.dot) && !covers(a.context, s.dot)) kept.push(s)
    return canonical(context, mutant('merge-drops-sibling') ? kept.slice(0, 1) : kept)
  }
  const all = [...a.siblings, ...b.siblings]
  if (mode === 'lww' || mutant('merge-last-writer-wins')) {
    const winner = all.reduce<Sibling | undefined>(
      (best, s) => (best === undefined || compareForTiebreak(s, best) > 0 ? s : best),
      undefined,
    )
    if (!winner) return canonical(context, [])
    const own = normalizeContext({ clock: joinUnsorted(winner.clock, { [winner.dot.node]: winner.dot.counter }), dots: winner.dots ?? [] })
    return canonical(own, [winner])
  }
  // vv: keep the maximal versions; equal clocks are settled by the tiebreak order.
  const beats = (t: Sibling, s: Sibling): boolean => {
    const order = compareClocks(t.clock, s.clock)
    return order === 'after' || (order === 'equal' && compareForTiebreak(t, s) > 0)
  }
  const kept: Sibling[] = []
  for (const s of all) {
    if (all.some((t) => beats(t, s))) continue
    if (kept.some((t) => compareForTiebreak(t, s) === 0)) continue
    kept.push(s)
  }
  return canonical(context, kept)
}

/**
 * The highest counter of `actor` that a context, and the versions of a state, claim to
 * have seen: what the actor must have issued for the claim to be true.
 */
export function highestClaim(actor: string, context: CausalContext, siblings: readonly Sibling[] = []): number {
  let highest = Math.max(clockEntry(context.clock, actor), highestDot(actor, context.dots))
  for (const s of siblings) {
    highest = Math.max(highest, clockEntry(s.clock, actor), highestDot(actor, s.dots), highestDot(actor, [s.dot]))
  }
  return highest
}

/*
 * The helpers below live at module level, not as closures of the function that uses
 * them: tsx names every named closure as it is made (a defineProperty call), which was
 * ~1.5% of a node's CPU under PUTs when these were made per write.
 */

/** The highest counter of `actor` among `dots` (0: none). */
function highestDot(actor: string, dots: readonly Dot[] = []): number {
  let highest = 0
  for (const d of dots) if (d.node === actor && d.counter > highest) highest = d.counter
  return highest
}

/** Whether one of `siblings` has the dot `dot`. */
const holdsDot = (siblings: readonly Sibling[], dot: Dot): boolean => siblings.some((t) => sameDot(dot, t.dot))

/** The siblings a reader sees (tombstones hidden). */
export const liveSiblings = (object: VersionedObject): Sibling[] => object.siblings.filter((s) => !s.deleted)

export const isEmptyObject = (object: VersionedObject): boolean =>
  object.siblings.length === 0 && Object.keys(object.context.clock).length === 0 && object.context.dots.length === 0

/** True when the two states hold the same versions and context (spots stale replicas). */
export function sameState(a: VersionedObject, b: VersionedObject): boolean {
  return (
    a.siblings.length === b.siblings.length &&
    (sameEntries(a.context.clock, b.context.clock) || compareClocks(a.context.clock, b.context.clock) === 'equal') &&
    a.context.dots.length === b.context.dots.length &&
    a.context.dots.every((d, i) => sameDot(d, b.context.dots[i])) &&
    a.siblings.every((s, i) => sameVersion(s, b.siblings[i]))
  )
}

/**
 * Whether {@link compareForTiebreak} finds the two the same, without serialising what is
 * plainly equal: replicas that agree (every read's common case) hold equal values and
 * clocks, and a read compares them for each reply.
 */
function sameVersion(a: Sibling, b: Sibling): boolean {
  return (
    a.ts === b.ts &&
    compareDots(a.dot, b.dot) === 0 &&
    a.deleted === b.deleted &&
    (a.value === b.value || (JSON.stringify(a.value) ?? '') === (JSON.stringify(b.value) ?? '')) &&
    (sameEntries(a.clock, b.clock) || JSON.stringify(sortClock(a.clock)) === JSON.stringify(sortClock(b.clock)))
  )
}

/** Whether two clocks have the same entries, in whatever order. */
function sameEntries(a: Clock, b: Clock): boolean {
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  for (const key of keys) if (!Object.hasOwn(b, key) || clockEntry(a, key) !== clockEntry(b, key)) return false
  return true
}

/**
 * The merge of replica states, as a read combines its replies. States that agree and hold
 * at most one version (a read's common case) merge to the first as it is: a stored state
 * is already in its one form (context normalised, siblings sorted), which is what merging
 * it with itself or an empty state gives.
 */
export function mergeStates(mode: VersioningMode, states: readonly VersionedObject[]): VersionedObject {
  const first = states[0]
  if (first !== undefined && first.siblings.length <= 1 && states.every((s) => s === first || sameState(s, first))) return first
  return states.reduce((acc, s) => merge(mode, acc, s), emptyObject())
}

// ---- contexts on the wire: what clients carry between a read and the next write ----

const SIGNATURE_BYTES = 16

/**
 * What a context is signed with: the cluster's secret and the key it was read from.
 * Dot counters are per node, not per key, so a context of one key carried to another
 * would cover that key's writes its holder never saw.
 */
export type ContextSeal = { secret: string; key: string }

/**
 * Encodes a causal context as an opaque string: base64url(JSON) + "." + a truncated HMAC
 * of the JSON pair `[key, payload]`, so a forged context (one claiming dots nobody issued,
 * which would make a replica discard future writes) or one from another key is refused.
 * The pair is unambiguous whatever the key holds: no key and payload can be cut
 * differently into the same signed text.
 */
export function encodeContext(context: CausalContext, seal: ContextSeal): string {
  const { clock, dots } = normalizeContext(context)
  const payload = Buffer.from(JSON.stringify(dots.length > 0 ? { clock, dots } : { clock })).toString('base64url')
  return `${payload}.${sign(payload, seal)}`
}

/**
 * Contexts of stored states already encoded, by the context object: a hot key's state
 * stays in the storage's cache, one object, and every read of it answers with its context.
 * Safe because a state is never changed once made (every merge and write makes a new one).
 */
const encodedStateContexts = new WeakMap<CausalContext, { seal: ContextSeal; encoded: string }>()

/** {@link encodeContext} of a stored state's context, remembered for the context object (see `encodedStateContexts`). */
export function encodeStateContext(context: CausalContext, seal: ContextSeal): string {
  const known = encodedStateContexts.get(context)
  if (known !== undefined && known.seal.key === seal.key && known.seal.secret === seal.secret) return known.encoded
  const encoded = encodeContext(context, seal)
  encodedStateContexts.set(context, { seal, encoded })
  return encoded
}

export type DecodedContext = { ok: true; context: CausalContext } | { ok: false; reason: string }

/**
 * Verifies and decodes a context produced by {@link encodeContext} for the same key. Only
 * the canonical base64url {@link encodeContext} writes is accepted: decoders skip what is
 * outside the alphabet, so a lenient check would let two strings carry one payload.
 */
export function decodeContext(encoded: string, seal: ContextSeal): DecodedContext {
  const dotAt = encoded.indexOf('.')
  if (dotAt <= 0) return { ok: false, reason: 'context is not of the form <payload>.<signature>' }
  const payload = encoded.slice(0, dotAt)
  const signature = encoded.slice(dotAt + 1)
  if (!isCanonicalBase64url(payload) || !isCanonicalBase64url(signature)) {
    return { ok: false, reason: 'context is not canonical base64url (as a read or write returned it)' }
  }
  const given = Buffer.from(signature, 'base64url')
  const expected = Buffer.from(sign(payload, seal), 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'context signature does not match (from another key or cluster, forged or corrupted)' }
  }
  const context = peekContext(encoded)
  return context ? { ok: true, context } : { ok: false, reason: 'context payload is not a causal context' }
}

/** Shape check for a state received from another node. */
export function isVersionedObject(value: unknown): value is VersionedObject {
  if (typeof value !== 'object' || value === null) return false
  const { context, siblings } = value as VersionedObject
  return (
    isContext(context) &&
    Array.isArray(siblings) &&
    siblings.every(
      (s) =>
        typeof s === 'object' &&
        s !== null &&
        isDot(s.dot) &&
        isClock(s.clock) &&
        (s.dots === undefined || (Array.isArray(s.dots) && s.dots.every(isDot))) &&
        'value' in s &&
        typeof s.deleted === 'boolean' &&
        Number.isFinite(s.ts),
    )
  )
}

/**
 * HMAC-SHA256 (RFC 2104) as two one-shot hashes over the key's pads, made once per secret
 * (a node has one): the bytes `createHmac` gives. Every write signs a fresh context, and
 * `createHmac` made a native Hmac object per call for the collector to finalise.
 */
type Signer = { secret: string; inner: Buffer; outer: Buffer }
let signer: Signer | undefined
const HMAC_BLOCK_BYTES = 64
const SHA256_BYTES = 32
/** Room for the signed text after the inner pad; a longer text gets a buffer of its own. */
const SIGNED_TEXT_BYTES = 4096

function signerFor(secret: string): Signer {
  if (signer?.secret === secret) return signer
  const given = Buffer.from(secret, 'utf8')
  const key = Buffer.alloc(HMAC_BLOCK_BYTES)
  ;(given.length > HMAC_BLOCK_BYTES ? oneShotHash('sha256', given, 'buffer') : given).copy(key)
  const inner = Buffer.allocUnsafe(HMAC_BLOCK_BYTES + SIGNED_TEXT_BYTES)
  const outer = Buffer.allocUnsafe(HMAC_BLOCK_BYTES + SHA256_BYTES)
  for (let i = 0; i < HMAC_BLOCK_BYTES; i++) {
    inner[i] = key[i] ^ 0x36
    outer[i] = key[i] ^ 0x5c
  }
  signer = { secret, inner, outer }
  return signer
}

/**
 * Exactly what encoding the decoded bytes gives back: only the alphabet (an encoder writes
 * nothing else) and no stray bits in the last character.
 */
const isCanonicalBase64url = (text: string): boolean => Buffer.from(text, 'base64url').toString('base64url') === text

function sign(payload: string, { secret, key }: ContextSeal): string {
  const { inner: scratch, outer } = signerFor(secret)
  const text = JSON.stringify([key, payload])
  const length = Buffer.byteLength(text)
  let inner = scratch
  if (length > SIGNED_TEXT_BYTES) {
    inner = Buffer.allocUnsafe(HMAC_BLOCK_BYTES + length)
    scratch.copy(inner, 0, 0, HMAC_BLOCK_BYTES)
  }
  inner.write(text, HMAC_BLOCK_BYTES)
  outer.write(oneShotHash('sha256', inner.subarray(0, HMAC_BLOCK_BYTES + length), 'hex'), HMAC_BLOCK_BYTES, 'hex')
  return oneShotHash('sha256', outer, 'buffer').subarray(0, SIGNATURE_BYTES).toString('base64url')
}
