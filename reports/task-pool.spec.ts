/**
 * The task pool when a worker dies mid-task: only the task that worker held fails, tasks on
 * other workers finish, and later tasks still run (the pool does not shrink for good).
 */
import { test } from '@japa/runner'
import { TaskPool } from './task-pool.ts'
import type { ExitingTaskData } from './testing/exiting-task.ts'

const TASK = new URL('./testing/exiting-task.ts', import.meta.url)

test.group('task pool', () => {
  test('a worker that exits fails only its own task; the others and later tasks still run', async ({ assert, cleanup }) => {
    const pool = new TaskPool({ size: 2 })
    cleanup(() => pool.close())
    const run = (data: ExitingTaskData): Promise<number | undefined> => pool.run<number | undefined>(TASK, data)
    const slow = run({ value: 1, delayMs: 300 })
    const dying = run({ exitCode: 7, delayMs: 50 })
    const queued = run({ value: 2 })
    await assert.rejects(() => dying, /exited with code 7/)
    assert.equal(await slow, 1, 'the task on the healthy worker finishes')
    assert.equal(await queued, 2, 'a task queued behind the dead worker runs')
    assert.deepEqual(await Promise.all([run({ value: 3 }), run({ value: 4 })]), [3, 4], 'the pool keeps both workers')
  })

  test('a pool of one whose only worker exits still runs the next task', async ({ assert, cleanup }) => {
    const pool = new TaskPool({ size: 1 })
    cleanup(() => pool.close())
    const dying = pool.run(TASK, { exitCode: 3 })
    const next = pool.run<number>(TASK, { value: 5 })
    await assert.rejects(() => dying, /exited with code 3/)
    assert.equal(await next, 5)
  })
})
