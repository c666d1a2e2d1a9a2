/**
 * The register histories the linearizable and sequential searches run on: each key's ops
 * as a read/write/compare-and-set register (Knossos's cas-register), in flat typed arrays
 * so a 1M-op history costs tens of MB and a worker thread reads it without a copy.
 *
 * What an op of the history becomes:
 * - `fail`: dropped (it never happened). An `info` get: dropped (it constrains nothing).
 * - ok `get` with one value: a read of it; with none (`[]`): a read of "absent"; with
 *   several (siblings): a sibling read, which no register returns (the key is invalid).
 * - `put`: a write of its value; `delete`: a write of "absent"; `cas` `[expected, new]`,
 *   ok: swapped (the register held `expected`, now holds `new`).
 * - An `info` write or cas may take effect any time after its invocation, or never. One
 *   whose value no ok op observed (read, or expected by a cas) is dropped: taking effect
 *   could only hide values. One that is the only writer of a value an ok op observed must
 *   have taken effect before the first such observer completed: it becomes required, with
 *   that completion as its deadline (exact, and it keeps the search local). Any other
 *   info write (of "absent", or of a value others wrote too) stays optional, with no deadline.
 *
 * Rows are sorted by invocation (then history index): within a process, that is its
 * program order, which both checkers keep (an ok op before the process's later ops).
 * A process is a sequential client; one whose ops overlap (our harness reads each key
 * through every node at once at the end, as one process) is split into sequential lanes,
 * its ops ordered within a lane only (real time still orders the rest).
 *
 * Values are compared as JSON text (strings and numbers directly); `null` is "absent",
 * as a not-found read or a delete leave the register. Any stand-in for a value that is
 * equal exactly when the values are (a hash) does as well.
 */
import type { OpFunction, OpRecord } from '../../common/contracts/history.ts'
import { CAS as CAS_F, FAIL, FUNCTIONS, GET, INFO, OK, PUT } from '../op-table.ts'
import { HashIds } from './hash-ids.ts'

/** The fields of an op the model checkers read: what a history converted from another tool needs. */
export type RegisterOp = Pick<OpRecord, 'index' | 'process' | 'type' | 'f' | 'key' | 'value' | 'invoke' | 'complete'>

/**
 * An op of an op table (`reports/op-table.ts`), in its numbers: `key` indexes the names the
 * builder was given, `f` and `outcome` the table's `FUNCTIONS` and `OUTCOMES`. Its values
 * are known by their hashes only (0: absent): put: `[written]`; cas: `[expected, new]`; get:
 * the values read.
 */
export type HashedRow = Pick<RegisterOp, 'index' | 'process' | 'invoke' | 'complete'> & {
  key: number
  f: number
  outcome: number
  hashes: ArrayLike<number>
}

/** What a builder is given up front. */
export type BuilderOptions = {
  /** Ops expected (the columns then never regrow, so no copy of them is left as garbage). */
  capacity?: number
  /**
   * Where the ops' index, invoke and complete are, row i for the i-th op pushed, so they are
   * not copied (1M ops: 23 MiB); the ops' own fields then only decide which ops are dropped.
   */
  times?: OpTimes
  /** The key names {@link HashedRow.key} indexes (distinct). */
  keys?: readonly string[]
}

/** The value id of "absent": the register before any write, after a delete, after a not-found read. */
export const ABSENT = 0

/** What an op does to the register. */
export const READ = 0
export const WRITE = 1
export const CAS = 2
/** An ok get that returned several values: `a` is its first value in `siblings`, `b` how many. */
export const SIBLINGS = 3

/**
 * Every key's register ops. Rows of one key are contiguous (`keyStart[k]` to
 * `keyStart[k + 1]`), sorted by invocation; typed arrays may be in shared memory.
 */
