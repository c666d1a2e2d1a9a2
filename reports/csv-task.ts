/** Task (run in a worker of the task pool): writes a big CSV file from shared memory. */
import { writeCsvJob, type CsvJob } from './csv.ts'
import type { TaskOutput } from './task-pool.ts'

export default async function csvTask(job: CsvJob): Promise<TaskOutput<null>> {
  await writeCsvJob(job)
  return { result: null }
}
