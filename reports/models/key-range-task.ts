/** Task (run in a worker of the task pool): checks a range of keys against the models. */
import { checkKeyRange, type KeyRange, type KeyRangeResult } from './key-range.ts'
import type { TaskOutput } from '../task-pool.ts'

export default async function keyRangeTask(range: KeyRange): Promise<TaskOutput<KeyRangeResult[]>> {
  return { result: checkKeyRange(range) }
}