export type RegisterHistories = {
  keys: string[]
  keyStart: Int32Array
  /** Per row: index of the op in the history. */
  index: Float64Array
  process: Int32Array
  /**
   * The sequential lane program order runs in: the process, or for an op that overlapped
   * its process's earlier ok ops, a lane of its own (a negative number).
   */
  lane: Int32Array
  /** {@link READ}, {@link WRITE}, {@link CAS}, {@link SIBLINGS}. */
  op: Uint8Array
  /** The history's function, index into `['get', 'put', 'delete', 'cas']` (for timelines). */
  f: Uint8Array
  /** 1 for an `info` op. */
  info: Uint8Array
  /** Read: the value read; write: the value written; cas: the value expected. Value ids are per key. */
  a: Int32Array
  /** cas: the value written. */
  b: Int32Array
  /** µs since the run started. */
  invoke: Float64Array
  /** When it completed (µs), +Infinity for an info op (it never did). */
  complete: Float64Array
  /** When it must have taken effect by: `complete` for an ok op; see the module comment for info ops (+Infinity: optional). */
  deadline: Float64Array
  /** Value ids of sibling reads' values. */
  siblings: Int32Array
  /**
   * Per key, per value id, the value (for timelines and messages); `[ABSENT]` is null, or 0
   * in a hashed history, whose keys' values are views of one `Float64Array` of hashes.
   */
  values: ArrayLike<unknown>[]
  /**
   * True when the history was built from value hashes (the analysis' op table): `values`
   * then holds 53-bit hashes, which sentences show as tokens the caller fills in with the
   * values read back (`reports/models/value-text.ts`).
   */
  hashed: boolean
  /** What was left out, over every key. */
  dropped: { fail: number; infoReads: number; unobservedInfoWrites: number; malformed: number }
}

/** One key's rows, as the searches read them (views into a {@link RegisterHistories}). */
export type KeyOps = {
  length: number
  /** Program order: each lane's ops in row order (see {@link RegisterHistories.lane}). */
  lane: Int32Array
  op: Uint8Array
  info: Uint8Array
  a: Int32Array
  b: Int32Array
  invoke: Float64Array
  deadline: Float64Array
  /** How many value ids the key has. */
  values: number
}

/** The columns a search reads, for `count` rows from `start` (no copy). */
export function keyOps(
  h: Pick<RegisterHistories, 'lane' | 'op' | 'info' | 'a' | 'b' | 'invoke' | 'deadline'>,
  start: number,
  end: number,
  values: number,
): KeyOps {
  return {
    length: end - start,
    lane: h.lane.subarray(start, end),
    op: h.op.subarray(start, end),
    info: h.info.subarray(start, end),
    a: h.a.subarray(start, end),
    b: h.b.subarray(start, end),
    invoke: h.invoke.subarray(start, end),
    deadline: h.deadline.subarray(start, end),
    values,
  }
}

/** Interns values: equal values (as JSON; strings and numbers directly) get one id, over all keys. */
class ValueInterner {
  /** How many ids there are; id 0 is absent. */
  size = 1
  /** Per id, the value first seen. */
  #values: unknown[] = [null]
  #strings = new Map<string, number>()
  #numbers = new Map<number, number>()
  #json = new Map<string, number>()

  id(value: unknown): number {
    if (value === null || value === undefined) return ABSENT
    if (typeof value === 'string') return this.#lookup(this.#strings, value, value)
    if (typeof value === 'number') return this.#lookup(this.#numbers, value, value)
    return this.#lookup(this.#json, JSON.stringify(value), value)
  }

  /** The value of `id`. */
  value(id: number): unknown {
    return this.#values[id]
  }

  #lookup<K>(map: Map<K, number>, key: K, value: unknown): number {
    let id = map.get(key)
    if (id === undefined) {
      id = this.size++
      this.#values[id] = value
      map.set(key, id)
    }
    return id
  }
}

/**
 * The op times a builder reads where they already are instead of copying them: an op
 * table's columns, row i for the i-th op pushed (see {@link RegisterHistoryBuilder}).
 */
export type OpTimes = { index: ArrayLike<number>; invoke: ArrayLike<number>; complete: ArrayLike<number> }

