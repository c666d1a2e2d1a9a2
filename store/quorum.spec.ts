import { test } from '@japa/runner'
import { awaitQuorum } from './quorum.ts'

/** A call the test settles by hand, so each step of a quorum is observed without timers. */
function call<T>(): { promise: Promise<T>; succeed: (value: T) => Promise<void>; fail: (error: Error) => Promise<void> } {
  let resolve: (value: T) => void = () => {}
  let reject: (error: Error) => void = () => {}
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return {
    promise,
    succeed: (value) => {
      resolve(value)
      return settle()
    },
    fail: (error) => {
      reject(error)
      return settle()
    },
  }
}

/** Lets every promise reaction queued so far run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

const PENDING = Symbol('pending')
/** The value a promise has settled with, or PENDING (an already settled promise wins the race: its reaction is queued first). */
const peek = <T>(promise: Promise<T>): Promise<T | typeof PENDING> => Promise.race([promise, Promise.resolve(PENDING)])

test.group('quorum', () => {
  test('resolves as soon as enough calls succeed, and keeps collecting the rest', async ({ assert }) => {
    const [a, slow] = [call<string>(), call<string>()]
    const quorum = awaitQuorum(['self'], [a.promise, slow.promise], 2)
    assert.equal(await peek(quorum.outcome), PENDING)
    await a.succeed('a')
    assert.deepEqual(await peek(quorum.outcome), { reached: true, results: ['self', 'a'] })
    assert.equal(await peek(quorum.settled), PENDING)
    await slow.succeed('slow')
    assert.deepEqual(await quorum.settled, { results: ['self', 'a', 'slow'], failures: [] })
    // The outcome is what was known when it was decided.
    assert.deepEqual(await quorum.outcome, { reached: true, results: ['self', 'a'] })
  })

  test('needs exactly `needed` successes: one short is not a quorum', async ({ assert }) => {
    const [a, b, c] = [call<string>(), call<string>(), call<string>()]
    const quorum = awaitQuorum([], [a.promise, b.promise, c.promise], 2)
    await a.succeed('a')
    assert.equal(await peek(quorum.outcome), PENDING)
    await b.succeed('b')
    assert.deepEqual(await peek(quorum.outcome), { reached: true, results: ['a', 'b'] })
  })

  test('gives up as soon as the quorum cannot be reached, not before', async ({ assert }) => {
    const [x, y, z] = [call<string>(), call<string>(), call<string>()]
    const quorum = awaitQuorum(['self'], [x.promise, y.promise, z.promise], 3)
    await x.fail(new Error('x'))
    // self and the two calls still out can make three.
    assert.equal(await peek(quorum.outcome), PENDING)
    await y.fail(new Error('y'))
    assert.deepEqual(await peek(quorum.outcome), { reached: false, results: ['self'] })
    await z.succeed('z')
    const settled = await quorum.settled
    assert.deepEqual(settled.results, ['self', 'z'])
    assert.deepEqual(
      settled.failures.map((e) => (e as Error).message),
      ['x', 'y'],
    )
    assert.deepEqual(await quorum.outcome, { reached: false, results: ['self'] })
  })

  test('successes so far count once: one success and two failures of four calls cannot make three', async ({ assert }) => {
    const [a, x, y, d] = [call<string>(), call<string>(), call<string>(), call<string>()]
    const quorum = awaitQuorum([], [a.promise, x.promise, y.promise, d.promise], 3)
    await a.succeed('a')
    await x.fail(new Error('x'))
    assert.equal(await peek(quorum.outcome), PENDING)
    await y.fail(new Error('y'))
    assert.deepEqual(await peek(quorum.outcome), { reached: false, results: ['a'] })
    await d.succeed('d')
  })

  test('a success after a failure still counts, and a failure after the quorum changes nothing', async ({ assert }) => {
    const [x, a, b] = [call<string>(), call<string>(), call<string>()]
    const quorum = awaitQuorum([], [x.promise, a.promise, b.promise], 2)
    await x.fail(new Error('x'))
    await a.succeed('a')
    assert.equal(await peek(quorum.outcome), PENDING)
    await b.succeed('b')
    assert.deepEqual(await peek(quorum.outcome), { reached: true, results: ['a', 'b'] })
  })

  test('an initial result alone can be a quorum; no calls and too few results decide at once', async ({ assert }) => {
    assert.deepEqual(await peek(awaitQuorum(['self'], [], 1).outcome), { reached: true, results: ['self'] })
    assert.deepEqual(await peek(awaitQuorum([], [], 1).outcome), { reached: false, results: [] })
    assert.deepEqual(await peek(awaitQuorum(['self'], [], 2).outcome), { reached: false, results: ['self'] })
    assert.deepEqual(await awaitQuorum(['self'], [], 1).settled, { results: ['self'], failures: [] })
  })
})
