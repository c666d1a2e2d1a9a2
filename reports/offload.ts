/**
 * Which checks of a big history run in a worker of the report's task pool: those that
 * read only the op table's columns (in shared memory, so no copy) and a few arrays beside
 * them, while this thread goes on with the others.
 */
import type { OpTable } from './op-table.ts'
import type { TaskPool } from './task-pool.ts'

/** Below this many ops a check runs in this thread: handing it to a worker costs more. */
const WORKER_FROM_OPS = 100_000

/** The pool to run a check on `table` in, or undefined when it runs in this thread. */
export function workerPoolFor(table: OpTable, pool: TaskPool | undefined): TaskPool | undefined {
  return pool && table.index.buffer instanceof SharedArrayBuffer && table.length >= WORKER_FROM_OPS ? pool : undefined
}