/** A growable column of numbers. */
class Column<T extends Float64Array | Int32Array> {
  data: T
  #make: (length: number) => T
  constructor(make: (length: number) => T, capacity: number) {
    this.#make = make
    this.data = make(Math.max(1, capacity))
  }
  set(at: number, value: number): void {
    if (at >= this.data.length) {
      const bigger = this.#make(this.data.length * 2)
      bigger.set(this.data)
      this.data = bigger
    }
    this.data[at] = value
  }
}
const f64 = (capacity: number): Column<Float64Array> => new Column((n) => new Float64Array(n), capacity)
const i32 = (capacity: number): Column<Int32Array> => new Column((n) => new Int32Array(n), capacity)

/**
 * Collects ops one at a time into columns (a history streamed from a file needs no array
 * of records, and 1M ops make no object each), then lays every key out for the searches.
 */
export class RegisterHistoryBuilder {
  #keyIds = new Map<string, number>()
  #keyNames: string[] = []
  #values = new ValueInterner()
  #dropped = { fail: 0, infoReads: 0, unobservedInfoWrites: 0, malformed: 0 }
  #length = 0
  #c: Record<'key' | 'process' | 'kind', Column<Int32Array>>
  /**
   * Each op's values as pushed, by reference: a value's id from {@link #values}, or a hash
   * (0: absent). `a` is the value read, written or expected; `b` the value a cas writes (-1:
   * none); a sibling read's `a` and `b` say where its values are in {@link #siblings}, and
   * how many. Made local to each key when the keys are laid out.
   */
  #refs: Record<'a' | 'b', Column<Float64Array>>
  /** The ops' history index, invocation and completion as pushed (an info op's may be anything), when no {@link OpTimes} were given. */
  #ownTimes: Record<keyof OpTimes, Column<Float64Array>> | undefined
  /** The times given: row i is then the i-th op pushed, dropped or not (a dropped one's key is -1). */
  #times: OpTimes | undefined
  /** Sibling reads' values by reference (as {@link #refs}), the first {@link #siblingCount} of the column. */
  #siblings = f64(1024)
  #siblingCount = 0
  /** The key being laid out: its values' ids by reference (made per key: a table over every key's values missed the cache). */
  #localIds = new HashIds(64)
  /** The references of the key's values in local order (local id j + 1 at j), the first {@link #used}. */
  #usedRefs = f64(64)
  #used = 0
  /** Whether rows with hashes were pushed ({@link pushRow}), or ops with values ({@link push}): one or the other. */
  #hashed = false
  #valued = false

