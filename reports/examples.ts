/**
 * Examples of violations and anomalies: a checker names the ops involved by table row;
 * this module reads those ops back from the history (by byte offset) so a report can quote
 * them, values included, without the analysis ever keeping values in memory.
 */
import type { HistoryRecord, OpRecord } from '../common/contracts/history.ts'
import { readRecordsAt } from './history-reader.ts'
import type { OpTable } from './op-table.ts'

/** What a checker found: a sentence and the ops involved (rows of the op table). */
export type Example = { summary: string; ops: { role: string; row: number }[] }

/** One op of an example as a report shows it. Values are JSON text, shortened. */
export type ExampleOp = {
  role: string
  index: number
  process: number
  type: string
  f: string
  key: string
  node: string
  phase: string
  /** ms since the run started. */
  invokeMs: number
  completeMs: number
  /** The value written or read, as JSON text (cut at {@link MAX_VALUE_CHARS}). */
  value: string
  /** `node:counter`, or null. */
  dot: string | null
  error: string | null
}

export type ResolvedExample = { summary: string; ops: ExampleOp[] }

/** Longest value shown in an example, characters. */
const MAX_VALUE_CHARS = 300

/** A value as JSON text, shortened for display. */
export function shortJson(value: unknown, max = MAX_VALUE_CHARS): string {
  const text = JSON.stringify(value) ?? 'undefined'
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** Reads back every op the examples name and turns the examples into displayable ones. */
export async function resolveExamples(path: string, table: OpTable, examples: readonly Example[]): Promise<ResolvedExample[]> {
  const rows = [...new Set(examples.flatMap((e) => e.ops.map((o) => o.row)))]
  const records = await readRecordsAt(
    path,
    rows.map((row) => ({ offset: table.offset[row], length: table.lineLength[row] })),
  )
  const byRow = new Map<number, HistoryRecord | undefined>(rows.map((row, i) => [row, records[i]]))
  return examples.map((example) => ({
    summary: example.summary,
    ops: example.ops.map(({ role, row }) => describeOp(role, row, table, byRow.get(row))),
  }))
}

function describeOp(role: string, row: number, table: OpTable, record: HistoryRecord | undefined): ExampleOp {
  const op = record && typeof record.process === 'number' ? (record as OpRecord) : undefined
  return {
    role,
    index: table.index[row],
    process: table.process[row],
    type: op?.type ?? '?',
    f: op?.f ?? '?',
    key: table.keys.names[table.key[row]],
    node: table.nodes.names[table.node[row]],
    phase: op?.phase ?? '?',
    invokeMs: table.invoke[row] / 1000,
    completeMs: table.complete[row] / 1000,
    value: op ? shortJson(op.f === 'delete' ? null : op.value) : '(could not be read back)',
    dot: op?.dot ? `${op.dot.node}:${op.dot.counter}` : null,
    error: op?.error ?? null,
  }
}
