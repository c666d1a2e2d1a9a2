/**
 * The register histories of the analysis' op table, so the linearizable and sequential
 * searches of a run need no second parse of its history: the table keeps every client op
 * with a 53-bit hash of each value written or read, and equal hashes stand for equal values
 * (the key is part of the hash). Sentences then name values by hash tokens (value-text.ts).
 */
import { CAS, FUNCTIONS, GET, OK, OUTCOMES, PUT } from '../op-table.ts'
import type { ModelColumns } from './model-history.ts'
import { type HashedOp, type RegisterHistories, RegisterHistoryBuilder } from './register-history.ts'

const NONE = new Float64Array(0)

/** The hashes of the values row `r` wrote or read, as {@link HashedOp} has them (0: absent). */
export function rowValueHashes(
  table: Pick<ModelColumns, 'f' | 'type' | 'valueHash' | 'verStart' | 'verHash' | 'siblings'>,
  r: number,
): ArrayLike<number> {
  const f = table.f[r]
  if (f === PUT) return table.valueHash.subarray(r, r + 1)
  // A malformed cas (no `[expected, new]`) has no hash of its new value: left without hashes, it is dropped as malformed.
  if (f === CAS && table.valueHash[r] !== 0) return [table.verHash[table.verStart[r]], table.valueHash[r]]
  if (f === GET && table.type[r] === OK) return table.verHash.subarray(table.verStart[r], table.verStart[r] + table.siblings[r])
  return NONE
}

/** The table's client ops as register histories (in shared memory when `shared`, for worker threads). */
export function registerHistoriesFromTable(table: ModelColumns, options: { shared?: boolean } = {}): RegisterHistories {
  const builder = new RegisterHistoryBuilder(table.length)
  const names = table.keys.names
  for (let r = 0; r < table.length; r++) {
    builder.pushHashed({
      index: table.index[r],
      process: table.process[r],
      type: OUTCOMES[table.type[r]],
      f: FUNCTIONS[table.f[r]],
      key: names[table.key[r]],
      invoke: table.invoke[r],
      complete: table.complete[r],
      hashes: rowValueHashes(table, r),
    })
  }
  return builder.finish(options)
}
