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
import type { VersionedObject } from './versioning.ts'

/** Levels below the root; an arc has 2^DEPTH leaves. */
export const MERKLE_DEPTH = 6
const LEAVES = 2 ** MERKLE_DEPTH
const HASH_BYTES = 16

export type KeyDigest = { key: string; digest: string }

/** A node of an arc's tree: level 0 is the root, level MERKLE_DEPTH the leaves. */
export type TreeNode = { arc: number; level: number; index: number }

/** One-shot hashing: no Hash object per call, a third of `createHash`'s CPU for inputs this small. */
const md5 = (data: Buffer): Buffer => oneShotHash('md5', data, 'buffer')

/**
 * Digest of a key's stored version: the key, its causal context and every sibling's
 * identity and value. The key is in it so the digest itself is what the key adds to its
 * leaf: one MD5 per change, none to take the old version out.
 */
function versionDigest(key: string, object: VersionedObject): string {
  const siblings = object.siblings.map((s) => [s.dot.node, s.dot.counter, s.deleted, s.ts, s.clock, s.value])
  return oneShotHash('md5', `${key}\u0000${JSON.stringify([object.context, siblings])}`, 'hex')
}

type ArcTree = {
  leaves: Buffer[]
  keys: Set<string>[]
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
  #digests = new Map<string, string>()
  #dirty = new Set<string>()

  constructor({ ring, load }: MerkleIndexOptions) {
    this.#ring = ring
    this.#load = load
    this.#arcs = ring.tokens.map(() => ({
      leaves: Array.from({ length: LEAVES }, () => Buffer.alloc(HASH_BYTES)),
      keys: Array.from({ length: LEAVES }, () => new Set<string>()),
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
    const digest = object ? versionDigest(key, object) : undefined
    const previous = this.#digests.get(key)
    if (previous === digest) return
    const tree = this.#arcs[this.#ring.arcOf(key)]
    const leaf = leafOf(key)
    if (previous !== undefined) xorHexInto(tree.leaves[leaf], previous)
    if (digest !== undefined) {
      xorHexInto(tree.leaves[leaf], digest)
      this.#digests.set(key, digest)
      tree.keys[leaf].add(key)
    } else {
      this.#digests.delete(key)
      tree.keys[leaf].delete(key)
    }
    staleAbove(tree, leaf)
  }

  digestOf(key: string): string | undefined {
    this.#settle()
    return this.#digests.get(key)
  }

  root(arc: number): string {
    return this.hash({ arc, level: 0, index: 0 })
  }

  keyCount(arc: number): number {
    this.#settle()
    return this.#arcs[arc].keys.reduce((n, keys) => n + keys.size, 0)
  }

  /** Hex hash of one tree node. */
  hash({ arc, level, index }: TreeNode): string {
    this.#settle()
    return nodeHash(this.#arcs[arc], level, index).toString('hex')
  }

  /** The keys (with digests) under one leaf. */
  leafKeys(arc: number, leaf: number): KeyDigest[] {
    this.#settle()
    return [...this.#arcs[arc].keys[leaf]].sort().map((key) => ({ key, digest: this.#digests.get(key)! }))
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

/** XORs the bytes a digest's lower-case hex spells into `target`, without decoding it into a Buffer first. */
function xorHexInto(target: Buffer, hex: string): void {
  for (let i = 0; i < HASH_BYTES; i++) target[i] ^= (nibble(hex.charCodeAt(2 * i)) << 4) | nibble(hex.charCodeAt(2 * i + 1))
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
