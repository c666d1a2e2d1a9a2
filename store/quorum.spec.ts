import { test } from '@japa/runner'
import { awaitQuorum } from './quorum.ts'

const later = <T>(ms: number, value: T, fail = false): Promise<T> =>
  new Promise((resolve, reject) => setTimeout(() => (fail ? reject(new Error(String(value))) : resolve(value)), ms))

test.group('quorum', () => {
  test('resolves as soon as enough calls succeed', async ({ assert }) => {
    const started = Date.now()
    const quorum = awaitQuorum(['self'], [later(10, 'a'), later(2000, 'slow')], 2)
    const outcome = await quorum.outcome
    assert.isBelow(Date.now() - started, 1000)
    assert.deepEqual(outcome, { reached: true, results: ['self', 'a'] })
  })

  test('gives up as soon as the quorum cannot be reached', async ({ assert }) => {
    const quorum = awaitQuorum(['self'], [later(5, 'x', true), later(10, 'y', true), later(50, 'z')], 3)
    assert.deepEqual(await quorum.outcome, { reached: false, results: ['self'] })
    const settled = await quorum.settled
    assert.deepEqual(settled.results, ['self', 'z'])
    assert.lengthOf(settled.failures, 2)
  })

  test('an initial result alone can be a quorum', async ({ assert }) => {
    assert.deepEqual(await awaitQuorum(['self'], [], 1).outcome, { reached: true, results: ['self'] })
    assert.deepEqual(await awaitQuorum([], [], 1).outcome, { reached: false, results: [] })
  })
})
