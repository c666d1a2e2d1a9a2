/**
 * Reads a history file into register histories for the model checkers, streaming (no
 * array of records): ours (`history.jsonl`), or one converted from another tool. A line
 * is an op when its `process` is a number; lines of other records (the run, nemesis
 * events) are skipped; a line that is neither is counted as malformed, never fatal.
 *
 * The least an op line needs (see README, "Checking any history"):
 *   {"process": 0, "type": "ok", "f": "put", "key": "x", "value": "a", "invoke": 10, "complete": 25}
 * - `process`: the client (a sequential session), a number;
 * - `type`: `ok`, `fail` or `info`; `f`: `get`, `put`, `delete` or `cas`;
 * - `key`: a string (one name for a single register);
 * - `value`: put: the value; get: the list of values read (`[]`: not found); cas: `[expected, new]`;
 * - `invoke`, `complete`: numbers on one clock (any unit); `complete` may be null for `info`;
 * - `index` (optional): the op's number, shown in examples (default: its line, from 0).
 */
import type { OpFunction, OpOutcome, OpRecord } from '../../common/contracts/history.ts'
import { HistoryReader, type MalformedLine } from '../history-reader.ts'
import { type RegisterHistories, RegisterHistoryBuilder, type RegisterOp } from './register-history.ts'

const OUTCOMES = new Set<OpOutcome>(['ok', 'fail', 'info'])
const FUNCTIONS = new Set<OpFunction>(['get', 'put', 'delete', 'cas'])

/** Why a parsed line is neither an op the checkers can read nor another record, or undefined. */
function lineProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object'
  const r = value as Record<string, unknown>
  if (typeof r.process !== 'number') return r.process === undefined ? 'no "process"' : undefined
  if (!OUTCOMES.has(r.type as OpOutcome)) return `"type" ${JSON.stringify(r.type)} is not ok, fail or info`
  if (!FUNCTIONS.has(r.f as OpFunction)) return `"f" ${JSON.stringify(r.f)} is not get, put, delete or cas`
  if (typeof r.key !== 'string') return 'no string "key"'
  if (typeof r.invoke !== 'number') return 'no numeric "invoke"'
  if (r.type === 'ok' && typeof r.complete !== 'number') return 'an ok op without numeric "complete"'
  if (r.index !== undefined && typeof r.index !== 'number') return '"index" is not a number'
  return undefined
}

export type HistoryFile = {
  histories: RegisterHistories
  /** Lines read, ops among them (before any is dropped), malformed lines (a few kept as examples). */
  lines: number
  ops: number
  malformed: number
  malformedExamples: MalformedLine[]
}

export type HistoryFileOptions = {
  /** Keep only this key's ops. */
  key?: string
  /** Lay the histories out in shared memory (for worker threads). */
  shared?: boolean
}

/** Reads the history at `path` (a file of JSON lines). Throws only when the file cannot be read. */
export async function readHistoryFile(path: string, options: HistoryFileOptions = {}): Promise<HistoryFile> {
  const reader = new HistoryReader(path, { problem: lineProblem })
  const builder = new RegisterHistoryBuilder()
  let ops = 0
  await reader.read((record) => {
    const op = record as unknown as RegisterOp
    if (typeof op.process !== 'number') return
    ops += 1
    if (options.key !== undefined && op.key !== options.key) return
    op.index ??= reader.stats.lines - 1
    op.complete ??= Number.POSITIVE_INFINITY
    builder.push(op)
  })
  const { lines, malformed, malformedExamples } = reader.stats
  return { histories: builder.finish({ shared: options.shared }), lines, ops, malformed, malformedExamples }
}

/** The ops of the history at `path` as records (for the whole-history checks: causality crosses keys), with the same line checks. */
export async function readOpRecords(path: string): Promise<Omit<HistoryFile, 'histories'> & { records: OpRecord[] }> {
  const reader = new HistoryReader(path, { problem: lineProblem })
  const records: OpRecord[] = []
  await reader.read((record) => {
    const op = record as OpRecord
    if (typeof op.process !== 'number') return
    op.index ??= reader.stats.lines - 1
    records.push(op)
  })
  const { lines, malformed, malformedExamples } = reader.stats
  return { records, lines, ops: records.length, malformed, malformedExamples }
}
