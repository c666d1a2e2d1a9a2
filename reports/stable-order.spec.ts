/** The typed merge sort gives exactly the order of Array.sort with a comparator that breaks ties by index. */
import { test } from '@japa/runner'
import fc from 'fast-check'
import { stableOrder } from './stable-order.ts'

const byComparator = (keys: number[]): number[] => keys.map((_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b)

test.group('stable order', () => {
  test('orders as a comparator sort does, ties (-0 and 0 included) in index order', ({ assert }) => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true }), fc.constantFrom(-0, 0, Number.POSITIVE_INFINITY)), {
          maxLength: 2000,
        }),
        (keys) => {
          assert.deepEqual(Array.from(stableOrder(Float64Array.from(keys))), byComparator(keys))
        },
      ),
      { numRuns: 300 },
    )
  })

  test('keys already in order, and a few out of order at the ends', ({ assert }) => {
    assert.deepEqual(Array.from(stableOrder(Float64Array.from([1, 2, 2, 3]))), [0, 1, 2, 3])
    assert.deepEqual(Array.from(stableOrder(Float64Array.from([5, 1, 2, 3, 0]))), [4, 1, 2, 3, 0])
    assert.deepEqual(Array.from(stableOrder(new Float64Array(0))), [])
  })
})
