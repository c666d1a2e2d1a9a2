import { test } from '@japa/runner'
import { rowsOf } from './model-checks.ts'
import type { OpTable } from './op-table.ts'

/** A table with only the column rowsOf reads. */
const withIndexes = (index: number[]): OpTable => ({ length: index.length, index: Float64Array.from(index) }) as unknown as OpTable

test.group('model checks: rows of history indexes', () => {
  test('finds the row of each index, and leaves out the ones no row has, in index order and out of it', ({ assert }) => {
    const inOrder = [0, 1, 2, 5, 7, 8, 9, 12, 40, 41]
    const shuffled = [9, 0, 41, 5, 2, 12, 8, 1, 40, 7]
    for (const index of [inOrder, shuffled]) {
      const rows = rowsOf(withIndexes(index), [5, 40, 0, 41, 3, 100, -1])
      assert.deepEqual(
        [...rows].sort((x, y) => x[0] - y[0]),
        [0, 5, 40, 41].map((i) => [i, index.indexOf(i)]),
        index === inOrder ? 'in order' : 'shuffled',
      )
    }
  })

  test('an index two rows share is found at the later row, as a pass over the rows finds it', ({ assert }) => {
    assert.deepEqual([...rowsOf(withIndexes([0, 1, 1, 1, 2]), [1])], [[1, 3]])
    assert.deepEqual([...rowsOf(withIndexes([2, 1, 0, 1]), [1])], [[1, 3]])
    assert.equal(rowsOf(withIndexes([0, 1, 2]), []).size, 0)
  })
})
