/** Wilson intervals and quantile intervals against values worked out by hand. */
import { test } from '@japa/runner'
import { quantileInterval, wilson } from './interval.ts'

test.group('pbs intervals', () => {
  test('Wilson at 0 and at every success: one bound exact, the other z²/(n+z²) away', ({ assert }) => {
    const z2 = 1.959963984540054 ** 2
    const none = wilson(0, 10)
    assert.deepInclude(none, { kind: 'sampled', p: 0, low: 0 })
    if (none.kind === 'sampled') assert.closeTo(none.high, z2 / (10 + z2), 1e-12)
    const all = wilson(10, 10)
    assert.deepInclude(all, { kind: 'sampled', p: 1, high: 1 })
    if (all.kind === 'sampled') assert.closeTo(all.low, 10 / (10 + z2), 1e-12)
  })

  test('Wilson at 50 of 100 is centred, about ±0.096', ({ assert }) => {
    const half = wilson(50, 100)
    if (half.kind !== 'sampled') return assert.fail('sampled expected')
    assert.closeTo(half.low, 0.4038, 1e-4)
    assert.closeTo(half.high, 0.5962, 1e-4)
  })

  test('Wilson refuses impossible counts', ({ assert }) => {
    assert.throws(() => wilson(3, 2), /successes <= trials/)
    assert.throws(() => wilson(0, 0), /trials > 0/)
  })

  test('the quantile of 1..1000 and its interval around it', ({ assert }) => {
    const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1)
    const median = quantileInterval(sorted, 0.5)
    assert.equal(median.value, 500)
    // ranks 500 ∓ 1.96·sqrt(250) = 500 ∓ 31
    assert.equal(median.low, 469)
    assert.equal(median.high, 531)
    const p99 = quantileInterval(sorted, 0.99)
    assert.equal(p99.value, 990)
    assert.isBelow(p99.low, 990)
    assert.isAbove(p99.high, 990)
    assert.equal(quantileInterval(sorted, 0.9999).high, 1000)
  })
})
