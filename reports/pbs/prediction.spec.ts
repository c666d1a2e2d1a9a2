/** A whole prediction as the CLI and the reports get it: every asked t and k, in order, as JSON. */
import { test } from '@japa/runner'
import { constant, exponential, predict } from './index.ts'

const latencies = { write: exponential(0.1), ack: constant(0), read: constant(0), response: constant(0) }

test.group('pbs prediction', () => {
  test('one row per t and per k, in the order asked, the 99% and 99.9% times, and the legs described', ({ assert }) => {
    const p = predict({ n: 2, r: 1, w: 1, latencies, trials: 20_000, seed: 3, tMs: [10, 0, 5], k: [2, 1] })
    assert.deepEqual(
      p.visibility.map((v) => v.tMs),
      [10, 0, 5],
    )
    assert.deepEqual(
      p.kStaleness.map((k) => k.k),
      [2, 1],
    )
    assert.deepEqual(
      p.visibleAfter.map((v) => v.q),
      [0.99, 0.999],
    )
    assert.deepInclude(p, { model: 'WARS', n: 2, r: 1, w: 1, trials: 20_000, seed: 3, quorumsIntersect: false })
    assert.deepEqual(p.latencies, { write: 'exp(0.1)', ack: 'const(0)', read: 'const(0)', response: 'const(0)' })
    // 1 - e^(-λt)/2 at t = 0: half the reads.
    const [at10, at0] = p.visibility.map((v) => v.probability.p)
    assert.closeTo(at0, 0.5, 0.02)
    assert.isAbove(at10, at0)
    assert.deepEqual(JSON.parse(JSON.stringify(p)), p)
  })

  test('no k asked: no k-staleness simulated', ({ assert }) => {
    assert.deepEqual(predict({ n: 2, r: 1, w: 1, latencies, trials: 100, seed: 1, tMs: [0], k: [] }).kStaleness, [])
  })
})
