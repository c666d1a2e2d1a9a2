/**
 * The register histories of the analysis' op table, so the linearizable and sequential
 * searches of a run need no second parse of its history: the table keeps every client op
 * with a 53-bit hash of each value written or read, and equal hashes stand for equal values
 * (the key is part of the hash). Sentences then name values by hash tokens (value-text.ts).
 */
import { CAS, GET, OK, PUT } from '../op-table.ts'
import type { ModelColumns } from './model-history.ts'
import { type HashedRow, type RegisterHistories, RegisterHistoryBuilder } from './register-history.ts'

type HashColumns = Pick<ModelColumns, 'f' | 'type' | 'valueHash' | 'verStart' | 'verHash' | 'siblings'>

/**
 * The hashes of the values row `r` wrote or read, as {@link HashedRow} has them (0: absent),
 * written into `out` (its first elements; the rest left as they were); returns how many.
 */
export function rowValueHashesInto(table: HashColumns, r: number, out: number[]): number {
  const f = table.f[r]
  if (f === PUT) {
    out[0] = table.valueHash[r]
    return 1
  }
  // A malformed cas (no `[expected, new]`) has no hash of its new value: left without hashes, it is dropped as malformed.
  if (f === CAS && table.valueHash[r] !== 0) {
    out[0] = table.verHash[table.verStart[r]]
    out[1] = table.valueHash[r]
    return 2
  }
  if (f !== GET || table.type[r] !== OK) return 0
  for (let i = 0; i < table.siblings[r]; i++) out[i] = table.verHash[table.verStart[r] + i]
  return table.siblings[r]
}

/** The table's client ops as register histories (in shared memory when `shared`, for worker threads). */
export function registerHistoriesFromTable(table: ModelColumns, options: { shared?: boolean } = {}): RegisterHistories {
  // Every row is offered, so the builder reads index, invoke and complete from the table; its key ids are the table's.
  const builder = new RegisterHistoryBuilder({ capacity: table.length, times: table, keys: table.keys.names })
  // One row object for every row (the builder keeps none): a million objects would be garbage.
  const hashes: number[] = []
  const row: HashedRow = { index: 0, process: 0, key: 0, f: 0, outcome: OK, invoke: 0, complete: 0, hashes }
  for (let r = 0; r < table.length; r++) {
    row.index = table.index[r]
    row.process = table.process[r]
    row.key = table.key[r]
    row.f = table.f[r]
    row.outcome = table.type[r]
    row.invoke = table.invoke[r]
    row.complete = table.complete[r]
    // The row's hashes in one reused array (a view per row is garbage too); its first `count` are this row's.
    builder.pushRow(row, rowValueHashesInto(table, r, hashes))
  }
  return builder.finish(options)
}
