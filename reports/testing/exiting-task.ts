/**
 * Task module for the task pool's tests: returns `value` after `delayMs`, or ends its
 * worker thread with `exitCode` instead (a worker dying mid-task). With `startedAt` it
 * returns when it started (ms since the epoch); with `running` (shared memory) it counts
 * the tasks running at once in slot 0 and the most seen in slot 1.
 */
import type { TaskOutput } from '../task-pool.ts'

export type ExitingTaskData = { value?: number; delayMs?: number; exitCode?: number; startedAt?: boolean; running?: Int32Array }

export default async function exitingTask({
  value,
  delayMs = 0,
  exitCode,
  startedAt,
  running,
}: ExitingTaskData): Promise<TaskOutput<number | undefined>> {
  const started = Date.now()
  if (running) Atomics.store(running, 1, Math.max(Atomics.load(running, 1), Atomics.add(running, 0, 1) + 1))
  await new Promise((resolve) => setTimeout(resolve, delayMs))
  if (running) Atomics.sub(running, 0, 1)
  if (exitCode !== undefined) process.exit(exitCode)
  return { result: startedAt ? started : value }
}
