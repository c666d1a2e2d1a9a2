/**
 * Merkle trees for anti-entropy: one per ring arc, over (key, version digest) of every
 * key the node stores. Leaves are XOR accumulators of per-key hashes, so a write updates
 * its leaf in O(1); inner nodes are hashed from their children on demand and cached.
 * Two replicas of an arc compare roots, walk down only the subtrees that differ, and
 * exchange only the keys of differing leaves.
 */
import { createHash } from 'node:crypto'
import type { Ring } from './ring.ts'
import type { VersionedObject } from './versioning.ts'

/** Levels below the root; an arc has 2^DEPTH leaves. */
export const MERKLE_DEPTH = 6
const LEAVES = 2 ** MERKLE_DEPTH
const HASH_BYTES = 16

export type KeyDigest = { key: string; digest: string }

/** A node of an arc's tree: level 0 is the root, level MERKLE_DEPTH the leaves. */
export type TreeNode = { arc: number; level: number; index: number }

const md5 = (data: string | Buffer): Buffer => createHash('md5').update(data).digest()

/** Digest of a stored version: its causal context and every sibling's identity and value. */
export function versionDigest(object: VersionedObject): string {
  const siblings = object.siblings.map((s) => [s.dot.node, s.dot.counter, s.deleted, s.ts, s.clock, s.value])
  return md5(JSON.stringify([object.context, siblings])).toString('hex')
}

type ArcTree = {
  leaves: Buffer[]
  keys: Set<string>[]
  /** Inner hashes by level, computed on demand; undefined when stale. */
  levels: Buffer[][] | undefined
}

export class MerkleIndex {
  #ring: Ring
  #arcs: ArcTree[]
  #digests = new Map<string, string>()

  constructor(ring: Ring) {
    this.#ring = ring
    this.#arcs = ring.tokens.map(() => ({
      leaves: Array.from({ length: LEAVES }, () => Buffer.alloc(HASH_BYTES)),
      keys: Array.from({ length: LEAVES }, () => new Set<string>()),
      levels: undefined,
    }))
  }

  get arcCount(): number {
    return this.#arcs.length
  }

  /** Records the key's current state (undefined: the key is gone). */
  update(key: string, object: VersionedObject | undefined): void {
    const digest = object ? versionDigest(object) : undefined
    const previous = this.#digests.get(key)
    if (previous === digest) return
    const tree = this.#arcs[this.#ring.arcOf(key)]
    const leaf = leafOf(key)
    if (previous !== undefined) xorInto(tree.leaves[leaf], md5(`${key}\u0000${previous}`))
    if (digest !== undefined) {
      xorInto(tree.leaves[leaf], md5(`${key}\u0000${digest}`))
      this.#digests.set(key, digest)
      tree.keys[leaf].add(key)
    } else {
      this.#digests.delete(key)
      tree.keys[leaf].delete(key)
    }
    tree.levels = undefined
  }

  digestOf(key: string): string | undefined {
    return this.#digests.get(key)
  }

  root(arc: number): string {
    return this.hash({ arc, level: 0, index: 0 })
  }

  keyCount(arc: number): number {
    return this.#arcs[arc].keys.reduce((n, keys) => n + keys.size, 0)
  }

  /** Hex hash of one tree node. */
  hash({ arc, level, index }: TreeNode): string {
    const tree = this.#arcs[arc]
    tree.levels ??= buildLevels(tree.leaves)
    return tree.levels[level][index].toString('hex')
  }

  /** The keys (with digests) under one leaf. */
  leafKeys(arc: number, leaf: number): KeyDigest[] {
    return [...this.#arcs[arc].keys[leaf]].sort().map((key) => ({ key, digest: this.#digests.get(key)! }))
  }

  static isValidNode({ arc, level, index }: TreeNode, arcs: number): boolean {
    return (
      Number.isInteger(arc) && arc >= 0 && arc < arcs &&
      Number.isInteger(level) && level >= 0 && level <= MERKLE_DEPTH &&
      Number.isInteger(index) && index >= 0 && index < 2 ** level
    )
  }
}

/** Spreads an arc's keys over its leaves by bits of their hash other than the ring position's. */
function leafOf(key: string): number {
  return md5(`leaf\u0000${key}`)[0] % LEAVES
}

function xorInto(target: Buffer, other: Buffer): void {
  for (let i = 0; i < HASH_BYTES; i++) target[i] ^= other[i]
}

function buildLevels(leaves: Buffer[]): Buffer[][] {
  const levels: Buffer[][] = [leaves]
  while (levels[0].length > 1) {
    const below = levels[0]
    levels.unshift(Array.from({ length: below.length / 2 }, (_, i) => md5(Buffer.concat([below[2 * i], below[2 * i + 1]]))))
  }
  return levels
}
