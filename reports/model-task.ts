/** Task (run in a worker of the task pool): the causal checks on the op table's columns (in shared memory). */
import {
  type CausalCheckOptions,
  checkCausalModels,
  type ModelCheckResult,
  type ModelColumns,
  modelHistoryFromTable,
} from './models/index.ts'
import type { TaskOutput } from './task-pool.ts'

export type ModelTask = { columns: ModelColumns; options: CausalCheckOptions }

export default async function modelTask({ columns, options }: ModelTask): Promise<TaskOutput<ModelCheckResult[]>> {
  return { result: checkCausalModels(modelHistoryFromTable(columns), options) }
}
