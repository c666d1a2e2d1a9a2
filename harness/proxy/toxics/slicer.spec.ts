/**
 * The slicer toxic's cut points, as properties over any attributes: the pieces cover the
 * chunk in order (even where Toxiproxy would loop forever) and none is longer than
 * average_size + size_variation.
 */
import { test } from '@japa/runner'
import fc from 'fast-check'
import { sliceOffsets } from './slicer.ts'

test.group('slicer: where a chunk is cut', () => {
  test('cuts cover the chunk, in order, for any attributes (Toxiproxy loops forever on some)', ({ assert }) => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 300 }),
        fc.integer({ min: -5, max: 400 }),
        fc.integer({ min: 0, max: 5000 }),
        (average, variation, size) => {
          const offsets = sliceOffsets({ average_size: average, size_variation: variation, delay: 0 }, size)
          assert.equal(offsets[0], 0)
          assert.equal(offsets.at(-1), size)
          for (let i = 1; i < offsets.length; i++) assert.isAbove(offsets[i], offsets[i - 1])
        },
      ),
    )
  })

  test('pieces stay within average_size + size_variation bytes', ({ assert }) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 5000 }),
        (average, spread, size) => {
          const variation = Math.min(spread, average - 1)
          const offsets = sliceOffsets({ average_size: average, size_variation: variation, delay: 0 }, size)
          for (let i = 1; i < offsets.length; i++) assert.isAtMost(offsets[i] - offsets[i - 1], average + variation)
        },
      ),
    )
  })
})