  constructor({ capacity = 1024, times, keys = [] }: BuilderOptions = {}) {
    for (const name of keys) this.#keyId(name)
    this.#c = {
      key: i32(capacity),
      process: i32(capacity),
      /** op | f << 2 | info << 4 */
      kind: i32(capacity),
    }
    this.#refs = { a: f64(capacity), b: f64(capacity) }
    this.#times = times
    this.#ownTimes = times ? undefined : { index: f64(capacity), invoke: f64(capacity), complete: f64(capacity) }
  }

  /** Adds one client op; ops of any order. Malformed ones (a cas without `[expected, new]`) are counted and skipped. */
  push(op: RegisterOp): void {
    const f = FUNCTIONS.indexOf(op.f)
    const outcome = op.type === 'ok' ? OK : op.type === 'fail' ? FAIL : INFO
    if (this.#hashed) throw new Error('register histories: an op with values pushed after rows with hashes')
    this.#valued = true
    const wellFormed = typeof op.key === 'string' && (f !== CAS_F || (Array.isArray(op.value) && op.value.length === 2))
    if (!this.#admit(f, outcome, op.invoke, op.complete, wellFormed)) return
    const values: readonly unknown[] =
      f === GET ? (Array.isArray(op.value) ? op.value : [op.value]) : f === CAS_F ? (op.value as unknown[]) : [op.value]
    this.#append(op, this.#keyId(op.key), f, outcome, values.length, values, false)
  }

  /**
   * Adds one op of an op table, whose values are known by their hashes only (the analysis'
   * table keeps no values). The histories' values are then those hashes: see
   * {@link RegisterHistories.hashed}. `count`: how many of `row.hashes` are the op's.
   */
  pushRow(row: HashedRow, count: number): void {
    if (this.#valued) throw new Error('register histories: a row with hashes pushed after ops with values')
    this.#hashed = true
    if (!this.#admit(row.f, row.outcome, row.invoke, row.complete, row.f !== CAS_F || count === 2)) {
      // Its row stays, marked dropped, so row i is still the times' row i.
      if (this.#times) this.#c.key.set(this.#length++, -1)
      return
    }
    this.#append(row, row.key, row.f, row.outcome, count, row.hashes, true)
  }

  /** Whether an op goes in (`f`: index into FUNCTIONS, -1 for none; `outcome`: the table's); counts the ones dropped, and why. */
  #admit(f: number, outcome: number, invoke: number, complete: number, wellFormed: boolean): boolean {
    if (outcome === FAIL) {
      this.#dropped.fail += 1
      return false
    }
    const info = outcome !== OK
    if (info && f === GET) {
      this.#dropped.infoReads += 1
      return false
    }
    if (f < 0 || !wellFormed || !Number.isFinite(invoke) || (!info && !Number.isFinite(complete))) {
      this.#dropped.malformed += 1
      return false
    }
    return true
  }

  /** The builder's id of the key named `name`. */
  #keyId(name: string): number {
    let key = this.#keyIds.get(name)
    if (key === undefined) {
      key = this.#keyNames.length
      this.#keyIds.set(name, key)
      this.#keyNames.push(name)
    }
    return key
  }

  /** The reference of value `i` of an op's `values`: the hash itself when `hashed`, else the value's id. */
  #refAt(values: ArrayLike<unknown>, i: number, hashed: boolean): number {
    return hashed ? (values[i] as number) : this.#values.id(values[i])
  }

  /**
   * Appends an admitted op: `key` (the builder's id), `f` (index into FUNCTIONS) and
   * `outcome` in numbers. `count` and `values`: its values, hashes when `hashed` (get: the
   * values read; cas: expected, then new; put: the value written). No closure per op: a
   * million ops would make a million.
   */
  #append(
    op: Pick<RegisterOp, 'index' | 'process' | 'invoke' | 'complete'>,
    key: number,
    f: number,
    outcome: number,
    count: number,
    values: ArrayLike<unknown>,
    hashed: boolean,
  ): void {
    const info = outcome === OK ? 0 : 1
    let kind = WRITE
    let a = ABSENT
    let b = -1
    if (f === GET && count > 1) {
      kind = SIBLINGS
      a = this.#siblingCount
      b = count
      for (let i = 0; i < count; i++) this.#siblings.set(this.#siblingCount++, this.#refAt(values, i, hashed))
    } else if (f === GET) {
      kind = READ
      a = count === 0 ? ABSENT : this.#refAt(values, 0, hashed)
    } else if (f === CAS_F) {
      kind = CAS
      a = this.#refAt(values, 0, hashed)
      b = this.#refAt(values, 1, hashed)
    } else if (f === PUT) a = this.#refAt(values, 0, hashed)
    const at = this.#length++
    const c = this.#c
    c.key.set(at, key)
    c.process.set(at, op.process)
    c.kind.set(at, kind | (f << 2) | (info << 4))
    this.#refs.a.set(at, a)
    this.#refs.b.set(at, b)
    const own = this.#ownTimes
    if (own) {
      own.index.set(at, op.index)
      own.invoke.set(at, op.invoke)
      own.complete.set(at, op.complete)
    }
  }

  /** The ops' times as arrays indexed by row. */
  #timeColumns(): OpTimes {
    const own = this.#ownTimes
    return own ? { index: own.index.data, invoke: own.invoke.data, complete: own.complete.data } : (this.#times as OpTimes)
  }

  /** Lays the keys out (sorted by name) in typed arrays, in shared memory when `shared`. Call once. */
  finish(options: { shared?: boolean } = {}): RegisterHistories {
    const { index, invoke, complete } = this.#timeColumns()
    const c = {
      key: this.#c.key.data,
      process: this.#c.process.data,
      kind: this.#c.kind.data,
      a: this.#refs.a.data,
      b: this.#refs.b.data,
      index,
      invoke,
      complete,
    }
    const { names, start, order } = this.#groupByKey(c.key)
    const h = this.#allocate(names, start[names.length], options.shared ?? false)
    let largest = 0
    for (let k = 0; k < names.length; k++) largest = Math.max(largest, start[k + 1] - start[k])
    const chunk = new KeyChunk(Math.max(CHUNK_OPS, largest))
    const scratch = new DeadlineScratch()
    const siblings = new Int32Array(this.#siblingCount)
    // A hashed history's values are hashes: one Float64Array for every key (grown by doubling), not a heap number each.
    const hashes = this.#hashed
    const pool = f64(hashes ? 2 * names.length + 1024 : 0)
    const valueStart = new Int32Array(hashes ? names.length + 1 : 0)
    let at = 0
    for (let first = 0; first < names.length; ) {
      // The next keys whose ops fit the chunk's room (at least one key), gathered together.
      let last = first + 1
      while (last < names.length && start[last + 1] - start[first] <= chunk.room) last++
      chunk.gather(c, order.subarray(start[first], start[last]))
      const g = chunk
      const { ids } = chunk
      for (let k = first; k < last; k++) {
        h.keyStart[k] = at
        const lanes = new Lanes()
        const rows = sortByInvocation(g.positions.subarray(start[k] - start[first], start[k + 1] - start[first]), g.invoke, g.index)
        // The key's values by local id: absent, then `used[0..count)` (their references).
        const count = this.#localValues(rows, g, ids, siblings)
        const used = this.#usedRefs.data
        if (hashes) {
          const from = valueStart[k]
          pool.set(from, ABSENT)
          for (let j = 0; j < count; j++) pool.set(from + 1 + j, used[j])
          valueStart[k + 1] = from + count + 1
        } else {
          const values: unknown[] = [null]
          for (let j = 0; j < count; j++) values.push(this.#values.value(used[j]))
          h.values.push(values)
        }
        const deadlines = scratch.deadlines(rows, ids, count + 1, h.dropped)
        for (let r = 0; r < rows.length; r++) {
          if (Number.isNaN(deadlines[r])) continue
          const i = rows[r]
          h.index[at] = g.index[i]
          h.process[at] = g.process[i]
          const ok = g.kind[i] >> 4 === 0
          h.lane[at] = lanes.of(g.process[i], g.invoke[i], ok ? okEnd(g, i) : Number.NEGATIVE_INFINITY)
          h.op[at] = g.kind[i] & 3
          h.f[at] = (g.kind[i] >> 2) & 3
          h.info[at] = g.kind[i] >> 4
          h.a[at] = ids.a[i]
          h.b[at] = ids.b[i]
          h.invoke[at] = g.invoke[i]
          h.complete[at] = ok ? okEnd(g, i) : Number.POSITIVE_INFINITY
          h.deadline[at] = deadlines[r]
          at += 1
        }
      }
      first = last
    }
    if (hashes) {
      // Views made once the pool has stopped growing; trimmed, so its spare half is not kept.
      const trimmed = pool.data.slice(0, valueStart[names.length])
      for (let k = 0; k < names.length; k++) h.values.push(trimmed.subarray(valueStart[k], valueStart[k + 1]))
    }
    h.keyStart[names.length] = at
    h.siblings = siblings
    for (const name of ['index', 'process', 'lane', 'op', 'f', 'info', 'a', 'b', 'invoke', 'complete', 'deadline'] as const) {
      ;(h as Record<string, unknown>)[name] = h[name].subarray(0, at)
    }
    return h
  }

  /**
   * The names of the keys with ops, in order, and the ops grouped by key in that order (a
   * counting sort): key k's are `order[start[k]..start[k + 1])`. A key given up front whose
   * ops were all dropped is in none.
   */
  #groupByKey(key: Int32Array): { names: string[]; start: Int32Array; order: Int32Array } {
    const n = this.#length
    const ops = new Int32Array(this.#keyNames.length)
    // Rows of dropped ops (key -1) are in no key.
    for (let i = 0; i < n; i++) if (key[i] >= 0) ops[key[i]] += 1
    const byName = Array.from(this.#keyNames.keys())
      .filter((k) => ops[k] > 0)
      .sort((x, y) => (this.#keyNames[x] < this.#keyNames[y] ? -1 : 1))
    const count = byName.length
    const start = new Int32Array(count + 1)
    for (let k = 0; k < count; k++) start[k + 1] = start[k] + ops[byName[k]]
    // Per builder key, where its next row goes.
    const fill = new Int32Array(this.#keyNames.length)
    for (let k = 0; k < count; k++) fill[byName[k]] = start[k]
    const order = new Int32Array(start[count])
    for (let i = 0; i < n; i++) if (key[i] >= 0) order[fill[key[i]]++] = i
    return { names: byName.map((k) => this.#keyNames[k]), start, order }
  }

  /** The histories' columns for `n` rows (the ops not dropped while pushed). */
  #allocate(names: string[], n: number, shared: boolean): RegisterHistories {
    const alloc = <T>(Type: new (buffer: ArrayBuffer | SharedArrayBuffer) => T, bytes: number): T =>
      new Type(shared ? new SharedArrayBuffer(n * bytes) : new ArrayBuffer(n * bytes))
    return {
      keys: names,
      keyStart: new Int32Array(names.length + 1),
      index: alloc(Float64Array, 8),
      process: alloc(Int32Array, 4),
      lane: alloc(Int32Array, 4),
      op: alloc(Uint8Array, 1),
      f: alloc(Uint8Array, 1),
      info: alloc(Uint8Array, 1),
      a: alloc(Int32Array, 4),
      b: alloc(Int32Array, 4),
      invoke: alloc(Float64Array, 8),
      complete: alloc(Float64Array, 8),
      deadline: alloc(Float64Array, 8),
      siblings: new Int32Array(0),
      values: [],
      hashed: this.#hashed,
      dropped: { ...this.#dropped },
    }
  }

  /**
   * Gives one key's values ids local to the key, in the order its rows (invocation order)
   * first show them, so searches index small arrays by them: writes each row's into `ids`
   * (a sibling read's into `siblings`, where its references are in {@link #siblings});
   * returns how many values besides absent the key has, whose references are then the first
   * of {@link #usedRefs}, local id 1 first.
   */
  #localValues(rows: Int32Array, g: KeyChunk, ids: Collected, siblings: Int32Array): number {
    // A table sized for this key: one left from a key with far more values would be cleared at every small key.
    if (this.#localIds.capacity > 16 * rows.length + 1024) this.#localIds = new HashIds(rows.length)
    else this.#localIds.clear()
    const refs = this.#siblings.data
    this.#used = 0
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r]
      const op = g.kind[i] & 3
      ids.a[i] = g.a[i]
      ids.b[i] = g.b[i]
      if (op === SIBLINGS) for (let j = g.a[i]; j < g.a[i] + g.b[i]; j++) siblings[j] = this.#toLocal(refs[j])
      else {
        ids.a[i] = this.#toLocal(g.a[i])
        if (op === CAS) ids.b[i] = this.#toLocal(g.b[i])
      }
    }
    return this.#used
  }

  /** The local id of the value referenced by `ref` in the key being laid out (a method, not a closure per key). */
  #toLocal(ref: number): number {
    if (ref === ABSENT) return ABSENT
    const id = this.#localIds.intern(ref, this.#used + 1)
    if (id > this.#used) this.#usedRefs.set(this.#used++, ref)
    return id
  }
}

/**
 * Sequential lanes of one key's processes: an op joins its process's first lane whose
 * last ok op completed no later than the op's invocation (lane 0 is the process itself),
 * else opens a lane of its own. Ops come in invocation order.
 */
class Lanes {
  /** Per process, per lane, when its last ok op completed. */
  #ends = new Map<number, number[]>()
  #next = -1

  /** The lane of an op of `process` invoked at `invoke`; `end`: its completion when ok (-Infinity: it holds nothing back). */
  of(process: number, invoke: number, end: number): number {
    let ends = this.#ends.get(process)
    if (!ends) {
      ends = []
      this.#ends.set(process, ends)
    }
    // A loop, not findIndex: a closure per op (a million of them) is garbage.
    let lane = 0
    while (lane < ends.length && ends[lane] > invoke) lane++
    if (lane === ends.length) {
      lane = ends.length
      ends.push(end)
    } else ends[lane] = Math.max(ends[lane], end)
    return lane === 0 ? process : this.#id(process, lane)
  }

  #ids = new Map<string, number>()
  #id(process: number, lane: number): number {
    const key = `${process}/${lane}`
    let id = this.#ids.get(key)
    if (id === undefined) {
      id = this.#next--
      this.#ids.set(key, id)
    }
    return id
  }
}

/**
 * Sorts op numbers by invocation, then history index, in place. Histories come in
 * completion order, nearly sorted by invocation: insertion sort, unless that turns out
 * to move too much.
 */
function sortByInvocation(rows: Int32Array, invoke: ArrayLike<number>, index: ArrayLike<number>): Int32Array {
  const before = (x: number, y: number): boolean => invoke[x] < invoke[y] || (invoke[x] === invoke[y] && index[x] < index[y])
  let moves = 0
  for (let i = 1; i < rows.length; i++) {
    const x = rows[i]
    let j = i - 1
    while (j >= 0 && before(x, rows[j])) {
      rows[j + 1] = rows[j]
      j -= 1
    }
    rows[j + 1] = x
    moves += i - 1 - j
    if (moves > 16 * rows.length + 1024) return rows.sort((x, y) => invoke[x] - invoke[y] || index[x] - index[y])
  }
  return rows
}

/** The builder's columns a key is laid out from. */
type Columns = { kind: Int32Array; a: Float64Array; b: Float64Array; process: Int32Array } & OpTimes

/**
 * Keys are laid out a chunk at a time: the columns of about this many ops gathered together,
 * into room reused from chunk to chunk (a whole 1M-op history's gathered columns took ~60 MiB,
 * at the analysis' busiest moment).
 */
const CHUNK_OPS = 1 << 16

/**
 * One chunk of keys' ops, their columns gathered key by key (the ops of a key lie scattered in
 * the order pushed: read where they were, every column of every op missed the cache).
 */
class KeyChunk {
  /** Ops the chunk holds at most. */
  readonly room: number
  readonly kind: Int32Array
  readonly process: Int32Array
  readonly a: Float64Array
  readonly b: Float64Array
  readonly index: Float64Array
  readonly invoke: Float64Array
  readonly complete: Float64Array
  /** 0, 1, ... for the ops gathered: each key's part is sorted into its layout order. */
  readonly positions: Int32Array
  /** The deadlines' columns, with each op's value ids local to its key (written by the layout). */
  readonly ids: Collected

  constructor(room: number) {
    this.room = room
    this.kind = new Int32Array(room)
    this.process = new Int32Array(room)
    this.a = new Float64Array(room)
    this.b = new Float64Array(room)
    this.index = new Float64Array(room)
    this.invoke = new Float64Array(room)
    this.complete = new Float64Array(room)
    this.positions = new Int32Array(room)
    this.ids = { kind: this.kind, a: new Int32Array(room), b: new Int32Array(room), invoke: this.invoke, complete: this.complete }
  }

  /** Gathers the ops `order` names (at most {@link room}), position p holding op `order[p]`. */
  gather(c: Columns, order: Int32Array): void {
    for (let p = 0; p < order.length; p++) {
      const op = order[p]
      this.kind[p] = c.kind[op]
      this.process[p] = c.process[op]
      this.a[p] = c.a[op]
      this.b[p] = c.b[op]
      this.index[p] = c.index[op]
      this.invoke[p] = c.invoke[op]
      this.complete[p] = c.complete[op]
      this.positions[p] = p
    }
  }
}

/** The builder's columns the deadlines read (value ids already local to the key). */
type Collected = { kind: Int32Array; a: Int32Array; b: Int32Array } & Pick<OpTimes, 'invoke' | 'complete'>

/** When an ok op of row `i` completed: never before its invocation (a clock may step back). */
function okEnd(c: Pick<OpTimes, 'invoke' | 'complete'>, i: number): number {
  return Math.max(c.complete[i], c.invoke[i])
}

/** Per-value counts reused from key to key (allocating them per key costs more than the work). */
class DeadlineScratch {
  #writers = new Int32Array(64)
  #expected = new Uint8Array(64)
  #firstObserved = new Float64Array(64)
  #deadlines = new Float64Array(64)

  /**
   * Per row of a key (`rows`: builder op numbers in invocation order), when it must have
   * taken effect by, or NaN when it is dropped: an info write nobody observed. See the
   * module comment. Counts what it drops into `dropped`. The array is reused: read it
   * before the next call.
   */
  deadlines(rows: Int32Array, c: Collected, values: number, dropped: RegisterHistories['dropped']): Float64Array {
    if (values > this.#writers.length) {
      this.#writers = new Int32Array(2 * values)
      this.#expected = new Uint8Array(2 * values)
      this.#firstObserved = new Float64Array(2 * values)
    }
    if (rows.length > this.#deadlines.length) this.#deadlines = new Float64Array(2 * rows.length)
    // Per value: how many ops (ok or info) write it, whether an op expects it (an info cas
    // too: it may have swapped), and the earliest completion of an ok op that observed it.
    const writers = this.#writers
    const expected = this.#expected
    const firstObserved = this.#firstObserved
    writers.fill(0, 0, values)
    expected.fill(0, 0, values)
    firstObserved.fill(Number.POSITIVE_INFINITY, 0, values)
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r]
      const op = c.kind[i] & 3
      if (op === WRITE) writers[c.a[i]] += 1
      else if (op === CAS) writers[c.b[i]] += 1
      if (op !== READ && op !== CAS) continue
      expected[c.a[i]] = 1
      if (c.kind[i] >> 4 === 0) firstObserved[c.a[i]] = Math.min(firstObserved[c.a[i]], okEnd(c, i))
    }
    const deadlines = this.#deadlines
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r]
      if (c.kind[i] >> 4 === 0) {
        deadlines[r] = okEnd(c, i)
        continue
      }
      const written = (c.kind[i] & 3) === CAS ? c.b[i] : c.a[i]
      if (expected[written] === 0) {
        dropped.unobservedInfoWrites += 1
        deadlines[r] = Number.NaN
      } else if (written !== ABSENT && writers[written] === 1) deadlines[r] = Math.max(c.invoke[i], firstObserved[written])
      else deadlines[r] = Number.POSITIVE_INFINITY
    }
    return deadlines
  }
}

/** Builds the register histories of every client op among `records` (other records are skipped). */
export function registerHistories(records: Iterable<{ process: unknown }>, options: { shared?: boolean } = {}): RegisterHistories {
  const builder = new RegisterHistoryBuilder()
  for (const record of records) if (typeof record.process === 'number') builder.push(record as RegisterOp)
  return builder.finish(options)
}

/** The op at row `row` as the history had it: its function and value (for timelines and messages). */
export function opAsRecorded(h: RegisterHistories, key: number, row: number): { f: OpFunction; value: unknown } {
  const values = h.values[key]
  // Absent is null, as the history had it (a hashed history's values hold 0 there).
  const value = (id: number): unknown => (id === ABSENT ? null : values[id])
  const f = FUNCTIONS[h.f[row]]
  switch (h.op[row]) {
    case READ:
      return { f, value: h.a[row] === ABSENT ? [] : [value(h.a[row])] }
    case SIBLINGS:
      return { f, value: Array.from(h.siblings.subarray(h.a[row], h.a[row] + h.b[row]), value) }
    case CAS:
      return { f, value: [value(h.a[row]), value(h.b[row])] }
    default:
      return { f, value: f === 'delete' ? null : value(h.a[row]) }
  }
}
