/**
 * A session: one logical client (a Jepsen process) running one op at a time. It keeps,
 * per key, the last context and values it saw (from its reads and its own writes),
 * writes with that context in read-modify-write workloads or blind otherwise, resolves
 * siblings a read returns with the workload's merge and writes the result back, and
 * turns every op into a history record.
 */
import type { OpRecord, Phase } from '../../common/contracts/history.ts'
import type { RunClock } from '../history/clock.ts'
import type { PlannedOp } from '../generator/op-generator.ts'
import type { Workload } from '../../workloads/workload.ts'
import type { StoreClient } from './store-client.ts'

export type SessionOptions = {
  process: number
  client: StoreClient
  workload: Workload
  clock: RunClock
  /** The phase an op belongs to, asked at its invocation. */
  phase: () => Phase
  record: (op: Omit<OpRecord, 'index'>) => void
}

type Known = { context: string; values: unknown[] }

export class Session {
  readonly process: number
  #o: SessionOptions
  #known = new Map<string, Known>()
  #resolutions = 0

  constructor(options: SessionOptions) {
    this.process = options.process
    this.#o = options
  }

  /** Runs a planned op (and a write-back if it found siblings); resolves when recorded. */
  async run(op: PlannedOp, intendedUs: number): Promise<void> {
    if (op.f === 'get') {
      const values = await this.read(op.key, op.node, intendedUs)
      if (values && values.length > 1) await this.#resolve(op, values)
      return
    }
    const known = this.#o.workload.writeStyle === 'read-modify-write' ? this.#known.get(op.key) : undefined
    const { value, element } = this.#o.workload.behavior.write(op.element!, known?.values, this.#o.workload.valueBytes)
    await this.#write(op, intendedUs, value, element, known?.context ?? null)
  }

  /** A read; returns the values when it succeeded. */
  async read(key: string, node: string, intendedUs: number, phase?: Phase): Promise<unknown[] | undefined> {
    const { clock, client } = this.#o
    const invoke = clock.nowUs()
    const currentPhase = phase ?? this.#o.phase()
    const outcome = await client.get(node, key)
    const complete = clock.nowUs()
    const times = { intended: intendedUs, invoke, complete }
    if (outcome.type !== 'ok') {
      this.#o.record({
        process: this.process,
        type: outcome.type,
        f: 'get',
        key,
        value: null,
        node,
        ...times,
        context: null,
        error: outcome.error,
        phase: currentPhase,
      })
      return undefined
    }
    const { values, versions, context, coordinator } = outcome.body
    this.#known.set(key, { context, values })
    this.#o.record({
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
    const { value, element } = this.#o.workload.behavior.resolve(
      `${this.process}-r${this.#resolutions++}`,
      siblings,
      this.#o.workload.valueBytes,
    )
    const now = this.#o.clock.nowUs()
    await this.#write({ f: 'put', key: read.key, node: read.node }, now, value, element, this.#known.get(read.key)?.context ?? null, true)
  }

  async #write(
    op: PlannedOp,
    intendedUs: number,
    value: unknown,
    element: string | undefined,
    context: string | null,
    resolution = false,
  ): Promise<void> {
    const { clock, client } = this.#o
    const phase = this.#o.phase()
    const invoke = clock.nowUs()
    const outcome = await client.put(op.node, op.key, value, context)
    const complete = clock.nowUs()
    const ok = outcome.type === 'ok' ? outcome.body : undefined
    if (ok) this.#known.set(op.key, { context: ok.context, values: [value] })
    this.#o.record({
      process: this.process,
      type: outcome.type,
      f: 'put',
      key: op.key,
      value,
      ...(element === undefined ? {} : { element }),
      ...(resolution ? { resolution: true as const } : {}),
      node: op.node,
      ...(ok ? { coordinator: ok.coordinator } : {}),
      intended: intendedUs,
      invoke,
      complete,
      context,
      ...(ok ? { dot: ok.dot } : {}),
      error: outcome.type === 'ok' ? null : outcome.error,
      phase,
    })
  }
}
