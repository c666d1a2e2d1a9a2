/**
 * The task pool when a worker dies mid-task: only the task that worker was running fails,
 * tasks on other workers finish, and later tasks still run (the pool does not shrink for
 * good). A worker handed several tasks runs them one at a time, without this thread.
 */
import { execFile } from 'node:child_process'
import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { test } from '@japa/runner'
import { taskModule } from './task-bundle.ts'
import { TaskPool } from './task-pool.ts'
import type { BundledTaskResult } from './testing/bundled-task.ts'
import type { ExitingTaskData } from './testing/exiting-task.ts'

const TASK = new URL('./testing/exiting-task.ts', import.meta.url)
const BUNDLED = new URL('./testing/bundled-task.ts', import.meta.url)

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

  test('a worker handed several tasks runs them in order, one at a time', async ({ assert, cleanup }) => {
    const pool = new TaskPool({ size: 1, depth: 3 })
    cleanup(() => pool.close())
    const running = new Int32Array(new SharedArrayBuffer(8))
    const results = await Promise.all([30, 0, 10].map((delayMs, value) => pool.run<number>(TASK, { value, delayMs, running })))
    assert.deepEqual(results, [0, 1, 2])
    assert.equal(running[1], 1, 'never two tasks at once')
  })

  test('a worker goes on to the next task it holds while this thread is busy', async ({ assert, cleanup }) => {
    const pool = new TaskPool({ size: 1, depth: 2 })
    cleanup(() => pool.close())
    // The worker is up (it loads tsx first) before the timed part starts.
    await pool.run(TASK, { value: 0 })
    const first = pool.run<number>(TASK, { delayMs: 20, startedAt: true })
    const second = pool.run<number>(TASK, { startedAt: true })
    // This thread is busy (no event turn) well past the first task's end.
    const busyUntil = Date.now() + 500
    while (Date.now() < busyUntil);
    const [firstStarted, secondStarted] = await Promise.all([first, second])
    assert.isBelow(firstStarted, busyUntil)
    assert.isBelow(secondStarted, busyUntil, 'the second task started before this thread could hand it over')
  })

  test('no task is queued behind one run alone: the others take them, or they wait for a free thread', async ({ assert, cleanup }) => {
    const pool = new TaskPool({ size: 2, depth: 3 })
    cleanup(() => pool.close())
    await pool.prepare()
    let longEnded = 0
    const long = pool.run<number>(TASK, { value: 1, delayMs: 800 }, { alone: true }).then((value) => {
      longEnded = Date.now()
      return value
    })
    // Spread by turns, the second of these would go behind the long task.
    const short = [0, 1, 2].map(() => pool.run<number>(TASK, { startedAt: true }))
    const started = await Promise.all(short)
    assert.equal(longEnded, 0, 'every short task started and ended while the long one ran')
    assert.equal(await long, 1)
    assert.isTrue(
      started.every((at) => at < longEnded),
      'every short task started first',
    )

    const one = new TaskPool({ size: 1, depth: 3 })
    cleanup(() => one.close())
    const alone = one.run<number>(TASK, { value: 2, delayMs: 50 }, { alone: true })
    assert.deepEqual(
      await Promise.all([alone, one.run<number>(TASK, { value: 3 })]),
      [2, 3],
      'with no other thread, the next waits and runs',
    )
  })

  test('a prepared pool runs a task at once while this thread is busy, its module bundled in advance', async ({ assert, cleanup }) => {
    // A module no other test has bundled: a copy in a folder of its own.
    const folder = await mkdtemp(join(tmpdir(), 'task-pool-prepare-'))
    cleanup(() => rm(folder, { recursive: true, force: true }))
    const copy = join(folder, 'exiting-task.ts')
    await copyFile(fileURLToPath(TASK), copy)
    const module = taskModule(pathToFileURL(copy))
    const pool = new TaskPool({ size: 1 })
    cleanup(() => pool.close())
    await pool.prepare()
    const started = pool.run<number>(module, { startedAt: true })
    // No event turn here: a bundle made only now would reach the pool after it.
    const busyUntil = Date.now() + 1_000
    while (Date.now() < busyUntil);
    assert.isBelow(await started, busyUntil, 'the task started while this thread was busy')
  })

  test('tasks a dying worker held but had not started run on a fresh one', async ({ assert, cleanup }) => {
    const pool = new TaskPool({ size: 1, depth: 3 })
    cleanup(() => pool.close())
    const dying = pool.run(TASK, { exitCode: 4, delayMs: 20 })
    const waiting = [pool.run<number>(TASK, { value: 8 }), pool.run<number>(TASK, { value: 9 })]
    await assert.rejects(() => dying, /exited with code 4/)
    assert.deepEqual(await Promise.all(waiting), [8, 9])
  })

  test('a worker runs a bundle of its task module, without tsx', async ({ assert, cleanup }) => {
    const pool = new TaskPool({ size: 1 })
    cleanup(() => pool.close())
    const seen = await pool.run<BundledTaskResult>(BUNDLED, {})
    assert.equal(seen.url, BUNDLED.href, 'import.meta.url is the source file, not the bundle')
    assert.equal(seen.besideMe, new URL('./testing/exiting-task.ts', import.meta.url).href)
    assert.isFalse(seen.loadsTypeScript, 'the worker cannot import a .ts file itself: tsx is not loaded there')
    assert.notMatch(seen.execArgv.join(' '), /tsx/)
  })

  test('a task that throws fails with its stack naming its module; a module that cannot be bundled fails its task only', async ({
    assert,
    cleanup,
  }) => {
    const pool = new TaskPool({ size: 1 })
    cleanup(() => pool.close())
    await assert.rejects(() => pool.run(BUNDLED, { fail: 'planted' }), /planted[\s\S]*bundled-task\.ts/)
    const missing = new URL('./testing/no-such-task.ts', import.meta.url)
    await assert.rejects(() => pool.run(missing, {}), /no-such-task\.ts could not be bundled/)
    assert.equal(await pool.run<number>(TASK, { value: 6 }), 6, 'the pool still runs tasks')
  })

  test('a task module in a folder whose name has a space runs', async ({ assert, cleanup }) => {
    const folder = await mkdtemp(join(tmpdir(), 'task pool spec-'))
    cleanup(() => rm(folder, { recursive: true, force: true }))
    const copy = join(folder, 'exiting-task.ts')
    await copyFile(fileURLToPath(TASK), copy)
    const pool = new TaskPool({ size: 1 })
    cleanup(() => pool.close())
    assert.equal(await pool.run<number>(pathToFileURL(copy), { value: 11 }), 11)
  })
})

test.group('task pool in a process started with Node flags', (group) => {
  group.tap((t) => t.tags(['integration']))

  test('a flag a worker refuses (--expose-gc) does not stop the pool', async ({ assert }) => {
    const child = fileURLToPath(new URL('./testing/pool-child.ts', import.meta.url))
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', child], { timeout: 60_000 })
    assert.deepEqual(JSON.parse(stdout), { value: 42 })
  })
})
