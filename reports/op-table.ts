/**
 * The op table: every client op of a history as one row of typed-array columns, with
 * keys, nodes, actors, errors and set elements interned and causal contexts decoded once
 * into a shared pool. Every analysis reads this instead of the records, so a history is parsed
 * once and 1M ops take ~100 MB, not gigabytes. Values are not kept: a register value is
 * kept as a 53-bit hash (enough to match a read to the write it shows), and the few ops a
 * report quotes are read again from the file by byte offset.
 */
import { peekParsed, readPlainClock } from '../common/contracts/causal.ts'
import type { OpFunction, OpOutcome, OpRecord, Phase, WorkloadKind } from '../common/contracts/history.ts'
import { F64Column, hashKeyed, I32Column, Interner } from './columns.ts'

export const OUTCOMES: readonly OpOutcome[] = ['ok', 'fail', 'info']
export const FUNCTIONS: readonly OpFunction[] = ['get', 'put', 'delete', 'cas']
export const PHASES: readonly Phase[] = ['warmup', 'fault', 'heal', 'final']
/**
 * The phases of the measured run, which headline figures (staleness, t-visibility) cover:
 * `final` reads come after the heal and convergence, one per key and node, and would
 * dilute them (they are often half of all reads), so they only appear per phase.
 */
export const MEASURED_PHASES: readonly Phase[] = ['warmup', 'fault', 'heal']

export const OK = 0
export const FAIL = 1
export const INFO = 2
export const GET = 0
export const PUT = 1
export const DELETE = 2
/** Compare-and-set: its `value` is `[expected, new]`; `valueHash` is the new value's. */
export const CAS = 3
export const FINAL = 3

/** `ctxStart` of an op that carried no context (a blind write, a failed read). */
const NO_CONTEXT = -1
/** `ctxStart` of an op whose context could not be decoded. */
const BAD_CONTEXT = -2
/** Slots of the contexts last seen by process: processes 0 to this (a run's usual ones) have one each. */
const PROCESS_SLOTS = 1 << 16

/**
 * A column of numbers that are whole and below 2^32 in most histories (times in µs, line
 * numbers, byte offsets, counters): a merged table's is 32 bits where every value is such a
 * number, else 64 (a fraction, a negative number or -0 anywhere in it).
 */
export type CompactColumn = Float64Array | Uint32Array

/**
 * A column of ids and counts that are small in most histories (processes, keys, nodes,
 * actors, errors, elements, siblings, context sizes, line lengths): a merged table's is 8
 * or 16 bits where every value fits, else 32.
 */
export type SmallIntColumn = Int32Array | Int16Array | Int8Array

/** The finished table. Row r describes the r-th op in file (completion) order. */
export type OpTable = {
  length: number
  index: CompactColumn
  process: SmallIntColumn
  /** {@link OK}, {@link FAIL}, {@link INFO}. */
  type: Uint8Array
  /** {@link GET}, {@link PUT}, {@link DELETE}, {@link CAS}. */
  f: Uint8Array
  key: SmallIntColumn
  node: SmallIntColumn
  /** -1 when the store did not say. */
  coordinator: SmallIntColumn
  /** Index into {@link PHASES}. */
  phase: Uint8Array
  /** 1 for a final read of one home replica's own copy (the record's `replica: true`), else 0. */
  replica: Uint8Array
  /** µs since the run started. */
  intended: CompactColumn
  invoke: CompactColumn
  complete: CompactColumn
  /** -1 when none. */
  error: SmallIntColumn
  /** ok gets: the number of values returned; -1 otherwise. */
  siblings: SmallIntColumn
  /** put/delete ok: the dot's actor (-1 when none) and counter. */
  dotNode: SmallIntColumn
  dotCounter: CompactColumn
  /** Start in the context pool, or {@link NO_CONTEXT} / {@link BAD_CONTEXT}. */
  ctxStart: Int32Array
  /** Clock entries, then loose dots, at ctxStart. */
  ctxClock: SmallIntColumn
  ctxLoose: SmallIntColumn
  /** ok gets: start of `siblings` entries in the versions pool; register cas: of one entry, the value it expected (hash 0: none). */
  verStart: Int32Array
  /** register puts: hash of key and value. */
  valueHash: Float64Array
  /** set puts: the element added (interned), -1 otherwise. */
  element: SmallIntColumn
  /** Where the op's line is in the file, bytes. */
  offset: CompactColumn
  lineLength: SmallIntColumn
  /** Context entries: actor and counter. */
  ctxNode: SmallIntColumn
  ctxCounter: CompactColumn
  /** A read's i-th value: the dot of its version (-1 actor when missing) and value hash. */
  verNode: SmallIntColumn
  verCounter: CompactColumn
  verHash: Float64Array
  keys: Interner
  /** The nodes ops went to and were coordinated by. */
  nodes: Interner
  /**
   * What dots are issued under (`dotNode`, `ctxNode`, `verNode`): a node's id, or, for a
   * store with incarnations, `<node>.<incarnation>` (a node that lost its data counts again
   * under a new one). Apart from `nodes`, so per-node tables list nodes only.
   */
  actors: Interner
  errors: Interner
  elements: Interner
  badContexts: number
}

