/**
 * Consistent hashing ring: MD5 positions on a 128-bit circle, T virtual nodes (tokens)
 * per node at MD5("<node>#<i>"). A key's preference list walks clockwise from the key's
 * position collecting distinct nodes; its first N entries are the key's home replicas.
 */
import { hash } from 'node:crypto'

export type RingOptions = {
  /** Node ids taking part in the ring. */
  nodes: string[]
  /** Tokens (virtual nodes) per node. Default 16. */
  vnodes?: number
}

export type Token = { position: string; node: string }

/** Keys whose arc is remembered (the memo is emptied when full). */
const RECENT_ARCS = 100_000

/** Position on the ring as 32 hex digits, so string order is numeric order (one-shot: no Hash object per key). */
export const ringPosition = (text: string): string => hash('md5', text, 'hex')

/** Token order; positions are distinct ("<node>#<i>" are), so no tie is ever compared. */
const byPosition = (a: Token, b: Token): number => (a.position < b.position ? -1 : 1)

export class Ring {
  readonly nodes: readonly string[]
  readonly vnodes: number
  readonly tokens: readonly Token[]
  /** Preference list of each arc, computed once: every request asks for one. */
  #arcLists: readonly (readonly string[])[]
  #recentArcs = new Map<string, number>()

  constructor({ nodes, vnodes = 16 }: RingOptions) {
    if (nodes.length === 0) throw new Error('a ring needs at least one node')
    if (new Set(nodes).size !== nodes.length) throw new Error('ring node ids must be distinct')
    if (!Number.isInteger(vnodes) || vnodes < 1) throw new Error('vnodes must be a positive integer')
    this.nodes = [...nodes].sort()
    this.vnodes = vnodes
    this.tokens = this.nodes
      .flatMap((node) => Array.from({ length: vnodes }, (_, i) => ({ position: ringPosition(`${node}#${i}`), node })))
      .sort(byPosition)
    this.#arcLists = this.tokens.map((_, arc) => {
      const seen = new Set<string>()
      // Every node has a token, so the walk meets them all before it comes round.
      for (let i = 0; seen.size < this.nodes.length; i++) {
        seen.add(this.tokens[(arc + i) % this.tokens.length].node)
      }
      return [...seen]
    })
  }

  /** Every node, in the order a key's replicas are chosen. */
  preferenceList(key: string): readonly string[] {
    return this.#arcLists[this.arcOf(key)]
  }

  /**
   * The arc a key falls in: the index of the first token at or after its position.
   * Every key of an arc has the same preference list.
   */
  arcOf(key: string): number {
    let arc = this.#recentArcs.get(key)
    if (arc === undefined) {
      arc = this.#firstTokenAtOrAfter(ringPosition(key))
      // A request asks several times, and workloads come back to their keys: skip the MD5.
      // Stryker disable next-line ConditionalExpression,EqualityOperator: when the memo empties changes only how often MD5 runs
      if (this.#recentArcs.size >= RECENT_ARCS) this.#recentArcs.clear()
      this.#recentArcs.set(key, arc)
    }
    return arc
  }

  /** The preference list shared by the keys of arc `arc`. */
  arcPreferenceList(arc: number): readonly string[] {
    return this.#arcLists[arc]
  }

  /** The key's first `n` distinct nodes. */
  homeReplicas(key: string, n: number): string[] {
    return this.preferenceList(key).slice(0, n)
  }

  /** Arc `arc` as the (start, end] range of positions it covers (it wraps for arc 0). */
  arcRange(arc: number): { start: string; end: string } {
    return { start: this.tokens[(arc - 1 + this.tokens.length) % this.tokens.length].position, end: this.tokens[arc].position }
  }

  #firstTokenAtOrAfter(position: string): number {
    let lo = 0
    let hi = this.tokens.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.tokens[mid].position < position) lo = mid + 1
      else hi = mid
    }
    return lo === this.tokens.length ? 0 : lo
  }
}
