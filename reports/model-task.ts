/** Task (run in a worker of the task pool): every model checker on the op table's columns (in shared memory). */
import { checkModels, modelHistoryFromTable, type ModelCheckOptions, type ModelCheckResult, type ModelColumns } from './models/index.ts'
import type { TaskOutput } from './task-pool.ts'

export type ModelTask = { columns: ModelColumns; options: ModelCheckOptions }

export default async function modelTask({ columns, options }: ModelTask): Promise<TaskOutput<ModelCheckResult[]>> {
  return { result: checkModels(modelHistoryFromTable(columns), options) }
}
