/** The write index's searches: a galloping search from a hint finds what a plain one does. */
import { test } from '@japa/runner'
import { Random } from '../common/helpers/random.ts'
import { dotPositions, searchHints, upperBoundFrom, type WriteIndex } from './coverage.ts'

/** How many of `counters[start..end)` are at most `value`, counted one by one. */
function counted(counters: Float64Array, start: number, end: number, value: number): number {
  let count = 0
  for (let p = start; p < end; p++) if (counters[p] <= value) count++
  return count
}

test.group('write index', () => {
  test('upperBoundFrom: from any hint, what a plain count gives, on sorted counters with repeats', ({ assert }) => {
    const random = new Random(21)
    for (let trial = 0; trial < 400; trial++) {
      const length = random.int(0, 60)
      const counters = new Float64Array(length)
      for (let i = 1; i < length; i++) counters[i] = counters[i - 1] + random.int(0, 2)
      const start = random.int(0, length)
      const end = random.int(start, length)
      for (let probe = 0; probe < 20; probe++) {
        const value = random.int(-1, (counters[length - 1] ?? 0) + 1)
        const hint = random.int(start, end)
        assert.equal(
          upperBoundFrom(counters, start, end, value, hint),
          counted(counters, start, end, value),
          `[${Array.from(counters.subarray(start, end))}] value ${value} hint ${hint - start}`,
        )
      }
    }
  })

  test('dotPositions with search hints: the same positions as without, whatever order the dots are looked up in', ({ assert }) => {
    const random = new Random(22)
    const keys = 3
    const nodes = 2
    const groupStart = new Int32Array(keys * nodes + 1)
    const counters: number[] = []
    for (let g = 0; g < keys * nodes; g++) {
      let counter = 0
      for (let i = random.int(0, 30); i > 0; i--) {
        counter += random.int(0, 2)
        counters.push(counter)
      }
      groupStart[g + 1] = counters.length
    }
    const index: WriteIndex = {
      nodes,
      groupStart,
      counters: Float64Array.from(counters),
      rows: new Int32Array(counters.length),
      positionOf: new Int32Array(0),
    }
    const hints = searchHints(index)
    for (let probe = 0; probe < 2_000; probe++) {
      const key = random.int(0, keys - 1)
      const node = random.int(0, nodes - 1)
      const counter = random.int(0, 45)
      assert.deepEqual(dotPositions(index, key, node, counter, hints), dotPositions(index, key, node, counter), `probe ${probe}`)
    }
  })
})
