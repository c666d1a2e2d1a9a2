/**
 * k-staleness and t-visibility on hand-built histories with known answers, and against
 * the brute-force definitions on random histories (loose dots, sparse counters included).
 */
import { test } from '@japa/runner'
import fc from 'fast-check'
import { HistoryBuilder } from './testing/history-builder.ts'
import { analyseBuilt, readIndexOf } from './testing/analyse.ts'
import { referenceK, referenceLatest } from './testing/reference-checkers.ts'
import { randomHistory } from './testing/random-history.ts'

/** Three writes to k: w1 n1:1 (ack 10 ms), w2 n2:5 superseding w1 (ack 20), w3 n1:3 blind (ack 30). */
function threeWrites(): HistoryBuilder {
  const h = new HistoryBuilder()
  h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
  h.put({ process: 1, value: 'b', dot: ['n2', 5], context: { n1: 1 }, at: [12, 20] })
  h.put({ process: 2, value: 'c', dot: ['n1', 3], at: [25, 30] })
  // Another key's write through n1 with counter 2: counters are per node, not per key.
  h.put({ process: 3, key: 'other', value: 'x', dot: ['n1', 2], at: [5, 8] })
  return h
}

test.group('staleness: k of a read', () => {
  test('a read covering only the first write misses the two acknowledged after it: k = 2', async ({ assert }) => {
    const h = threeWrites()
    const read = h.get({ process: 4, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, at: [40, 41] })
    const a = await analyseBuilt(h.end())
    const i = readIndexOf(a, read.index)
    assert.equal(a.staleness.k[i], 2)
    assert.equal(a.staleness.acked[i], 3)
  })

  test('a read covering everything is fresh: k = 0; clock n1:2 does not count the other key', async ({ assert }) => {
    const h = threeWrites()
    const fresh = h.get({
      process: 4,
      values: ['b', 'c'],
      versions: [
        ['n2', 5],
        ['n1', 3],
      ],
      context: { n1: 3, n2: 5 },
      at: [40, 41],
    })
    const sparse = h.get({ process: 5, values: ['b'], versions: [['n2', 5]], context: { n1: 2, n2: 5 }, at: [40, 42] })
    const a = await analyseBuilt(h.end())
    assert.equal(a.staleness.k[readIndexOf(a, fresh.index)], 0)
    // n1:2 covers w1 (n1:1) but not w3 (n1:3); n1:2 itself is the other key's write.
    assert.equal(a.staleness.k[readIndexOf(a, sparse.index)], 1)
  })

  test('only writes acknowledged before the read was invoked count', async ({ assert }) => {
    const h = threeWrites()
    const early = h.get({ process: 4, context: {}, at: [15, 50] })
    const atAck = h.get({ process: 5, context: {}, at: [10, 50] })
    const a = await analyseBuilt(h.end())
    assert.equal(a.staleness.k[readIndexOf(a, early.index)], 1, 'w1 acknowledged at 10 < 15; w2 at 20 is not')
    assert.equal(a.staleness.k[readIndexOf(a, atAck.index)], 0, 'acknowledged at the very time of the invoke: not before it')
  })

  test('a loose dot covers a write past a gap in the clock', async ({ assert }) => {
    const h = threeWrites()
    const read = h.get({ process: 4, values: ['c'], versions: [['n1', 3]], context: { clock: { n1: 1 }, dots: [['n1', 3]] }, at: [40, 41] })
    const a = await analyseBuilt(h.end())
    const i = readIndexOf(a, read.index)
    assert.equal(a.staleness.k[i], 1, 'misses only w2')
    assert.equal(a.staleness.sawLatest[i], 1, 'w3 is the latest and the loose dot covers it')
  })

  test('failed and info writes are never required', async ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.put({ process: 1, value: 'b', type: 'fail', at: [0, 11] })
    h.put({ process: 2, value: 'c', type: 'info', at: [0, 12] })
    const read = h.get({ process: 3, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, at: [20, 21] })
    const a = await analyseBuilt(h.end())
    assert.equal(a.staleness.k[readIndexOf(a, read.index)], 0)
  })

  test('staleness summary: fraction of stale reads, mean and max k', async ({ assert }) => {
    const h = threeWrites()
    h.get({ process: 4, context: { n1: 1 }, at: [40, 41] })
    h.get({ process: 5, context: { n1: 3, n2: 5 }, at: [40, 41] })
    const a = await analyseBuilt(h.end())
    assert.equal(a.stalenessSummary.reads, 2)
    assert.equal(a.stalenessSummary.staleReads, 1)
    assert.equal(a.stalenessSummary.staleFraction, 0.5)
    assert.equal(a.stalenessSummary.meanK, 1)
    assert.equal(a.stalenessSummary.maxK, 2)
    assert.deepEqual(
      a.stalenessSummary.histogram.map((b) => b.count),
      [1, 0, 1],
    )
  })
})

