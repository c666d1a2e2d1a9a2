/** The distribution syntax: what it reads, and every kind of mistake with its column. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import {
  constant,
  type Distribution,
  DistributionSyntaxError,
  empirical,
  exponential,
  lognormal,
  mixture,
  pareto,
  parseDistribution,
  readSamplesFile,
  uniform,
} from './index.ts'

test.group('pbs distribution parser', () => {
  test('reads {text}')
    .with<{ text: string; expected: Distribution }[]>([
      { text: 'const(5)', expected: constant(5) },
      { text: 'const(0)', expected: constant(0) },
      { text: 'uniform(1,2.5)', expected: uniform(1, 2.5) },
      { text: 'exp(0.02)', expected: exponential(0.02) },
      { text: 'exp(.5)', expected: exponential(0.5) },
      { text: 'exp(2e-3)', expected: exponential(0.002) },
      { text: 'pareto(1.5,3)', expected: pareto(1.5, 3) },
      { text: 'lognormal(-1,0.5)', expected: lognormal(-1, 0.5) },
      { text: '  pareto( 1.5 , 3 )  ', expected: pareto(1.5, 3) },
      {
        text: 'pareto(1.5,3)*0.95+exp(0.02)*0.05',
        expected: mixture([
          { distribution: pareto(1.5, 3), weight: 0.95 },
          { distribution: exponential(0.02), weight: 0.05 },
        ]),
      },
      {
        text: 'const(1) * 0.25 + const(2) * 0.25 + uniform(0,1)*0.5',
        expected: mixture([
          { distribution: constant(1), weight: 0.25 },
          { distribution: constant(2), weight: 0.25 },
          { distribution: uniform(0, 1), weight: 0.5 },
        ]),
      },
      { text: 'exp(1)*1', expected: mixture([{ distribution: exponential(1), weight: 1 }]) },
    ])
    .run(({ assert }, { text, expected }) => {
      assert.deepEqual(parseDistribution(text), expected)
    })

  test('refuses {text}: {message}')
    .with([
      { text: '', message: 'empty distribution', column: 1 },
      { text: '   ', message: 'empty distribution', column: 4 },
      { text: 'pareto(x,3)', message: 'expected a number after "pareto(", got "x"', column: 8 },
      { text: 'pareto(1.5,)', message: 'expected a number after "pareto(1.5,", got ")"', column: 12 },
      { text: 'pareto(1.5)', message: 'pareto(xm, α) takes 2 numbers, got 1', column: 11 },
      { text: 'exp(1,2)', message: 'exp(λ) takes one number, got more', column: 6 },
      { text: 'exp(1', message: 'expected ")" in exp(λ), got the end', column: 6 },
      { text: 'exp(1 2)', message: 'expected ")" in exp(λ), got "2"', column: 7 },
      { text: 'exp 1', message: 'expected "(" after "exp", got "1"', column: 5 },
      {
        text: 'gamma(1,2)',
        message: 'unknown distribution "gamma": expected one of const, uniform, exp, pareto, lognormal, empirical',
        column: 1,
      },
      { text: '0.95*exp(1)', message: 'got "0.95" (a weight goes after its distribution', column: 1 },
      { text: '+exp(1)', message: 'expected a distribution (const, uniform, exp, pareto, lognormal, empirical), got "+"', column: 1 },
      { text: 'exp(1)x', message: 'expected "+", "*" or the end, got "x"', column: 7 },
      { text: 'exp(1)*', message: 'expected a weight after "exp(1)*", got the end', column: 8 },
      { text: 'exp(1)*w', message: 'expected a weight after "exp(1)*", got "w"', column: 8 },
      { text: 'exp(1)+', message: 'expected a distribution', column: 8 },
      { text: 'exp(1)*0.5+const(2)', message: 'every part of a mixture needs a weight (d*w), this one has none', column: 12 },
      { text: 'exp(1)*0.5+const(2)*0.4', message: 'mixture weights must sum to 1, they sum to 0.9', column: 1 },
      { text: 'exp(1)*0.5', message: 'mixture weights must sum to 1, they sum to 0.5', column: 1 },
      { text: 'exp(1)*0.5+const(2)*-0.5+const(1)', message: 'needs a weight', column: 26 },
      { text: 'exp(1)*1.5+const(2)*-0.5', message: 'mixture weight 2 must be > 0, got -0.5', column: 1 },
      { text: 'exp(0)', message: 'exp rate λ must be > 0 per ms (the mean is 1/λ), got 0', column: 1 },
      { text: 'const(1)+uniform(4,2)*1', message: 'uniform high bound b must be >= a (4), got 2', column: 10 },
      { text: 'pareto(-1,2)', message: 'pareto scale xm must be > 0 ms, got -1', column: 1 },
      { text: 'empirical(x.csv)', message: 'empirical(FILE) is not available here', column: 1 },
    ])
    .run(({ assert }, { text, message, column }) => {
      try {
        parseDistribution(text)
        assert.fail(`"${text}" was accepted`)
      } catch (error) {
        assert.instanceOf(error, DistributionSyntaxError)
        const e = error as DistributionSyntaxError
        assert.include(e.message, message)
        assert.equal(e.column, column, e.message)
        assert.match(e.message, new RegExp(`at column ${column}$`))
        assert.equal(e.input, text)
      }
    })

  test('empirical(FILE) loads samples through the given reader, errors at the column of "empirical"', async ({ assert, cleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-pbs-'))
    cleanup(() => rm(dir, { recursive: true, force: true }))
    const file = join(dir, 'write.csv')
    await writeFile(file, 'latency_ms\n1.5\n2.5\n# a comment\n\n3,4\n')
    const parsed = parseDistribution(`empirical(${file})*0.5+const(1)*0.5`, { readSamples: readSamplesFile })
    assert.deepEqual(
      parsed,
      mixture([
        { distribution: empirical([1.5, 2.5, 3, 4], file), weight: 0.5 },
        { distribution: constant(1), weight: 0.5 },
      ]),
    )
    const missing = join(dir, 'nope.csv')
    assert.throws(
      () => parseDistribution(`const(1)*0.5+empirical(${missing})*0.5`, { readSamples: readSamplesFile }),
      `cannot read samples from ${missing}: no such file at column 14`,
    )
    assert.throws(() => parseDistribution('empirical( )', { readSamples: readSamplesFile }), /expected a file of samples/)
    assert.throws(() => parseDistribution('empirical(a.csv', { readSamples: readSamplesFile }), /expected "\)" to close "empirical\("/)
  })
})
