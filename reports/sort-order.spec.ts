import { test } from '@japa/runner'
import { Random } from '../common/helpers/random.ts'
import { sortOrder } from './sort-order.ts'

/** What a stable comparator sort gives: the order sortOrder must match. */
const byComparator = (keys: Float64Array): number[] =>
  Array.from({ length: keys.length }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b)

test.group('sortOrder: a stable radix sort of a number column', () => {
  test('matches a stable comparator sort on random times with many ties, fractions and a wide range', ({ assert }) => {
    const random = new Random(11)
    for (const size of [0, 1, 2, 17, 5_000]) {
      const keys = new Float64Array(size)
      for (let i = 0; i < size; i++) {
        const pick = random.int(0, 3)
        keys[i] = pick === 0 ? random.int(0, 20) : pick === 1 ? random.float() * 1e9 : pick === 2 ? random.int(0, 2 ** 40) : random.float()
      }
      assert.deepEqual(Array.from(sortOrder(keys)), byComparator(keys), `size ${size}`)
    }
  })

  test('negative numbers, both zeros (equal, in index order), infinities; NaN last', ({ assert }) => {
    const keys = new Float64Array([
      3,
      -1.5,
      0,
      -0,
      Number.NEGATIVE_INFINITY,
      -1e300,
      Number.POSITIVE_INFINITY,
      2 ** -1074,
      -0,
      0,
      -(2 ** -1074),
    ])
    assert.deepEqual(Array.from(sortOrder(keys)), byComparator(keys))
    assert.deepEqual(Array.from(sortOrder(new Float64Array([Number.NaN, 1, -1]))), [2, 1, 0])
  })

  test('keys that differ only in their lowest bits, and a view into a bigger buffer', ({ assert }) => {
    const base = 1_700_000_000_000
    const buffer = new Float64Array(10)
    const keys = buffer.subarray(3, 9)
    keys.set([base + 0.000244140625, base, base + 0.000732421875, base, base + 0.00048828125, base - 0.000244140625])
    assert.deepEqual(Array.from(sortOrder(keys)), byComparator(keys))
  })
})
