/**
 * `causal` (causal+) on one node. Every node holds every key; a client is served by the
 * node it talks to, without waiting for any other:
 *
 * - A context in this mode is a client's dependencies: a vector of what the node that
 *   answered had applied (per origin, the last write of its chain), valid for any key. A
 *   request carrying one (a write's body, a read's `x-quorumlab-context`) is served only
 *   once this node has applied all of it, waiting up to the replica timeout, then answered
 *   `503 causal_dependencies_unmet` naming what the node lacks. Every answer carries this
 *   node's vector: a client that sends back the last context it got carries its whole
 *   causal past (and a little more: writes its node had applied that it never read).
 * - A write is applied here (dvv: it supersedes the siblings its context covers, so every
 *   earlier write of the key in the client's causal past; concurrent writes stay
 *   siblings) and, in the same durable transaction, appended to this node's log with its
 *   dependencies: everything this node had applied when it took it. The client is
 *   answered then; the log is shipped to every peer in the background (`shipper.ts`).
 * - A write received from a peer is applied only once everything it depends on has been
 *   ({@link CausalDelivery}), so a node never shows a write without its causes, and every
 *   node applies every write: replicas converge.
 *
 * What this node has applied is stored with every change, so a restarted node knows
 * exactly what it holds.
 */
import { normalizeContext, type CausalContext, type Clock } from '../../../common/contracts/causal.ts'
import type { ReadResult, WriteOutcome } from '../../coordinator.ts'
import { ApiError } from '../../errors.ts'
import type { LocalWrite, Replica } from '../../replica.ts'
import type { Table } from '../../storage.ts'
import { applyWrite, merge, type VersionedObject } from '../../versioning.ts'
import { CausalDelivery, type LogEntry } from './delivery.ts'

export type CausalNodeOptions = {
  replica: Pick<Replica, 'node' | 'now' | 'read' | 'update'>
  /** Durable state: the applied vector (id `applied`). */
  state: Table<Clock>
  /** Durable log of this node's own writes, by {@link logId}. */
  log: Table<LogEntry>
  /** How long a request waits for its dependencies, ms. */
  dependencyTimeoutMs: number
  /** Called after each local write is durable (wakes the shippers). */
  onLocalWrite?: () => void
}

type Waiter = { context: CausalContext; resolve: () => void }

/** Log ids sort as the counters they hold. */
export const logId = (counter: number): string => String(counter).padStart(16, '0')

export type CausalCounts = { peerWritesApplied: number; dependencyWaits: number; dependencyTimeouts: number }

export class CausalNode {
  readonly counts: CausalCounts = { peerWritesApplied: 0, dependencyWaits: 0, dependencyTimeouts: 0 }
  #options: CausalNodeOptions
  /** Applied and committed: what requests wait for and peers are told. */
  #applied: Map<string, number>
  /** Applied in storage order, committed or not: what the next transaction writes down and a local write depends on. */
  #stored: Clock
  #delivery: CausalDelivery
  #waiters = new Set<Waiter>()

  constructor(options: CausalNodeOptions) {
    this.#options = options
    const applied = options.state.get('applied') ?? {}
    this.#applied = new Map(Object.entries(applied))
    this.#stored = { ...applied }
    this.#delivery = new CausalDelivery(applied)
  }

  /** The actor this node's writes are under. */
  get origin(): string {
    return this.#options.replica.node
  }

