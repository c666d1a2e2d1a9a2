/**
 * Builds small hand-made histories for tests: ops with explicit dots and contexts, at
 * times given in ms, written out in completion order with indexes, as the harness would.
 *
 *   const h = new HistoryBuilder({ versioning: 'dvv' })
 *   const w = h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
 *   h.get({ process: 1, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, at: [20, 25] })
 *   const dir = await h.writeRun(tmp)   // <tmp>/history.jsonl
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type {
  ConsistencyMode,
  HistoryRecord,
  NemesisName,
  OpOutcome,
  OpRecord,
  Phase,
  RepairPaths,
  RunInfo,
  StoreInfo,
} from '../../common/contracts/history.ts'
import { encodeContext } from '../../store/versioning.ts'
import type { CausalContext, VersioningMode } from '../../common/contracts/causal.ts'

/** A context: a clock (`{ n1: 3 }`), or a clock with loose dots. */
export type ContextSpec = Record<string, number> | { clock: Record<string, number>; dots: [string, number][] }

type Timing = {
  process: number
  key?: string
  node?: string
  /** [invoke, complete] in ms since the run started. */
  at: [number, number]
  /** ms; defaults to the invoke time. */
  intended?: number
  type?: OpOutcome
  phase?: Phase
  error?: string | null
  coordinator?: string
}

export type PutSpec = Timing & {
  value?: unknown
  element?: string
  /** The dot the write got (ok writes). */
  dot?: [string, number]
  /** The context the client sent; null (default) for a blind write. */
  context?: ContextSpec | null
}

export type GetSpec = Timing & {
  /** The values returned (ok reads); defaults to none. */
  values?: unknown[]
  /** The dot of each value (ok reads); defaults to none. */
  versions?: [string, number][]
  context?: ContextSpec | null
  /** A final read of one home replica's own copy (`node`), as the harness makes them. */
  replica?: boolean
}

export type BuilderConfig = {
  versioning?: VersioningMode
  consistency?: ConsistencyMode
  n?: number
  r?: number
  w?: number
  strict?: boolean
  /** The repair paths the run record names; none by default (a record from before they were recorded). */
  repair?: RepairPaths
  kind?: RunInfo['workload']['kind']
  nodes?: string[]
  nemeses?: NemesisName[]
  name?: string
  /** Another store than the reference one: the run record names it and has no replication settings. */
  store?: StoreInfo
}

const SECRET = 'history-builder'
const US = 1000

export function encodeSpec(spec: ContextSpec): string {
  const context: CausalContext =
    'clock' in spec && 'dots' in spec && Array.isArray(spec.dots)
      ? {
          clock: spec.clock as Record<string, number>,
          dots: (spec.dots as [string, number][]).map(([node, counter]) => ({ node, counter })),
        }
      : { clock: spec as Record<string, number>, dots: [] }
  // Signed for no key in particular: the reports only read contexts, never verify them.
  return encodeContext(context, { secret: SECRET, key: '' })
}

export class HistoryBuilder {
  readonly run: RunInfo
  #records: { record: HistoryRecord; order: number }[] = []
  #end: HistoryRecord | undefined
  #withRun = true

  constructor(config: BuilderConfig = {}) {
    const nodes = config.nodes ?? ['n1', 'n2', 'n3']
    const replication = {
      n: config.n ?? 3,
      r: config.r ?? 2,
      w: config.w ?? 2,
      versioning: config.versioning ?? 'dvv',
      strict: config.strict ?? true,
      ...(config.repair ? { repair: config.repair } : {}),
    }
    this.run = {
      name: config.name ?? 'test-run',
      startedAt: '2026-01-01T00:00:00.000Z',
      nodes,
      ...(config.store ? { store: config.store } : replication),
      ...(config.consistency ? { consistency: config.consistency } : {}),
      workload: { name: 'test', kind: config.kind ?? 'register', keys: 1, readModifyWrite: true },
      nemeses: config.nemeses ?? [],
      timeS: 1,
      rate: 0,
      concurrency: 1,
      seed: 1,
    }
  }

  /** Leaves out the run record (a history that is not a quorumlab history). */
  withoutRun(): this {
    this.#withRun = false
    return this
  }

