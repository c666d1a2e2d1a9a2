import { test } from '@japa/runner'
import { collectGarbage, GrowthCollector } from './collect-garbage.ts'

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

  test('a growth collector collects once enough was allocated since its last collection, and not before', ({ assert }) => {
    collectGarbage()
    const collector = new GrowthCollector(32 * 2 ** 20)
    assert.isFalse(collector.collectIfGrown(), 'nothing was allocated')
    const small = new Uint8Array(4 * 2 ** 20).fill(1)
    assert.isFalse(collector.collectIfGrown(), '4 MiB is below the threshold')
    assert.equal(small[0], 1)
    let big: Uint8Array | undefined = new Uint8Array(64 * 2 ** 20).fill(1)
    assert.equal(big[0], 1)
    big = undefined
    const before = process.memoryUsage().arrayBuffers
    assert.isTrue(collector.collectIfGrown(), '64 MiB of garbage calls for a collection')
    assert.isAbove(before - process.memoryUsage().arrayBuffers, 60 * 2 ** 20, 'the collection freed the buffer')
    assert.isFalse(collector.collectIfGrown(), 'nothing was allocated since that collection')
  })
})