/** The hash a register value is matched by (the key is part of it); strings skip JSON. */
export const valueHashOf = (key: string, value: unknown): number =>
  typeof value === 'string' ? hashKeyed(key, 1, value) : hashKeyed(key, 2, JSON.stringify(value) ?? 'undefined')

/** The hash of the value a cas writes (`value` is `[expected, new]`); 0 for a malformed one. */
const casValueHash = (op: OpRecord): number => (Array.isArray(op.value) && op.value.length === 2 ? valueHashOf(op.key, op.value[1]) : 0)

/**
 * An op as the builder takes it: a record, and from the fast reader (`op-line.ts`) a hash
 * of its context (of its characters: equal contexts have equal hashes), which tells most
 * contexts from the last one seen without comparing the strings. 0 or absent: unknown,
 * the strings are compared.
 */
export type TableOp = OpRecord & { contextHash?: number }

type ContextPlace = { start: number; clock: number; loose: number }

/**
 * The context last seen in each slot (a process's, a key's) and where it was decoded into
 * the pool, as parallel arrays: no object per context for the garbage collector to trace.
 */
class LastContexts {
  #texts: (string | undefined)[] = []
  #starts: number[] = []
  #hashes: number[] = []
  #clocks: number[] = []
  #looses: number[] = []

  /** True when `slot` last saw `context` (`hash`: see {@link TableOp}); then {@link start} etc. say where it is. */
  has(slot: number, context: string, hash: number): boolean {
    const last = this.#hashes[slot]
    return (last === hash || last === 0 || hash === 0) && this.#texts[slot] === context
  }

  start(slot: number): number {
    return this.#starts[slot]
  }

  clock(slot: number): number {
    return this.#clocks[slot]
  }

  loose(slot: number): number {
    return this.#looses[slot]
  }

  set(slot: number, context: string, hash: number, start: number, clock: number, loose: number): void {
    while (this.#texts.length < slot) {
      this.#texts.push(undefined)
      this.#starts.push(0)
      this.#hashes.push(0)
      this.#clocks.push(0)
      this.#looses.push(0)
    }
    this.#texts[slot] = context
    this.#starts[slot] = start
    this.#hashes[slot] = hash
    this.#clocks[slot] = clock
    this.#looses[slot] = loose
  }
}

const ROW_COLUMNS = {
  index: Float64Array,
  process: Int32Array,
  type: Uint8Array,
  f: Uint8Array,
  key: Int32Array,
  node: Int32Array,
  coordinator: Int32Array,
  phase: Uint8Array,
  replica: Uint8Array,
  intended: Float64Array,
  invoke: Float64Array,
  complete: Float64Array,
  error: Int32Array,
  siblings: Int32Array,
  dotNode: Int32Array,
  dotCounter: Float64Array,
  ctxStart: Int32Array,
  ctxClock: Int32Array,
  ctxLoose: Int32Array,
  verStart: Int32Array,
  valueHash: Float64Array,
  element: Int32Array,
  offset: Float64Array,
  lineLength: Int32Array,
} as const
type RowColumnName = keyof typeof ROW_COLUMNS
type RowColumns = { [K in RowColumnName]: InstanceType<(typeof ROW_COLUMNS)[K]> }

const allocRows = (capacity: number): RowColumns =>
  Object.fromEntries(Object.entries(ROW_COLUMNS).map(([name, Type]) => [name, new Type(capacity)])) as RowColumns

