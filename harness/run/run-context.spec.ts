import { getEventListeners } from 'node:events'
import { test } from '@japa/runner'
import { openRun } from './run-context.ts'
import { shortRunOptions } from './testing.ts'

test.group('run context', () => {
  test("runs sharing the caller's signal each take their listeners off it when detached", async ({ assert, cleanup }) => {
    const options = await shortRunOptions(cleanup)
    const caller = new AbortController()
    for (let i = 0; i < 12; i++) {
      const run = await openRun({ ...options, folder: `run-${i}` }, { signal: caller.signal }, 1)
      assert.isAbove(getEventListeners(caller.signal, 'abort').length, 0)
      await run.harnessLog.close()
      await run.history.close()
      run.detach()
      assert.lengthOf(getEventListeners(caller.signal, 'abort'), 0, `after run ${i}`)
    }
    const run = await openRun({ ...options, folder: 'run-last' }, { signal: caller.signal }, 1)
    cleanup(async () => {
      await run.harnessLog.close()
      await run.history.close()
    })
    caller.abort()
    assert.isTrue(run.signal.aborted, "the caller's abort still stops a run that is not detached")
  })
})
