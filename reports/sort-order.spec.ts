import { test } from '@japa/runner'
import { Random } from '../common/helpers/random.ts'
import { sortOrder } from './sort-order.ts'

/** What a stable comparator sort gives: the order sortOrder must match. */
const byComparator = (keys: Float64Array): number[] =>
  Array.from({ length: keys.length }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b)

/** Random columns of every size from none to thousands, each key drawn by `draw` (given a pick from 0 to 3). */
function* randomColumns(seed: number, draw: (random: Random, pick: number) => number): Generator<Float64Array> {
  const random = new Random(seed)
  for (const size of [0, 1, 2, 17, 5_000]) yield Float64Array.from({ length: size }, () => draw(random, random.int(0, 3)))
}

test.group('sortOrder: a stable radix sort of a number column', () => {
  test('matches a stable comparator sort on random times with many ties, fractions and a wide range', ({ assert }) => {
    const draw = (random: Random, pick: number): number =>
      pick === 0 ? random.int(0, 20) : pick === 1 ? random.float() * 1e9 : pick === 2 ? random.int(0, 2 ** 40) : random.float()
    for (const keys of randomColumns(11, draw)) assert.deepEqual(Array.from(sortOrder(keys)), byComparator(keys), `size ${keys.length}`)
  })

  test('whole numbers within 32 bits (µs times: the two-pass sort) with ties, -0, and both ends of the range', ({ assert }) => {
    const draw = (random: Random, pick: number): number =>
      pick === 0 ? random.int(0, 70_000) : pick === 1 ? random.int(0, 2 ** 32 - 1) : pick === 2 ? 2 ** 32 - 1 : -0
    for (const keys of randomColumns(12, draw)) assert.deepEqual(Array.from(sortOrder(keys)), byComparator(keys), `size ${keys.length}`)
    // One key past 32 bits sends the column to the general sort, which must agree.
    const wide = new Float64Array([5, 2 ** 32, 3, 0, 2 ** 32 - 1, 3])
    assert.deepEqual(Array.from(sortOrder(wide)), byComparator(wide))
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
