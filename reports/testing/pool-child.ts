/**
 * Child process of the task pool's spec: runs one task on a pool and prints its result, so
 * the spec can start it with Node flags of its own (`--expose-gc`: one a worker refuses).
 */
import { TaskPool } from '../task-pool.ts'

const pool = new TaskPool({ size: 1 })
try {
  const value = await pool.run<number>(new URL('./exiting-task.ts', import.meta.url), { value: 42 })
  process.stdout.write(`${JSON.stringify({ value })}\n`)
} finally {
  await pool.close()
}
