/**
 * Causal delivery of the writes a node receives from its peers: a write is handed on to be
 * applied only once every write it depends on has been (its origin's previous write, and
 * every write its origin had applied when it took it); until then it waits in a buffer.
 * Pure bookkeeping, no I/O: the causal mode applies what this hands on, in that order.
 *
 * Writes are named by their dot: the origin (the actor that took the write) and the
 * origin's counter. An origin's writes form a chain (`prev`), so "applied up to counter c
 * of origin o" is one number per origin: the vector `known`.
 */
import { isClock, type Clock } from '../../../common/contracts/causal.ts'
import { isVersionedObject, type VersionedObject } from '../../versioning.ts'

/** One write in an origin's log, as it is shipped to peers. */
export type LogEntry = {
  key: string
  /** The write's dot counter at its origin. */
  counter: number
  /** The origin's previous write (0: this is its first): applied before this one. */
  prev: number
  /** What the origin had applied when it took the write, per origin: applied before this one. */
  deps: Clock
  /** What the write does to its key: its version, and the context of what it supersedes. */
  delta: VersionedObject
}

/** A write ready to be applied, with its origin. */
export type Delivery = { origin: string; entry: LogEntry }

export const isLogEntry = (value: unknown): value is LogEntry =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as LogEntry).key === 'string' &&
  Number.isSafeInteger((value as LogEntry).counter) &&
  (value as LogEntry).counter > 0 &&
  Number.isSafeInteger((value as LogEntry).prev) &&
  (value as LogEntry).prev >= 0 &&
  (value as LogEntry).prev < (value as LogEntry).counter &&
  isClock((value as LogEntry).deps) &&
  isVersionedObject((value as LogEntry).delta)

export class CausalDelivery {
  /** Per origin, what has been applied or handed on to be: the last counter of its chain. */
  #known: Map<string, number>
  /** Waiting writes, per origin, by the counter of the write they follow. */
  #buffer = new Map<string, Map<number, LogEntry>>()
  #buffered = 0
  #maxBuffered: number

  /** @param known what the node has applied, per origin. @param maxBuffered writes held at most (more are dropped: their origin sends them again). */
  constructor(known: Clock, maxBuffered = 100_000) {
    this.#known = new Map(Object.entries(known))
    this.#maxBuffered = maxBuffered
  }

  /** Writes waiting for their dependencies. */
  get buffered(): number {
    return this.#buffered
  }

  /** What has been applied or handed on, per origin. */
  known(): Clock {
    return Object.fromEntries(this.#known)
  }

  /** A write this node took itself, in its origin's chain. */
  noteLocal(origin: string, counter: number): void {
    if (this.#head(origin) < counter) this.#known.set(origin, counter)
  }

  /**
   * Takes writes shipped by `origin` (duplicates of what is known are dropped) and returns
   * every write that can now be applied, in an order where each comes after what it
   * depends on; those count as known from now on.
   */
  receive(origin: string, entries: readonly LogEntry[]): Delivery[] {
    for (const entry of entries) {
      if (entry.counter <= this.#head(origin) || this.#buffered >= this.#maxBuffered) continue
      let chain = this.#buffer.get(origin)
      if (!chain) {
        chain = new Map()
        this.#buffer.set(origin, chain)
      }
      if (!chain.has(entry.prev)) this.#buffered++
      chain.set(entry.prev, entry)
    }
    return this.#drain()
  }

  /** Hands on every buffered write whose dependencies are known, until none is left that can go. */
  #drain(): Delivery[] {
    const ready: Delivery[] = []
    for (let progress = true; progress; ) {
      progress = false
      for (const [origin, chain] of this.#buffer) {
        for (let entry = chain.get(this.#head(origin)); entry && this.#covers(entry.deps, origin); ) {
          chain.delete(entry.prev)
          this.#buffered--
          this.#known.set(origin, entry.counter)
          ready.push({ origin, entry })
          progress = true
          entry = chain.get(entry.counter)
        }
        // Writes a chain has passed (sent again after they were applied) are dropped.
        for (const prev of chain.keys()) {
          if (prev < this.#head(origin)) {
            chain.delete(prev)
            this.#buffered--
          }
        }
        if (chain.size === 0) this.#buffer.delete(origin)
      }
    }
    return ready
  }

  #covers(deps: Clock, origin: string): boolean {
    for (const [node, counter] of Object.entries(deps)) {
      if (node !== origin && this.#head(node) < counter) return false
    }
    return true
  }

  #head(origin: string): number {
    return this.#known.get(origin) ?? 0
  }
}
