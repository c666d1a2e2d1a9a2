/** Task (run in a worker of the task pool): scans one byte range of a history. */
import { scanRange, transferables, type RangeScan, type RangeScanOptions } from './range-scan.ts'
import type { TaskOutput } from './task-pool.ts'

export default async function scanTask(options: RangeScanOptions): Promise<TaskOutput<RangeScan>> {
  const scan = await scanRange(options)
  return { result: scan, transfer: transferables(scan) }
}
