/**
 * A session: one logical client (a Jepsen process) running one op at a time through the
 * store adapter's {@link Client}. It keeps, per key, the last context and values it saw
 * (from its reads and its own writes), writes with that context in read-modify-write
 * workloads or blind otherwise, resolves siblings a read returns with the workload's
 * merge and writes the result back, and turns every op into a history record. On a store
 * whose contexts are a session's dependencies (the reference store's causal mode), it
 * sends the last context it got, whatever its key, with every op instead.
 */
import type { OpRecord, Phase } from '../../common/contracts/history.ts'
import type { Workload } from '../../workloads/workload.ts'
import type { Client } from '../adapter/index.ts'
import type { PlannedOp } from '../generator/op-generator.ts'
import type { RunClock } from '../history/clock.ts'

export type SessionOptions = {
  process: number
  client: Client
  workload: Workload
  clock: RunClock
  /** The phase an op belongs to, asked at its invocation. */
  phase: () => Phase
  record: (op: Omit<OpRecord, 'index'>) => void
  /**
   * Send the last context any op returned with every op, reads included, writes blind or
   * not: the store's contexts carry the session's causal dependencies, whatever the key.
   */
  carryContext?: boolean
}

/** What the session last saw of a key; `context` is null on stores without version metadata. */
type Known = { context: string | null; values: unknown[] }

export class Session {
  readonly process: number
  #options: SessionOptions
  #known = new Map<string, Known>()
  /** The last context any op returned (sent with every op when `carryContext`). */
  #latest: string | null = null
  #resolutions = 0

  constructor(options: SessionOptions) {
    this.process = options.process
    this.#options = options
  }

  /** Runs a planned op (and a write-back if it found siblings); resolves when recorded. */
  async run(op: PlannedOp, intendedUs: number): Promise<void> {
    if (op.f === 'get') {
      const values = await this.read(op.key, op.node, intendedUs)
      if (values && values.length > 1) await this.#resolve(op, values)
      return
    }
    const { workload } = this.#options
    if (op.f === 'cas') {
      await this.#cas(op, intendedUs, workload.behavior.write(op.element!, undefined, workload.valueBytes).value)
      return
    }
    const known = workload.writeStyle === 'read-modify-write' ? this.#known.get(op.key) : undefined
    const { value, element } = workload.behavior.write(op.element!, known?.values, workload.valueBytes)
    await this.#write(op, intendedUs, value, element, this.#options.carryContext ? this.#latest : (known?.context ?? null))
  }

  /**
   * Compare-and-set from the one value the session last saw of the key (null when it saw
   * none, or siblings: such a cas cannot hold on a store whose missing keys match nothing).
   * Recorded with `value: [expected, new]`.
   */
  async #cas(op: PlannedOp, intendedUs: number, value: unknown): Promise<void> {
    const { clock, client, record } = this.#options
    const seen = this.#known.get(op.key)?.values
    const expected = seen?.length === 1 ? seen[0] : null
    const phase = this.#options.phase()
    const invoke = clock.nowUs()
    const outcome = await client.invoke({ f: 'cas', key: op.key, node: op.node, expected, value })
    const complete = clock.nowUs()
    if (outcome.type === 'ok') this.#known.set(op.key, { context: outcome.version?.context ?? null, values: [value] })
    record({
      process: this.process,
      type: outcome.type,
      f: 'cas',
      key: op.key,
      value: [expected, value],
      node: op.node,
      intended: intendedUs,
      invoke,
      complete,
      context: null,
      error: outcome.type === 'ok' ? null : outcome.error,
      phase,
    })
  }

  /** A read; returns the values when it succeeded. */
  async read(key: string, node: string, intendedUs: number, phase?: Phase): Promise<unknown[] | undefined> {
    const { clock, client, record } = this.#options
    const invoke = clock.nowUs()
    const currentPhase = phase ?? this.#options.phase()
    const after = this.#options.carryContext && this.#latest !== null ? { context: this.#latest } : {}
    const outcome = await client.invoke({ f: 'get', key, node, ...after })
    const times = { intended: intendedUs, invoke, complete: clock.nowUs() }
    if (outcome.type !== 'ok') {
      const { type, error } = outcome
      record({ process: this.process, type, f: 'get', key, value: null, node, ...times, context: null, error, phase: currentPhase })
      return undefined
    }
    const values = outcome.values ?? []
    const { context = null, versions, coordinator } = outcome.version ?? {}
    this.#known.set(key, { context, values })
    if (context !== null) this.#latest = context
    record({
      process: this.process,
      type: 'ok',
      f: 'get',
      key,
      value: values,
      node,
      coordinator,
      ...times,
      context,
      versions,
      error: null,
      phase: currentPhase,
    })
    return values
  }

  async #resolve(read: PlannedOp, siblings: unknown[]): Promise<void> {
    const { workload, clock } = this.#options
    const { value, element } = workload.behavior.resolve(`${this.process}-r${this.#resolutions++}`, siblings, workload.valueBytes)
    const context = this.#known.get(read.key)?.context ?? null
    await this.#write({ f: 'put', key: read.key, node: read.node }, clock.nowUs(), value, element, context, true)
  }

  async #write(
    op: PlannedOp,
    intendedUs: number,
    value: unknown,
    element: string | undefined,
    context: string | null,
    resolution = false,
  ): Promise<void> {
    const { clock, client } = this.#options
    const phase = this.#options.phase()
    const invoke = clock.nowUs()
    const outcome = await client.invoke({ f: 'put', key: op.key, node: op.node, value, context })
    const complete = clock.nowUs()
    const version = outcome.type === 'ok' ? (outcome.version ?? {}) : undefined
    if (version) this.#known.set(op.key, { context: version.context ?? null, values: [value] })
    if (version?.context) this.#latest = version.context
    // Fields left undefined (no dot on a failed write; none on a store without version metadata) stay out of the JSON line.
    this.#options.record({
      process: this.process,
      type: outcome.type,
      f: 'put',
      key: op.key,
      value,
      ...(element === undefined ? {} : { element }),
      ...(resolution ? { resolution: true as const } : {}),
      node: op.node,
      coordinator: version?.coordinator,
      intended: intendedUs,
      invoke,
      complete,
      context,
      dot: version?.dot,
      error: outcome.type === 'ok' ? null : outcome.error,
      phase,
    })
  }
}
