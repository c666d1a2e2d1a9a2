/**
 * Merkle trees for anti-entropy: one per ring arc, over (key, version digest) of every
 * key the node stores. A key's digest is brought up to date when its state changes,
 * while the object is still in the storage's cache (later, it would be read back from
 * disk and decoded: more than the digest costs); the keys found on disk at start are
 * only marked, and hashed when a tree is first looked at. Leaves are XOR accumulators of
 * per-key hashes (a changed key updates its leaf in O(1)); inner nodes are hashed from
 * their children on demand and cached, and a change makes only its leaf's ancestors stale.
 * Two replicas of an arc compare roots, walk down only the subtrees that differ, and
 * exchange only the keys of differing leaves.
 */
import { hash as oneShotHash } from 'node:crypto'
import type { Ring } from './ring.ts'
import type { Clock } from '../common/contracts/causal.ts'
import type { VersionedObject } from './versioning.ts'

/** Levels below the root; an arc has 2^DEPTH leaves. */
export const MERKLE_DEPTH = 6
const LEAVES = 2 ** MERKLE_DEPTH
const HASH_BYTES = 16
/** Slots the index starts with; it doubles them when full. */
const INITIAL_SLOTS = 1024

export type KeyDigest = { key: string; digest: string }

/** A node of an arc's tree: level 0 is the root, level MERKLE_DEPTH the leaves. */
export type TreeNode = { arc: number; level: number; index: number }

/** One-shot hashing: no Hash object per call, a third of `createHash`'s CPU for inputs this small. */
const md5 = (data: Buffer): Buffer => oneShotHash('md5', data, 'buffer')

/**
 * Digest of a key's stored version: the key, its causal context and every sibling's
 * identity and value. The key is in it so the digest itself is what the key adds to its
 * leaf: one MD5 per change, none to take the old version out. Every node hashes one for
 * every PUT, so the text is joined by hand: a third less CPU than `JSON.stringify` of
 * arrays made for it.
 */
function versionDigest(key: string, object: VersionedObject): string {
  let text = `${key}\u0000${clockText(object.context.clock)}`
  for (const dot of object.context.dots) text += `;${dot.node}:${dot.counter}`
  for (const s of object.siblings)
    text += `\u0000${s.dot.node}:${s.dot.counter}:${s.deleted ? 1 : 0}:${s.ts}:${clockText(s.clock)}:${JSON.stringify(s.value)}`
  return oneShotHash('md5', text, 'hex')
}

/** A clock as `node=counter,` pairs, in its keys' order (clocks are kept sorted). */
function clockText(clock: Clock): string {
  let text = ''
  for (const node in clock) text += `${node}=${clock[node]},`
  return text
}

type ArcTree = {
  /** Each leaf's accumulator: a view of {@link MerkleIndex}'s one buffer of leaves. */
  leaves: Buffer[]
  /**
   * Inner hashes by level (0 to MERKLE_DEPTH - 1), each computed when first asked for;
   * undefined when stale. A changed leaf makes only its ancestors stale, so a walk that
   * runs while writes go on rehashes the paths they changed, not every arc's whole tree.
   * A stale node's ancestors are stale too.
   */
  inner: (Buffer | undefined)[][]
}

export type MerkleIndexOptions = {
  ring: Ring
  /** The stored state of a key (undefined: none), read when its digest is needed. */
  load: (key: string) => VersionedObject | undefined
}

export class MerkleIndex {
  #ring: Ring
  #load: (key: string) => VersionedObject | undefined
  #arcs: ArcTree[]
  #dirty = new Set<string>()
  // Every key has a slot; what a slot holds lives in typed arrays, so an index of a million
  // keys is a few flat arrays and one map of small integers, not millions of small objects
  // for the collector to visit (the digests were hex strings, each leaf a Set).
  #slots = new Map<string, number>()
  #keyOf: string[] = []
  #free: number[] = []
  #digests = new Uint8Array(INITIAL_SLOTS * HASH_BYTES)
  /** The slot's leaf, numbered over every arc (`arc * LEAVES + leaf`), or -1 when free. */
  #leafOf = new Int32Array(INITIAL_SLOTS).fill(-1)
  /** The next slot in the same leaf's list, or -1. */
  #next = new Int32Array(INITIAL_SLOTS).fill(-1)
  /** The first slot of each leaf's list, or -1. */
  #heads: Int32Array
  #counts: Int32Array
  #allLeaves: Buffer
  #scratch = new Uint8Array(HASH_BYTES)

