import { test } from '@japa/runner'
import { Random } from '../common/helpers/random.ts'
import { nearestRank, selectNearestRank, selectNearestRanks } from './distributions.ts'

const QUANTILES = [0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1]

test.group('selectNearestRank: the nearest rank without sorting', () => {
  test('gives what nearestRank gives of the sorted values: sizes 0 to 20,000, many ties, sorted and reversed input', ({ assert }) => {
    const random = new Random(7)
    for (const size of [0, 1, 2, 3, 10, 101, 5_000, 20_000]) {
      for (const shape of ['random', 'ties', 'ascending', 'descending'] as const) {
        const values = new Float64Array(size)
        for (let i = 0; i < size; i++) {
          values[i] =
            shape === 'random' ? random.float() * 1e6 - 1e5 : shape === 'ties' ? random.int(0, 4) : shape === 'ascending' ? i : size - i
        }
        const sorted = values.slice().sort()
        for (const q of QUANTILES) {
          assert.strictEqual(selectNearestRank(values.slice(), q), nearestRank(sorted, q), `${shape}, size ${size}, q ${q}`)
        }
        const all = QUANTILES.map((q) => nearestRank(sorted, q))
        assert.deepEqual(selectNearestRanks(values.slice(), QUANTILES), all, `${shape}, size ${size}, every quantile in one call`)
      }
    }
  })

  test('-0 and NaN are placed as sort places them (-0 before 0, NaN last)', ({ assert }) => {
    for (const values of [
      [0, -0, 0, -0, 1],
      [3, Number.NaN, 1, 2],
      [Number.NaN, Number.NaN, -1],
    ]) {
      const sorted = Float64Array.from(values).sort()
      for (const q of [0.2, 0.4, 0.5, 0.75, 1]) {
        assert.isTrue(Object.is(selectNearestRank(Float64Array.from(values), q), nearestRank(sorted, q)), `${values}, q ${q}`)
      }
      const ranks = selectNearestRanks(Float64Array.from(values), [0.2, 0.5, 1])
      assert.isTrue(
        ranks.every((rank, i) => Object.is(rank, nearestRank(sorted, [0.2, 0.5, 1][i]))),
        `${values}, three quantiles`,
      )
    }
  })
})