test.group('staleness: headline figures cover the measured phases', () => {
  test('final reads are left out of the headline staleness and t-visibility, kept per phase', async ({ assert }) => {
    const h = new HistoryBuilder({ versioning: 'dvv' })
    h.put({ process: 0, key: 'k', value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.put({ process: 0, key: 'j', value: 'a', dot: ['n1', 2], at: [0, 10] })
    h.get({ process: 1, key: 'k', context: {}, at: [20, 25] })
    h.get({ process: 1, key: 'j', values: ['a'], versions: [['n1', 2]], context: { n1: 2 }, at: [20, 25] })
    h.converged(true, 10, 100)
    for (const key of ['k', 'j']) {
      for (const node of ['n1', 'n2', 'n3']) {
        h.get({
          process: 5,
          key,
          node,
          values: ['a'],
          versions: [['n1', key === 'k' ? 1 : 2]],
          context: { n1: 2 },
          phase: 'final',
          at: [200, 201],
        })
      }
    }
    const a = await analyseBuilt(h.end())
    const s = a.stalenessSummary
    assert.deepInclude(s, { reads: 2, staleReads: 1, staleFraction: 0.5, meanK: 0.5, maxK: 1 })
    assert.deepEqual(s.phases, ['warmup', 'fault', 'heal'])
    assert.deepEqual(
      s.histogram.map((b) => b.count),
      [1, 1],
    )
    assert.deepEqual(
      s.byPhase.map((p) => [p.phase, p.reads, p.staleReads]),
      [
        ['heal', 2, 1],
        ['final', 6, 0],
      ],
    )
    assert.deepInclude(a.visibility, { reads: 2, saw: 1 })
  })
})

test.group('staleness: t-visibility', () => {
  test('each read knows the latest acknowledged write, how long ago, and whether it saw it', async ({ assert }) => {
    const h = threeWrites()
    const missed = h.get({ process: 4, context: { n1: 1, n2: 5 }, at: [31, 32] })
    const saw = h.get({ process: 5, context: { n1: 3 }, at: [45, 46] })
    const a = await analyseBuilt(h.end())
    const m = readIndexOf(a, missed.index)
    const s = readIndexOf(a, saw.index)
    assert.equal(a.staleness.sinceLatest[m], 1000, 'µs from w3 acked at 30 ms to the invoke at 31 ms')
    assert.equal(a.staleness.sawLatest[m], 0)
    assert.equal(a.staleness.sinceLatest[s], 15_000)
    assert.equal(a.staleness.sawLatest[s], 1)
    const bucket = (ms: number) => a.visibility.buckets.find((b) => b.fromMs <= ms && (b.toMs === null || ms < b.toMs))
    assert.deepInclude(bucket(1), { reads: 1, saw: 0, probability: 0 })
    assert.deepInclude(bucket(15), { reads: 1, saw: 1, probability: 1 })
    assert.equal(a.visibility.reads, 2)
    assert.equal(a.visibility.saw, 1)
  })

  test('a read with no earlier acknowledged write is not on the curve', async ({ assert }) => {
    const h = new HistoryBuilder()
    const read = h.get({ process: 0, context: {}, at: [0, 1] })
    h.put({ process: 1, value: 'a', dot: ['n1', 1], at: [0, 5] })
    const a = await analyseBuilt(h.end())
    assert.equal(a.staleness.latest[readIndexOf(a, read.index)], -1)
    assert.equal(a.visibility.reads, 0)
  })
})

test.group('staleness: against the definitions', () => {
  test('k and the latest-write check equal the brute-force definitions on random histories', async ({ assert }) => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const h = randomHistory(seed)
        const records = h.end().records()
        const a = await analyseBuilt(h)
        assert.deepEqual(Array.from(a.staleness.k), referenceK(records), `seed ${seed}`)
        const latest = referenceLatest(records)
        latest.forEach((expected, i) => {
          if (expected === null) assert.equal(a.staleness.latest[i], -1, `seed ${seed} read ${i}`)
          else {
            assert.closeTo(a.staleness.sinceLatest[i] / 1000, expected[0], 1e-6, `seed ${seed} read ${i}`)
            assert.equal(a.staleness.sawLatest[i], expected[1] ? 1 : 0, `seed ${seed} read ${i}`)
          }
        })
      }),
      { numRuns: 40 },
    )
  })
})
