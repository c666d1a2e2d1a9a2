/**
 * The client ops of a history as the model checkers read them: one row per op in typed-array
 * columns, values replaced by ids (equal value on the same key, equal id; a value on another
 * key, another id), since a model checker only ever asks whether two values are equal.
 * Built from parsed records (tests, a single history file) or from the analysis' op table
 * (where a value is known by its 53-bit hash), so a 1M-op history is parsed once.
 */
import type { OpFunction, OpOutcome, OpRecord, Phase } from '../../common/contracts/history.ts'
import { DELETE, FAIL, FINAL, GET, INFO, OK, PUT, type OpTable } from '../op-table.ts'
import { HashIds } from './hash-ids.ts'

/** The fields of a history record a model checker reads. */
export type ModelOp = Pick<OpRecord, 'index' | 'process' | 'type' | 'f' | 'key' | 'value' | 'invoke' | 'complete' | 'phase'>

/** The function code of compare-and-set (get, put and delete have the op table's codes). */
export const CAS = 3
/** The value id of nothing (a put of no value, a cas expecting the empty register). */
export const NO_VALUE = -1

/**
 * The columns it shares with the op table mean the same (`f` adds {@link CAS}); rows are in
 * file (completion) order.
 */
export type ModelHistory = Pick<OpTable, 'length' | 'index' | 'process' | 'type' | 'f' | 'key' | 'invoke' | 'complete'> & {
  keys: string[]
  /** 1 for the harness's final reads (after the heal; no client session), else 0. */
  final: Uint8Array
  /** put: id of the value written; cas: of the new value; else {@link NO_VALUE}. */
  written: Int32Array
  /** cas: id of the value expected; else {@link NO_VALUE}. */
  expected: Int32Array
  /** ok get: its values' ids are `readValues[readStart[i] .. readStart[i] + readCount[i]]`; else count 0. */
  readStart: Int32Array
  readCount: Int32Array
  readValues: Int32Array
  /**
   * The value behind an id as the history holds it, when the history was built from records;
   * undefined when built from the op table (which keeps no values: read them back by index).
   */
  valueById?: (id: number) => unknown
}

const FUNCTION_CODE: Record<OpFunction, number> = { get: GET, put: PUT, delete: DELETE, cas: CAS }
const OUTCOME_CODE: Record<OpOutcome, number> = { ok: OK, fail: FAIL, info: INFO }
const FINAL_PHASE: Phase = 'final'

function allocate(length: number, reads: number): Omit<ModelHistory, 'keys' | 'valueById'> {
  return {
    length,
    index: new Float64Array(length),
    process: new Int32Array(length),
    type: new Uint8Array(length),
    f: new Uint8Array(length),
    key: new Int32Array(length),
    final: new Uint8Array(length),
    invoke: new Float64Array(length),
    complete: new Float64Array(length),
    written: new Int32Array(length).fill(NO_VALUE),
    expected: new Int32Array(length).fill(NO_VALUE),
    readStart: new Int32Array(length),
    readCount: new Int32Array(length),
    readValues: new Int32Array(reads),
  }
}

/**
 * The model history of parsed records (other records are skipped), in the order given.
 * Values are matched by their JSON text, so `{a: 1, b: 2}` and `{b: 2, a: 1}` differ.
 */
export function modelHistoryFromRecords(records: readonly (ModelOp | { process: unknown })[]): ModelHistory {
  const ops = records.filter((r): r is ModelOp => typeof r.process === 'number') as ModelOp[]
  const reads = ops.reduce((sum, op) => sum + (op.f === 'get' && op.type === 'ok' && Array.isArray(op.value) ? op.value.length : 0), 0)
  const h = allocate(ops.length, reads)
  const keys = new Map<string, number>()
  const ids = new Map<string, number>()
  const values: unknown[] = []
  const idOf = (key: string, value: unknown): number => {
    if (value === null || value === undefined) return NO_VALUE
    const text = `${key.length}:${key}${JSON.stringify(value)}`
    let id = ids.get(text)
    if (id === undefined) {
      id = values.length
      ids.set(text, id)
      values.push(value)
    }
    return id
  }
  let at = 0
  ops.forEach((op, i) => {
    let key = keys.get(op.key)
    if (key === undefined) {
      key = keys.size
      keys.set(op.key, key)
    }
    h.index[i] = op.index
    h.process[i] = op.process
    h.type[i] = OUTCOME_CODE[op.type] ?? INFO
    h.f[i] = FUNCTION_CODE[op.f] ?? GET
    h.key[i] = key
    h.final[i] = op.phase === FINAL_PHASE ? 1 : 0
    h.invoke[i] = op.invoke
    h.complete[i] = op.complete
    h.readStart[i] = at
    if (op.f === 'put') h.written[i] = idOf(op.key, op.value)
    else if (op.f === 'cas' && Array.isArray(op.value)) {
      h.expected[i] = idOf(op.key, op.value[0])
      h.written[i] = idOf(op.key, op.value[1])
    } else if (op.f === 'get' && op.type === 'ok' && Array.isArray(op.value)) {
      for (const value of op.value) h.readValues[at++] = idOf(op.key, value)
      h.readCount[i] = at - h.readStart[i]
    }
  })
  return { ...h, keys: [...keys.keys()], valueById: (id) => values[id] }
}

/** The op table's columns a model history is made of. */
export type ModelColumns = Pick<
  OpTable,
  | 'length'
  | 'index'
  | 'process'
  | 'type'
  | 'f'
  | 'key'
  | 'invoke'
  | 'complete'
  | 'phase'
  | 'valueHash'
  | 'verStart'
  | 'siblings'
  | 'verHash'
> & { keys: { names: string[] } }

/**
 * The model history of the analysis' op table (register workloads: the table keeps a hash
 * of each value written or read, and no values). Rows are the table's rows. A causal graph
 * built from it empties its columns of value ids (causal-graph.ts).
 */
export function modelHistoryFromTable(table: ModelColumns): ModelHistory {
  const n = table.length
  const ids = new HashIds(n / 2)
  const idOf = (hash: number): number => ids.intern(hash, ids.size)
  // The columns both have are the table's own (read only here), not copies.
  const { index, process, type, f, key, invoke, complete } = table
  const h: ModelHistory = {
    length: n,
    index,
    process,
    type,
    f,
    key,
    invoke,
    complete,
    keys: table.keys.names,
    final: new Uint8Array(n),
    written: new Int32Array(n).fill(NO_VALUE),
    expected: new Int32Array(n).fill(NO_VALUE),
    readStart: new Int32Array(n),
    readCount: new Int32Array(n),
    readValues: new Int32Array(table.verHash.length),
  }
  let at = 0
  for (let r = 0; r < table.length; r++) {
    h.final[r] = table.phase[r] === FINAL ? 1 : 0
    h.readStart[r] = at
    if (table.f[r] === PUT) h.written[r] = idOf(table.valueHash[r])
    else if (table.f[r] === CAS) {
      h.written[r] = table.valueHash[r] === 0 ? NO_VALUE : idOf(table.valueHash[r])
      const expected = table.verStart[r] >= 0 ? table.verHash[table.verStart[r]] : 0
      h.expected[r] = expected === 0 ? NO_VALUE : idOf(expected)
    } else if (table.f[r] === GET && table.type[r] === OK) {
      const start = table.verStart[r]
      for (let v = start; v < start + table.siblings[r]; v++) h.readValues[at++] = idOf(table.verHash[v])
      h.readCount[r] = at - h.readStart[r]
    }
  }
  h.readValues = h.readValues.subarray(0, at)
  return h
}
