/** Task (run in a worker of the task pool): the session guarantees on the op table (in shared memory). */
import type { ReadRanks, WriteIndex } from './coverage.ts'
import { type OpTable, receivedTable } from './op-table.ts'
import { checkSessions, type SessionResults } from './sessions.ts'
import type { TaskOutput } from './task-pool.ts'

export type SessionsTask = { table: OpTable; index: WriteIndex; ranks: ReadRanks; maxExamples: number }

export default async function sessionsTask({ table, index, ranks, maxExamples }: SessionsTask): Promise<TaskOutput<SessionResults>> {
  return { result: checkSessions(receivedTable(table), index, ranks, { maxExamples }) }
}
