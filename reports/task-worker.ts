/**
 * Worker-thread entry of the task pool (task-pool.ts), run as a bundle: runs each task
 * module it is sent (its bundle's default export, on the task's data) and replies with the
 * result, transferring the buffers the task names instead of copying them.
 */
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileFunction } from 'node:vm'
import { parentPort } from 'node:worker_threads'
import { collectGarbage } from './collect-garbage.ts'
import type { TaskMessage, TaskOutput } from './task-pool.ts'
type TaskModule = { default: (data: unknown) => Promise<TaskOutput<unknown>> }

/** Each task module's exports, loaded from its bundle the first time this thread runs it. */
const loaded = new Map<string, TaskModule>()

/** Tasks run one at a time, in the order they came: the pool may hand this thread several. */
let running = Promise.resolve()
parentPort?.on('message', (task: TaskMessage) => {
  running = running.then(() => runTask(task))
})

async function runTask({ id, module, code, data }: TaskMessage): Promise<void> {
  try {
    const { result, transfer } = await load(module, code).default(data)
    parentPort?.postMessage({ id, ok: true, result }, transfer ?? [])
    // A task's garbage would otherwise stay in this idle thread's heap (see collect-garbage.ts).
    collectGarbage()
  } catch (error) {
    parentPort?.postMessage({ id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  }
}

/** Runs a CommonJS bundle once, named after its module's file (so stack traces name the task). */
function load(module: string, code: string): TaskModule {
  let exports = loaded.get(module)
  if (!exports) {
    const file = fileURLToPath(module)
    const holder = { exports: {} }
    compileFunction(code, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: file })(
      holder.exports,
      createRequire(file),
      holder,
      file,
      dirname(file),
    )
    exports = holder.exports as TaskModule
    loaded.set(module, exports)
  }
  return exports
}
