/**
 * Worker-thread entry of the task pool (task-pool.ts): runs each task module it is
 * sent (its default export, on the task's data) and replies with the result, transferring
 * the buffers the task names instead of copying them.
 */
import { parentPort } from 'node:worker_threads'
import { collectGarbage } from './collect-garbage.ts'
import type { TaskOutput } from './task-pool.ts'

type Task = { id: number; module: string; data: unknown }

/** Tasks run one at a time, in the order they came: the pool may hand this thread several. */
let running = Promise.resolve()
parentPort?.on('message', (task: Task) => {
  running = running.then(() => runTask(task))
})

async function runTask({ id, module, data }: Task): Promise<void> {
  try {
    const task = (await import(module)) as { default: (data: unknown) => Promise<TaskOutput<unknown>> }
    const { result, transfer } = await task.default(data)
    parentPort?.postMessage({ id, ok: true, result }, transfer ?? [])
    // A task's garbage would otherwise stay in this idle thread's heap (see collect-garbage.ts).
    collectGarbage()
  } catch (error) {
    parentPort?.postMessage({ id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  }
}
