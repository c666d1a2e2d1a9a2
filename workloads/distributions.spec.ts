import { test } from '@japa/runner'
import { keySampler } from './distributions.ts'
import { Random } from '../common/helpers/random.ts'

/** The generalized harmonic number H(n, theta). */
const zeta = (n: number, theta: number): number => Array.from({ length: n }, (_, i) => 1 / (i + 1) ** theta).reduce((a, b) => a + b, 0)

const counts = (sample: (rng: Random) => number, keys: number, draws: number, seed = 1): number[] => {
  const rng = new Random(seed)
  const out = new Array<number>(keys).fill(0)
  for (let i = 0; i < draws; i++) out[sample(rng)] += 1
  return out
}

test.group('key distributions', () => {
  test('zipfian frequencies follow 1/(i+1)^theta within tolerance', ({ assert }) => {
    const keys = 100
    const theta = 0.99
    const draws = 400_000
    const seen = counts(keySampler({ type: 'zipfian', theta }, keys), keys, draws)
    const zetan = zeta(keys, theta)
    for (const rank of [0, 1, 2, 4, 9, 49]) {
      const expected = 1 / (rank + 1) ** theta / zetan
      const observed = seen[rank] / draws
      // Within 5% of theory (plus sampling noise for the rarer ranks).
      assert.closeTo(observed, expected, expected * 0.05 + 0.0005, `rank ${rank}`)
    }
    assert.isAbove(seen[0], seen[1])
    assert.isAbove(seen[1], seen[10])
  })

  test('uniform touches every key about equally', ({ assert }) => {
    const seen = counts(keySampler({ type: 'uniform' }, 20), 20, 100_000)
    for (const count of seen) assert.closeTo(count / 100_000, 1 / 20, 0.005)
  })

  test('hotspot sends the hot fraction of ops to the hot fraction of keys', ({ assert }) => {
    const seen = counts(keySampler({ type: 'hotspot', hotKeyFraction: 0.1, hotOpFraction: 0.9 }, 100), 100, 100_000)
    const hot = seen.slice(0, 10).reduce((a, b) => a + b, 0)
    assert.closeTo(hot / 100_000, 0.9, 0.01)
  })

  test('a seed reproduces the key sequence; another seed does not', ({ assert }) => {
    const sample = keySampler({ type: 'zipfian', theta: 0.99 }, 1000)
    const sequence = (seed: number) => {
      const rng = new Random(seed)
      return Array.from({ length: 200 }, () => sample(rng))
    }
    assert.deepEqual(sequence(42), sequence(42))
    assert.notDeepEqual(sequence(42), sequence(43))
  })
})
