import { test } from '@japa/runner'
import { hashKeyed } from '../columns.ts'
import { HashIds } from './hash-ids.ts'

test.group('hash ids', () => {
  test('gives each number the id it was first given, through growth, as a Map does', ({ assert }) => {
    const ids = new HashIds(4)
    const reference = new Map<number, number>()
    // 53-bit hashes (as the op table's), each seen several times, plus edge numbers.
    const keys = [0, 1, 2 ** 32, 2 ** 53 - 1, 0.5, ...Array.from({ length: 20_000 }, (_, i) => hashKeyed(`k${i % 7}`, 1, String(i % 5000)))]
    for (const key of keys) {
      const expected = reference.get(key) ?? reference.size
      if (!reference.has(key)) reference.set(key, expected)
      assert.equal(ids.intern(key, ids.size), expected, String(key))
    }
    assert.equal(ids.size, reference.size)
    assert.isAbove(ids.size, 5000)
  })

  test('keeps the id it was told to store, not its count', ({ assert }) => {
    const ids = new HashIds()
    assert.equal(ids.intern(123.25, 7), 7)
    assert.equal(ids.intern(123.25, 9), 7)
    assert.equal(ids.intern(2 ** 40 + 3, 9), 9)
    assert.equal(ids.size, 2)
  })

  test('cleared, it forgets every number and keeps its room', ({ assert }) => {
    const ids = new HashIds(4)
    for (let i = 0; i < 100; i++) ids.intern(2 ** 40 + i, i)
    const capacity = ids.capacity
    assert.isAtLeast(capacity, 200)
    ids.clear()
    assert.equal(ids.size, 0)
    assert.equal(ids.capacity, capacity)
    assert.equal(ids.intern(2 ** 40 + 5, 0), 0, 'a number from before the clear gets the id it is given now')
    assert.equal(ids.intern(2 ** 40 + 5, 1), 0)
  })
})
