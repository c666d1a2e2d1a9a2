/** Task (run in a worker of the task pool): checks ranges of keys against the models, taking them until none is left. */
import { type KeyRangeResult, type SharedKeyRanges, takeKeyRanges } from './key-range.ts'
import type { TaskOutput } from '../task-pool.ts'

export default async function keyRangeTask(ranges: SharedKeyRanges): Promise<TaskOutput<[number, KeyRangeResult[]][]>> {
  return { result: takeKeyRanges(ranges) }
}
