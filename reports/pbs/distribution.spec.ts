/** Latency distributions: each one's sample mean against its analytic mean, ranges, mixtures. */
import { test } from '@japa/runner'
import { Random } from '../../common/helpers/random.ts'
import { sampler } from './distribution.ts'
import {
  constant,
  describe,
  type Distribution,
  DistributionRangeError,
  empirical,
  exponential,
  lognormal,
  meanMs,
  mixture,
  pareto,
  parseDistribution,
  uniform,
} from './index.ts'

const DRAWS = 200_000

/** Sample mean and its standard error over DRAWS draws. */
function sampleMean(d: Distribution, seed = 1): { mean: number; standardError: number; min: number } {
  const draw = sampler(d)
  const random = new Random(seed, 'distribution-spec')
  let sum = 0
  let sumSquares = 0
  let min = Number.POSITIVE_INFINITY
  for (let i = 0; i < DRAWS; i++) {
    const x = draw(random)
    sum += x
    sumSquares += x * x
    if (x < min) min = x
  }
  const mean = sum / DRAWS
  return { mean, standardError: Math.sqrt((sumSquares / DRAWS - mean * mean) / DRAWS), min }
}

test.group('pbs distributions', () => {
  test('{name}: sample mean within 5 standard errors of the analytic mean {mean} ms')
    .with([
      { name: 'uniform(2,10)', distribution: uniform(2, 10), mean: 6 },
      { name: 'exp(0.1)', distribution: exponential(0.1), mean: 10 },
      { name: 'exp(0.02)', distribution: exponential(0.02), mean: 50 },
      { name: 'pareto(1.5,3)', distribution: pareto(1.5, 3), mean: 2.25 },
      { name: 'pareto(2,5)', distribution: pareto(2, 5), mean: 2.5 },
      { name: 'lognormal(1,0.5)', distribution: lognormal(1, 0.5), mean: Math.exp(1.125) },
      { name: 'empirical(1,2,3,10)', distribution: empirical([1, 2, 3, 10]), mean: 4 },
      { name: 'pareto(1.5,3)*0.95+exp(0.02)*0.05', distribution: parseDistribution('pareto(1.5,3)*0.95+exp(0.02)*0.05'), mean: 4.6375 },
    ])
    .run(({ assert }, { distribution, mean }) => {
      assert.closeTo(meanMs(distribution), mean, 1e-9)
      const sample = sampleMean(distribution)
      assert.isAbove(sample.standardError, 0)
      assert.closeTo(sample.mean, mean, 5 * sample.standardError)
      assert.isAtLeast(sample.min, 0)
    })

  test('const always draws its value; a Pareto with α <= 1 has an infinite mean', ({ assert }) => {
    const sample = sampleMean(constant(7))
    assert.equal(sample.mean, 7)
    assert.equal(sample.standardError, 0)
    assert.equal(meanMs(pareto(1, 1)), Number.POSITIVE_INFINITY)
  })

  test('a Pareto never draws below its scale, an empirical only its samples, a uniform only within its bounds', ({ assert }) => {
    const random = new Random(3)
    const draws = (d: Distribution) => Array.from({ length: 5000 }, () => sampler(d)(random))
    assert.isAtLeast(Math.min(...draws(pareto(1.5, 3))), 1.5)
    assert.sameMembers([...new Set(draws(empirical([4, 8, 15])))], [4, 8, 15])
    const u = draws(uniform(3, 4))
    assert.isAtLeast(Math.min(...u), 3)
    assert.isBelow(Math.max(...u), 4)
  })

  test('a mixture draws each part with its weight', ({ assert }) => {
    // const(0) w.p. 0.3 and const(1) w.p. 0.7: the mean is the share of ones.
    const sample = sampleMean(
      mixture([
        { distribution: constant(0), weight: 0.3 },
        { distribution: constant(1), weight: 0.7 },
      ]),
    )
    assert.closeTo(sample.mean, 0.7, 5 * sample.standardError)
  })

  test('out-of-range parameters are refused with the parameter named: {name}')
    .with([
      { name: 'const(-1)', make: () => constant(-1), message: /const latency must be a number >= 0 ms, got -1/ },
      { name: 'uniform(-1,1)', make: () => uniform(-1, 1), message: /uniform low bound a must be >= 0/ },
      { name: 'uniform(5,1)', make: () => uniform(5, 1), message: /uniform high bound b must be >= a \(5\), got 1/ },
      { name: 'exp(0)', make: () => exponential(0), message: /exp rate λ must be > 0/ },
      { name: 'pareto(0,3)', make: () => pareto(0, 3), message: /pareto scale xm must be > 0/ },
      { name: 'pareto(1,-2)', make: () => pareto(1, -2), message: /pareto shape α must be > 0, got -2/ },
      { name: 'lognormal(0,-1)', make: () => lognormal(0, -1), message: /lognormal σ must be >= 0/ },
      { name: 'lognormal(NaN,1)', make: () => lognormal(Number.NaN, 1), message: /lognormal μ must be a finite number/ },
      { name: 'empirical([])', make: () => empirical([], 'run legs'), message: /empirical run legs: no samples/ },
      { name: 'empirical([1,-2])', make: () => empirical([1, -2]), message: /sample 2 is -2/ },
      {
        name: 'weights 0.5+0.4',
        make: () =>
          mixture([
            { distribution: constant(1), weight: 0.5 },
            { distribution: constant(2), weight: 0.4 },
          ]),
        message: /weights must sum to 1, they sum to 0.9/,
      },
      { name: 'weight 0', make: () => mixture([{ distribution: constant(1), weight: 0 }]), message: /mixture weight 1 must be > 0/ },
    ])
    .run(({ assert }, { make, message }) => {
      assert.throws(make, DistributionRangeError)
      assert.throws(make, message)
    })

  test('decimal weights that sum to 1 only up to rounding are accepted and normalized', ({ assert }) => {
    const d = parseDistribution('exp(0.1)*0.7+const(1)*0.2+uniform(0,1)*0.1')
    assert.equal(d.kind, 'mixture')
    if (d.kind !== 'mixture') return
    assert.closeTo(
      d.parts.reduce((s, p) => s + p.weight, 0),
      1,
      1e-15,
    )
  })

  test('describe gives back what the parser reads', ({ assert }) => {
    for (const text of [
      'const(2)',
      'uniform(1,3)',
      'exp(0.02)',
      'pareto(1.5,3)',
      'lognormal(0.5,0.25)',
      'pareto(1.5,3)*0.95+exp(0.02)*0.05',
    ]) {
      assert.equal(describe(parseDistribution(text)), text)
    }
    assert.equal(describe(empirical([1, 2], 'legs.csv')), 'empirical(legs.csv) [2 samples]')
  })
})
