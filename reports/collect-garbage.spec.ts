import { test } from '@japa/runner'
import { collectGarbage } from './collect-garbage.ts'

test.group('collect garbage', () => {
  test('dead objects leave the heap at once, without --expose-gc', ({ assert }) => {
    assert.isUndefined((globalThis as { gc?: unknown }).gc, 'the test process must run without --expose-gc')
    let objects: { n: number; text: string }[] | undefined = Array.from({ length: 400_000 }, (_, n) => ({ n, text: `value ${n}` }))
    assert.lengthOf(objects, 400_000)
    objects = undefined
    const before = process.memoryUsage().heapUsed
    collectGarbage()
    const after = process.memoryUsage().heapUsed
    // ~400k objects and strings: tens of MiB that only a collection gives back.
    assert.isAbove(before - after, 10 * 2 ** 20)
  })
})
