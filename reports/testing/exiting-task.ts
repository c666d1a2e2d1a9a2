/**
 * Task module for the task pool's tests: returns `value` after `delayMs`, or ends its
 * worker thread with `exitCode` instead (a worker dying mid-task).
 */
import type { TaskOutput } from '../task-pool.ts'

export type ExitingTaskData = { value?: number; delayMs?: number; exitCode?: number }

export default async function exitingTask({ value, delayMs = 0, exitCode }: ExitingTaskData): Promise<TaskOutput<number | undefined>> {
  await new Promise((resolve) => setTimeout(resolve, delayMs))
  if (exitCode !== undefined) process.exit(exitCode)
  return { result: value }
}