/** Fills an {@link OpTable} one op record at a time. */
export class OpTableBuilder {
  #kind: WorkloadKind
  /** Row columns, written in place; all grow together when full. */
  #c: RowColumns
  #rows = 0
  #capacity: number
  #ctxNode = new I32Column()
  #ctxCounter = new F64Column()
  #verNode = new I32Column()
  #verCounter = new F64Column()
  #verHash = new F64Column()
  #keys = new Interner()
  #nodes = new Interner()
  #actors = new Interner()
  #errors = new Interner()
  #elements = new Interner()
  #badContexts = 0
  /**
   * The context last seen per process and per key (id), checked before decoding one: most
   * contexts repeat one of these (a process's write carries the context of its read just
   * before; readers of a key get the key's context until it is written). Two hashes and a
   * comparison of two strings cost less than hashing a fresh string into a map of every context.
   */
  #lastByProcess = new LastContexts()
  #lastByKey = new LastContexts()
  /** A plain clock's entries as the decoder reads them (reused). */
  #clockNodes: string[] = []
  #clockCounters: number[] = []

  /** `capacity`: rows expected (a good guess saves regrowing). */
  constructor(kind: WorkloadKind, capacity = 1024) {
    this.#kind = kind
    this.#capacity = Math.max(16, capacity)
    this.#c = allocRows(this.#capacity)
  }

  get length(): number {
    return this.#rows
  }

  /** The interned id of a node name (requests and coordinators). */
  nodeId(name: string): number {
    return this.#nodes.id(name)
  }

  keyId(name: string): number {
    return this.#keys.id(name)
  }

