import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { test } from '@japa/runner'
import { ProcessControl } from './process-control.ts'

/** Each thread's state letter, read once (no waiting): what the kernel says right now. */
const threadStates = (pid: number): string[] =>
  readdirSync(`/proc/${pid}/task`).map((task) => readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8').split(') ')[1][0])

test.group('ProcessControl: pause and resume (real processes)', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.each.timeout(20_000)

  test('pause() resolves only once every thread of a busy process is stopped; resume() lets it run', async ({ assert, cleanup }) => {
    // Several busy threads (a worker spinning beside the main thread): the ones on a CPU stop only when interrupted.
    const script = `
      const { Worker } = require('node:worker_threads')
      for (let i = 0; i < 3; i++) new Worker('for (;;) {}', { eval: true })
      setInterval(() => process.stdout.write('.'), 5)
    `
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    const control = new ProcessControl(child)
    cleanup(() => control.kill())
    await new Promise((resolve) => child.stdout.once('data', resolve))

    for (let round = 0; round < 5; round++) {
      await control.pause()
      const states = threadStates(child.pid!)
      assert.isAbove(states.length, 3)
      assert.deepEqual(
        states.filter((s) => s !== 'T' && s !== 't'),
        [],
        `round ${round}: thread states ${states.join('')}`,
      )
      assert.isTrue(control.paused)
      control.resume()
      await new Promise((resolve) => child.stdout.once('data', resolve))
      assert.isFalse(control.paused)
    }
  })

  test('pause() of a process that has exited does nothing', async ({ assert }) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
    const control = new ProcessControl(child)
    await control.exited
    await control.pause()
    assert.isFalse(control.paused)
  })
})