  /** What this node has applied (committed), per origin. */
  applied(): Clock {
    return Object.fromEntries(this.#applied)
  }

  /** Writes received that wait for their dependencies. */
  get buffered(): number {
    return this.#delivery.buffered
  }

  /**
   * The key's state here, once this node has applied what `after` covers; its context is
   * this node's vector (it covers every write the state reflects, shown or superseded).
   */
  async read(key: string, after: CausalContext): Promise<ReadResult> {
    await this.#dependencies(after)
    const object = this.#options.replica.read(key)
    return { object: { ...object, context: { clock: { ...this.#stored }, dots: [] } }, replies: 1 }
  }

  /** Applies a client write here and logs it for the peers, once this node has what its context covers. */
  async write(key: string, write: LocalWrite): Promise<WriteOutcome> {
    await this.#dependencies(write.context)
    const { replica, log, state } = this.#options
    const origin = this.origin
    const ts = replica.now()
    const result = await replica.update(key, (current, nextCounter) => {
      const counter = nextCounter()
      const applied = applyWrite('dvv', current, { node: origin, counter, ts, ...write })
      const object = withChainOf(applied.object, origin, counter)
      const entry: LogEntry = {
        key,
        counter,
        prev: this.#stored[origin] ?? 0,
        deps: { ...this.#stored },
        delta: { context: applied.context, siblings: [applied.sibling] },
      }
      this.#stored = { ...this.#stored, [origin]: counter }
      this.#delivery.noteLocal(origin, counter)
      log.put(logId(counter), entry)
      state.put('applied', this.#stored)
      return { store: object, result: { sibling: applied.sibling, counter, after: this.#stored } }
    })
    this.#committed(origin, result.counter)
    this.#options.onLocalWrite?.()
    return { sibling: result.sibling, context: { clock: result.after, dots: [] }, acks: 1 }
  }

  /**
   * Writes shipped by the peer whose actor is `origin`: applies, in causal order, every
   * write that can be, and resolves once those are durable to what this node has applied.
   */
  async receive(origin: string, entries: readonly LogEntry[]): Promise<Clock> {
    const ready = this.#delivery.receive(origin, entries)
    await Promise.all(ready.map(({ origin: from, entry }) => this.#apply(from, entry)))
    return this.applied()
  }

  #apply(origin: string, entry: LogEntry): Promise<void> {
    const { replica, state } = this.#options
    return replica
      .update(entry.key, (current) => {
        this.#stored = { ...this.#stored, [origin]: entry.counter }
        state.put('applied', this.#stored)
        return { store: withChainOf(merge('dvv', current, entry.delta), origin, entry.counter), result: undefined }
      })
      .then(() => {
        this.counts.peerWritesApplied++
        this.#committed(origin, entry.counter)
      })
  }

  #committed(origin: string, counter: number): void {
    if ((this.#applied.get(origin) ?? 0) < counter) this.#applied.set(origin, counter)
    for (const waiter of this.#waiters) {
      if (this.missing(waiter.context).length === 0) waiter.resolve()
    }
  }

  /** The writes `context` covers that this node has not applied, as `actor:counter (applied up to c)`. */
  missing(context: CausalContext): string[] {
    const lacks: string[] = []
    const need = (actor: string, counter: number): void => {
      const have = this.#applied.get(actor) ?? 0
      if (have < counter) lacks.push(`${actor}:${counter} (applied up to ${have})`)
    }
    for (const [actor, counter] of Object.entries(context.clock)) need(actor, counter)
    for (const dot of context.dots) need(dot.node, dot.counter)
    return lacks
  }

  /** Resolves once this node has applied what `context` covers; a 503 naming what it lacks after the deadline. */
  async #dependencies(context: CausalContext): Promise<void> {
    if (this.missing(context).length === 0) return
    this.counts.dependencyWaits++
    const { dependencyTimeoutMs } = this.#options
    let waiter: Waiter | undefined
    let timer: NodeJS.Timeout | undefined
    const met = await new Promise<boolean>((resolve) => {
      waiter = { context, resolve: () => resolve(true) }
      this.#waiters.add(waiter)
      timer = setTimeout(() => resolve(false), dependencyTimeoutMs)
    }).finally(() => {
      clearTimeout(timer)
      if (waiter) this.#waiters.delete(waiter)
    })
    if (met) return
    this.counts.dependencyTimeouts++
    const lacks = this.missing(context)
    throw new ApiError(
      503,
      'causal_dependencies_unmet',
      `${this.origin} has not applied, within ${dependencyTimeoutMs} ms, writes the request's context depends on: ${lacks.join(', ')}`,
    )
  }
}

/**
 * The key's state with the writes of `origin` up to `counter` in its context's clock: a
 * node applies each origin's writes in order, so once it has applied one it has applied
 * (shown or superseded) every earlier write of that origin. Every node folds the same way,
 * so replicas that applied the same writes hold the same state (equal digests).
 */
function withChainOf(object: VersionedObject, origin: string, counter: number): VersionedObject {
  if ((object.context.clock[origin] ?? 0) >= counter) return object
  const clock = { ...object.context.clock, [origin]: counter }
  return { ...object, context: normalizeContext({ clock, dots: object.context.dots }) }
}
