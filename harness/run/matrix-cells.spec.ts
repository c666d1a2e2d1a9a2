/** The cross product of a matrix's axes, its cells' ids and folder names, and the seed of each repeat. */
import { test } from '@japa/runner'
import { cellId, crossProduct, repeatSeed, runFolderName } from './matrix-cells.ts'

test.group('matrix cells', () => {
  test('the cross product has every combination once, the first axis varying slowest', ({ assert }) => {
    const cells = crossProduct([
      { name: 'r', values: ['1', '2', '3'] },
      { name: 'w', values: ['1', '2'] },
      { name: 'nemesis', values: ['none', 'partition', 'crash'] },
    ])
    assert.lengthOf(cells, 18)
    assert.lengthOf(new Set(cells.map((c) => JSON.stringify(c))), 18, 'no combination twice')
    assert.deepEqual(cells[0], { r: '1', w: '1', nemesis: 'none' })
    assert.deepEqual(cells[1], { r: '1', w: '1', nemesis: 'partition' })
    assert.deepEqual(cells[3], { r: '1', w: '2', nemesis: 'none' })
    assert.deepEqual(cells[17], { r: '3', w: '2', nemesis: 'crash' })
    assert.deepEqual(crossProduct([]), [{}], 'no axes: the one cell')
    assert.deepEqual(crossProduct([{ name: 'r', values: [] }]), [], 'an axis without values: no cell')
  })

  test('repeat k runs with seed + k - 1, the same for every cell, wrapping within 31 bits', ({ assert }) => {
    assert.equal(repeatSeed(42, 1), 42, 'repeat 1 is the seed itself')
    assert.deepEqual(
      [1, 2, 3].map((k) => repeatSeed(42, k)),
      [42, 43, 44],
    )
    assert.equal(repeatSeed(2 ** 31 - 1, 2), 0)
    assert.throws(() => repeatSeed(1, 0), /repeat must be an integer from 1/)
  })

  test('cell ids sort as they read; run folder names carry the configuration and are safe in a path', ({ assert }) => {
    assert.deepEqual(
      [0, 8, 9].map((i) => cellId(i, 18)),
      ['c01', 'c09', 'c10'],
    )
    assert.equal(cellId(4, 120), 'c005')
    assert.equal(runFolderName('c03', { r: '1', nemesis: 'latency+crash' }, 2), 'c03-r=1-nemesis=latency+crash-rep2')
    const odd = runFolderName('c01', { workload: '../w orkloads/<x>.json' }, 1)
    assert.equal(odd, 'c01-workload=.._w_orkloads__x_.json-rep1')
    assert.notInclude(odd, '/')
    assert.equal(runFolderName('c01', {}, 1), 'c01-rep1')
  })
})