  #grow(): void {
    this.#capacity = Math.ceil(this.#capacity * 1.5)
    const bigger = allocRows(this.#capacity)
    for (const name of Object.keys(ROW_COLUMNS) as RowColumnName[]) bigger[name].set(this.#c[name] as never)
    this.#c = bigger
  }

  push(op: TableOp, offset: number, length: number): void {
    if (this.#rows === this.#capacity) this.#grow()
    const c = this.#c
    const r = this.#rows++
    const type = op.type === 'ok' ? OK : op.type === 'fail' ? FAIL : INFO
    const f = op.f === 'get' ? GET : op.f === 'put' ? PUT : op.f === 'cas' ? CAS : DELETE
    c.index[r] = op.index
    c.process[r] = op.process
    c.type[r] = type
    c.f[r] = f
    c.key[r] = this.#keys.id(op.key)
    c.node[r] = this.#nodes.id(op.node)
    c.coordinator[r] = typeof op.coordinator === 'string' ? this.#nodes.id(op.coordinator) : -1
    c.phase[r] = PHASES.indexOf(op.phase)
    c.replica[r] = op.replica === true ? 1 : 0
    c.intended[r] = op.intended
    c.invoke[r] = op.invoke
    c.complete[r] = op.complete
    c.error[r] = typeof op.error === 'string' ? this.#errors.id(op.error) : -1
    c.offset[r] = offset
    c.lineLength[r] = length
    this.#context(r, op.process, c.key[r], op.context, op.contextHash ?? 0)

    const dot = op.dot
    if (dot && typeof dot.node === 'string' && typeof dot.counter === 'number') {
      c.dotNode[r] = this.#actors.id(dot.node)
      c.dotCounter[r] = dot.counter
    } else {
      c.dotNode[r] = -1
      c.dotCounter[r] = 0
    }
    c.valueHash[r] = this.#kind !== 'register' ? 0 : f === PUT ? valueHashOf(op.key, op.value) : f === CAS ? casValueHash(op) : 0
    c.element[r] = f === PUT && typeof op.element === 'string' ? this.#elements.id(op.element) : -1

    if (f === GET && type === OK) {
      const values = Array.isArray(op.value) ? op.value : []
      const versions = Array.isArray(op.versions) ? op.versions : []
      const count = Math.max(values.length, versions.length)
      c.siblings[r] = values.length
      c.verStart[r] = this.#verNode.length
      for (let i = 0; i < count; i++) {
        const vdot = versions[i]?.dot
        const valid = vdot && typeof vdot.node === 'string' && typeof vdot.counter === 'number'
        this.#verNode.push(valid ? this.#actors.id(vdot.node) : -1)
        this.#verCounter.push(valid ? vdot.counter : 0)
        this.#verHash.push(this.#kind === 'register' && i < values.length ? valueHashOf(op.key, values[i]) : 0)
      }
    } else if (f === CAS && this.#kind === 'register') {
      // The value a cas expected, as one entry of the versions pool (its siblings stay -1: it is no read's).
      const expected = Array.isArray(op.value) && op.value.length === 2 ? op.value[0] : null
      c.siblings[r] = -1
      c.verStart[r] = this.#verNode.length
      this.#verNode.push(-1)
      this.#verCounter.push(0)
      this.#verHash.push(expected === null || expected === undefined ? 0 : valueHashOf(op.key, expected))
    } else {
      c.siblings[r] = -1
      c.verStart[r] = -1
    }
  }

  #context(r: number, process: number, key: number, context: string | null, hash: number): void {
    const c = this.#c
    if (typeof context !== 'string') {
      c.ctxStart[r] = NO_CONTEXT
      c.ctxClock[r] = 0
      c.ctxLoose[r] = 0
      return
    }
    // Processes that share a slot (numbers past it, fractions) only find fewer repeats.
    const slot = (process >>> 0) & (PROCESS_SLOTS - 1)
    const byProcess = this.#lastByProcess
    const byKey = this.#lastByKey
    let start: number
    let clock: number
    let loose: number
    if (byProcess.has(slot, context, hash)) {
      start = byProcess.start(slot)
      clock = byProcess.clock(slot)
      loose = byProcess.loose(slot)
    } else if (byKey.has(key, context, hash)) {
      start = byKey.start(key)
      clock = byKey.clock(key)
      loose = byKey.loose(key)
    } else {
      const place = this.#decode(context)
      if (!place) {
        this.#badContexts += 1
        c.ctxStart[r] = BAD_CONTEXT
        c.ctxClock[r] = 0
        c.ctxLoose[r] = 0
        return
      }
      start = place.start
      clock = place.clock
      loose = place.loose
    }
    byProcess.set(slot, context, hash, start, clock, loose)
    byKey.set(key, context, hash, start, clock, loose)
    c.ctxStart[r] = start
    c.ctxClock[r] = clock
    c.ctxLoose[r] = loose
  }

  /** Decodes a context into the pool: where it went, or undefined when it cannot be read. */
  #decode(context: string): ContextPlace | undefined {
    const start = this.#ctxNode.length
    // Most contexts are a plain clock, copied straight from the decoder's arrays (no clock object to build and walk).
    const entries = readPlainClock(context, this.#clockNodes, this.#clockCounters)
    if (entries >= 0) {
      for (let i = 0; i < entries; i++) {
        this.#ctxNode.push(this.#actors.id(this.#clockNodes[i]))
        this.#ctxCounter.push(this.#clockCounters[i])
      }
      return { start, clock: entries, loose: 0 }
    }
    const decoded = peekParsed(context)
    if (!decoded) return undefined
    let clock = 0
    for (const node in decoded.clock) {
      this.#ctxNode.push(this.#actors.id(node))
      this.#ctxCounter.push(decoded.clock[node])
      clock += 1
    }
    for (const dot of decoded.dots) {
      this.#ctxNode.push(this.#actors.id(dot.node))
      this.#ctxCounter.push(dot.counter)
    }
    return { start, clock, loose: decoded.dots.length }
  }

  /**
   * The table. `trim` (default true): columns are trimmed copies, so the spare capacity is
   * freed; false: views of the filled part, no copy (for a table that is copied anyway,
   * as a range's is when ranges are merged: copying twice leaves a worker holding the
   * untrimmed columns as garbage until its next full GC).
   */
  finish(options: { trim?: boolean } = {}): OpTable {
    const rows = this.#rows
    const c = this.#c
    const trim = options.trim ?? true
    const part = <T extends Float64Array | Int32Array | Uint8Array>(column: T, length: number): T =>
      (trim ? column.slice(0, length) : column.subarray(0, length)) as T
    const trimmed = Object.fromEntries(Object.keys(ROW_COLUMNS).map((name) => [name, part(c[name as RowColumnName], rows)])) as RowColumns
    this.#lastByProcess = new LastContexts()
    this.#lastByKey = new LastContexts()
    return {
      length: rows,
      ...trimmed,
      ctxNode: part(this.#ctxNode.data, this.#ctxNode.length),
      ctxCounter: part(this.#ctxCounter.data, this.#ctxCounter.length),
      verNode: part(this.#verNode.data, this.#verNode.length),
      verCounter: part(this.#verCounter.data, this.#verCounter.length),
      verHash: part(this.#verHash.data, this.#verHash.length),
      keys: this.#keys,
      nodes: this.#nodes,
      actors: this.#actors,
      errors: this.#errors,
      elements: this.#elements,
      badContexts: this.#badContexts,
    }
  }
}

/** True for a put or a compare-and-set: an op that writes a register value (`valueHash`). */
export const writesValue = (table: OpTable, row: number): boolean => table.f[row] === PUT || table.f[row] === CAS

/** True for an ok put or delete that got a dot: a write every later read can be asked about. */
export const isDottedWrite = (table: OpTable, row: number): boolean =>
  table.f[row] !== GET && table.type[row] === OK && table.dotNode[row] >= 0