  #op(f: OpRecord['f'], spec: Timing, fields: Partial<OpRecord>): OpRecord {
    const type = spec.type ?? 'ok'
    const record: OpRecord = {
      index: 0,
      process: spec.process,
      type,
      f,
      key: spec.key ?? 'k',
      value: null,
      node: spec.node ?? 'n1',
      intended: (spec.intended ?? spec.at[0]) * US,
      invoke: spec.at[0] * US,
      complete: spec.at[1] * US,
      context: null,
      error: spec.error ?? (type === 'ok' ? null : type === 'fail' ? 'quorum_unavailable' : 'timeout'),
      phase: spec.phase ?? 'heal',
      ...fields,
    }
    if (type === 'ok') record.coordinator = spec.coordinator ?? record.node
    this.#records.push({ record, order: this.#records.length })
    return record
  }

  put(spec: PutSpec): OpRecord {
    const ok = (spec.type ?? 'ok') === 'ok'
    return this.#op('put', spec, {
      value: spec.value ?? null,
      ...(spec.element !== undefined ? { element: spec.element } : {}),
      context: spec.context ? encodeSpec(spec.context) : null,
      ...(ok && spec.dot ? { dot: { node: spec.dot[0], counter: spec.dot[1] } } : {}),
    })
  }

  delete(spec: Omit<PutSpec, 'value' | 'element'>): OpRecord {
    const ok = (spec.type ?? 'ok') === 'ok'
    return this.#op('delete', spec, {
      context: spec.context ? encodeSpec(spec.context) : null,
      ...(ok && spec.dot ? { dot: { node: spec.dot[0], counter: spec.dot[1] } } : {}),
    })
  }

  /** A compare-and-set from `expected` to `value` (recorded as `[expected, value]`). */
  cas(spec: Timing & { expected: unknown; value: unknown }): OpRecord {
    return this.#op('cas', spec, { value: [spec.expected, spec.value] })
  }

  get(spec: GetSpec): OpRecord {
    const ok = (spec.type ?? 'ok') === 'ok'
    return this.#op('get', spec, {
      value: ok ? (spec.values ?? []) : null,
      context: spec.context === null ? null : spec.context ? encodeSpec(spec.context) : ok ? encodeSpec({}) : null,
      ...(ok ? { versions: (spec.versions ?? []).map(([node, counter]) => ({ dot: { node, counter }, clock: {} })) } : {}),
      ...(spec.replica ? { replica: true as const, phase: 'final' as const } : {}),
    })
  }

  /** A fault from `start` to `stop` ms (each record completes when it happens). */
  nemesis(
    nemesis: NemesisName,
    start: number,
    stop: number | null,
    value: Record<string, unknown> = {},
    stopValue: Record<string, unknown> = value,
  ): this {
    this.#records.push({
      record: {
        index: 0,
        process: 'nemesis',
        type: 'info',
        f: 'start',
        nemesis,
        value,
        invoke: start * US,
        complete: start * US,
        phase: 'fault',
      },
      order: this.#records.length,
    })
    if (stop !== null) {
      this.#records.push({
        record: {
          index: 0,
          process: 'nemesis',
          type: 'info',
          f: 'stop',
          nemesis,
          value: stopValue,
          invoke: stop * US,
          complete: stop * US,
          phase: 'heal',
        },
        order: this.#records.length,
      })
    }
    return this
  }

  converged(converged: boolean, ms: number, at: number): this {
    this.#records.push({
      record: {
        index: 0,
        process: 'harness',
        type: 'info',
        f: 'converged',
        value: { converged, ms },
        invoke: at * US,
        complete: at * US,
        phase: 'heal',
      },
      order: this.#records.length,
    })
    return this
  }

  /** The end record (last); without a call the history has none (an unfinished run). */
  end(completed = true, reason?: string): this {
    this.#end = {
      index: 0,
      process: 'harness',
      type: 'info',
      f: 'end',
      value: { completed, interrupted: !completed, ...(reason ? { reason } : {}) },
      invoke: 0,
      complete: 0,
      phase: 'final',
    }
    return this
  }

  /**
   * Every record in completion order, the run record first and the end last. Indexes are
   * assigned here, onto the records `put`/`get`... returned, so a test can name them.
   */
  records(): HistoryRecord[] {
    const sorted = [...this.#records].sort((a, b) => a.record.complete - b.record.complete || a.order - b.order).map((r) => r.record)
    const last = sorted.reduce((t, r) => Math.max(t, r.complete), 0)
    const all: HistoryRecord[] = []
    if (this.#withRun)
      all.push({ index: 0, process: 'harness', type: 'info', f: 'run', value: this.run, invoke: 0, complete: 0, phase: 'warmup' })
    all.push(...sorted)
    if (this.#end) all.push({ ...this.#end, invoke: last, complete: last } as HistoryRecord)
    for (const [index, record] of all.entries()) record.index = index
    return all
  }

  /** The history as JSONL text. */
  jsonl(): string {
    return `${this.records()
      .map((r) => JSON.stringify(r))
      .join('\n')}\n`
  }

  /** Writes `<dir>/history.jsonl` (creating dir); returns dir. */
  async writeRun(dir: string): Promise<string> {
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'history.jsonl'), this.jsonl())
    return dir
  }
}