  constructor({ ring, load }: MerkleIndexOptions) {
    this.#ring = ring
    this.#load = load
    const arcs = ring.tokens.length
    this.#heads = new Int32Array(arcs * LEAVES).fill(-1)
    this.#counts = new Int32Array(arcs)
    this.#allLeaves = Buffer.alloc(arcs * LEAVES * HASH_BYTES)
    this.#arcs = ring.tokens.map((_, arc) => ({
      leaves: Array.from({ length: LEAVES }, (_, leaf) => {
        const start = (arc * LEAVES + leaf) * HASH_BYTES
        return this.#allLeaves.subarray(start, start + HASH_BYTES)
      }),
      inner: Array.from({ length: MERKLE_DEPTH }, (_, level) => new Array<Buffer | undefined>(2 ** level).fill(undefined)),
    }))
  }

  get arcCount(): number {
    return this.#arcs.length
  }

  /** The key may have a state this index has not seen (a key found on disk at start): its digest is brought up to date when next needed. */
  touch(key: string): void {
    this.#dirty.add(key)
  }

  /** The key's state changed: its digest is brought up to date now, from its stored state. */
  refresh(key: string): void {
    this.#update(key, this.#load(key))
  }

  #settle(): void {
    if (this.#dirty.size === 0) return
    for (const key of this.#dirty) this.#update(key, this.#load(key))
    this.#dirty.clear()
  }

  #update(key: string, object: VersionedObject | undefined): void {
    const slot = this.#slots.get(key)
    if (object === undefined) {
      if (slot !== undefined) this.#remove(key, slot)
      return
    }
    const digest = this.#scratch
    hexInto(digest, versionDigest(key, object))
    if (slot === undefined) {
      this.#add(key, digest)
      return
    }
    const at = slot * HASH_BYTES
    const stored = this.#digests
    let same = true
    for (let i = 0; i < HASH_BYTES; i++) if (stored[at + i] !== digest[i]) same = false
    if (same) return
    const leaf = this.#leafOf[slot]
    const leaves = this.#allLeaves
    const leafAt = leaf * HASH_BYTES
    for (let i = 0; i < HASH_BYTES; i++) {
      leaves[leafAt + i] ^= stored[at + i] ^ digest[i]
      stored[at + i] = digest[i]
    }
    this.#staleAbove(leaf)
  }

  #add(key: string, digest: Uint8Array): void {
    const slot = this.#free.pop() ?? this.#newSlot()
    const arc = this.#ring.arcOf(key)
    const leaf = arc * LEAVES + leafOf(key)
    this.#slots.set(key, slot)
    this.#keyOf[slot] = key
    this.#leafOf[slot] = leaf
    this.#next[slot] = this.#heads[leaf]
    this.#heads[leaf] = slot
    this.#counts[arc] += 1
    const at = slot * HASH_BYTES
    const leafAt = leaf * HASH_BYTES
    for (let i = 0; i < HASH_BYTES; i++) {
      this.#digests[at + i] = digest[i]
      this.#allLeaves[leafAt + i] ^= digest[i]
    }
    this.#staleAbove(leaf)
  }

  #remove(key: string, slot: number): void {
    const leaf = this.#leafOf[slot]
    const at = slot * HASH_BYTES
    const leafAt = leaf * HASH_BYTES
    for (let i = 0; i < HASH_BYTES; i++) this.#allLeaves[leafAt + i] ^= this.#digests[at + i]
    // Unlinked from its leaf's list: a walk as long as the leaf, and keys seldom go.
    if (this.#heads[leaf] === slot) this.#heads[leaf] = this.#next[slot]
    else {
      let before = this.#heads[leaf]
      while (before !== -1 && this.#next[before] !== slot) before = this.#next[before]
      if (before !== -1) this.#next[before] = this.#next[slot]
    }
    this.#slots.delete(key)
    this.#keyOf[slot] = ''
    this.#leafOf[slot] = -1
    this.#next[slot] = -1
    this.#counts[Math.floor(leaf / LEAVES)] -= 1
    this.#free.push(slot)
    this.#staleAbove(leaf)
  }

  /** The next unused slot, the arrays doubled when full. */
  #newSlot(): number {
    const slot = this.#keyOf.length
    if (slot === this.#leafOf.length) {
      const grown = (from: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
        const to = new Int32Array(from.length * 2).fill(-1)
        to.set(from)
        return to
      }
      this.#leafOf = grown(this.#leafOf)
      this.#next = grown(this.#next)
      const digests = new Uint8Array(this.#digests.length * 2)
      digests.set(this.#digests)
      this.#digests = digests
    }
    this.#keyOf.push('')
    return slot
  }

  /** Marks the ancestors of a changed leaf (numbered over every arc) stale. */
  #staleAbove(leaf: number): void {
    staleAbove(this.#arcs[Math.floor(leaf / LEAVES)], leaf % LEAVES)
  }

  #hexOf(slot: number): string {
    const at = slot * HASH_BYTES
    return Buffer.from(this.#digests.buffer, this.#digests.byteOffset + at, HASH_BYTES).toString('hex')
  }

  digestOf(key: string): string | undefined {
    this.#settle()
    const slot = this.#slots.get(key)
    return slot === undefined ? undefined : this.#hexOf(slot)
  }

  root(arc: number): string {
    return this.hash({ arc, level: 0, index: 0 })
  }

  keyCount(arc: number): number {
    this.#settle()
    return this.#counts[arc]
  }

  /** Hex hash of one tree node. */
  hash({ arc, level, index }: TreeNode): string {
    this.#settle()
    return nodeHash(this.#arcs[arc], level, index).toString('hex')
  }

  /** The keys (with digests) under one leaf. */
  leafKeys(arc: number, leaf: number): KeyDigest[] {
    this.#settle()
    const found: KeyDigest[] = []
    for (let slot = this.#heads[arc * LEAVES + leaf]; slot !== -1; slot = this.#next[slot]) {
      found.push({ key: this.#keyOf[slot], digest: this.#hexOf(slot) })
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  }

  static isValidNode({ arc, level, index }: TreeNode, arcs: number): boolean {
    return (
      Number.isInteger(arc) &&
      arc >= 0 &&
      arc < arcs &&
      Number.isInteger(level) &&
      level >= 0 &&
      level <= MERKLE_DEPTH &&
      Number.isInteger(index) &&
      index >= 0 &&
      index < 2 ** level
    )
  }
}

/**
 * Spreads an arc's keys over its leaves by a hash independent of the ring position's
 * (32-bit FNV-1a of the key's UTF-16 code units: every node computes the same, without
 * an MD5 per change).
 */
function leafOf(key: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193)
  // The top bits: a multiply mixes them best.
  return hash >>> (32 - MERKLE_DEPTH)
}

/** Writes the bytes a digest's lower-case hex spells into `target`, without decoding it into a Buffer first. */
function hexInto(target: Uint8Array, hex: string): void {
  for (let i = 0; i < HASH_BYTES; i++) target[i] = (nibble(hex.charCodeAt(2 * i)) << 4) | nibble(hex.charCodeAt(2 * i + 1))
}

/** The value of a lower-case hex digit's char code ('0'–'9' are 48–57, 'a'–'f' 97–102). */
const nibble = (code: number): number => (code <= 57 ? code - 48 : code - 87)

/** Marks the ancestors of a changed leaf stale, up to the first already stale (whose own ancestors are). */
function staleAbove(tree: ArcTree, leaf: number): void {
  let index = leaf
  for (let level = MERKLE_DEPTH - 1; level >= 0; level--) {
    index >>= 1
    if (tree.inner[level][index] === undefined) return
    tree.inner[level][index] = undefined
  }
}

/** A node's hash: a leaf's accumulator, or the MD5 of its two children's hashes (computed now if stale). */
function nodeHash(tree: ArcTree, level: number, index: number): Buffer {
  if (level === MERKLE_DEPTH) return tree.leaves[index]
  let hash = tree.inner[level][index]
  if (hash === undefined) {
    hash = md5(Buffer.concat([nodeHash(tree, level + 1, 2 * index), nodeHash(tree, level + 1, 2 * index + 1)]))
    tree.inner[level][index] = hash
  }
  return hash
}
