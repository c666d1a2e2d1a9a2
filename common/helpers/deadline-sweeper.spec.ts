/** The deadline sweeper: ticks while armed, one timer however often it is armed, none after stop. */
import { test } from '@japa/runner'
import { DeadlineSweeper } from './deadline-sweeper.ts'

/** Resolves after `sweeper`'s own clock (a second sweeper) has ticked `ticks` times: an event, not a sleep. */
function ticksOf(everyMs: number, ticks: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0
    const clock = new DeadlineSweeper(() => {
      if (++seen < ticks) return
      clock.stop()
      resolve()
    }, everyMs)
    clock.arm()
  })
}

test.group('deadline sweeper', () => {
  test('sweeps with performance.now() while armed, and never after stop', async ({ assert }) => {
    const nows: number[] = []
    const sweeper = new DeadlineSweeper((now) => nows.push(now), 5)
    const armedAt = performance.now()
    sweeper.arm()
    await ticksOf(5, 4)
    sweeper.stop()
    assert.isAbove(nows.length, 0, 'it swept while armed')
    assert.isAtLeast(nows[0], armedAt)
    for (let i = 1; i < nows.length; i++) assert.isAbove(nows[i], nows[i - 1])
    const stoppedAfter = nows.length
    await ticksOf(5, 4)
    assert.equal(nows.length, stoppedAfter, 'no sweep after stop')
  })

  test('arming again keeps one timer', async ({ assert }) => {
    let once = 0
    let often = 0
    const single = new DeadlineSweeper(() => once++, 5)
    const repeated = new DeadlineSweeper(() => often++, 5)
    single.arm()
    for (let i = 0; i < 10; i++) repeated.arm()
    await ticksOf(5, 10)
    single.stop()
    repeated.stop()
    assert.isAbove(once, 0)
    // Ten timers would sweep about ten times as often.
    assert.isAtMost(often, once + 2)
  })
})
