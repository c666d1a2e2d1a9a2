/**
 * Session guarantee checkers: one violation of each guarantee and its near misses on
 * hand-built histories, then equality with the brute-force definitions on random ones.
 */
import { test } from '@japa/runner'
import fc from 'fast-check'
import type { Analysis } from './analysis.ts'
import { ranksOf, SESSION_GUARANTEES, type SessionGuarantee } from './sessions.ts'
import { analyseBuilt } from './testing/analyse.ts'
import { HistoryBuilder } from './testing/history-builder.ts'
import { randomHistory } from './testing/random-history.ts'
import { referenceSessions } from './testing/reference-checkers.ts'

const violations = (a: Analysis): Record<SessionGuarantee, number> =>
  Object.fromEntries(SESSION_GUARANTEES.map((g) => [g, a.sessions[g].violations])) as Record<SessionGuarantee, number>
const exampleIndexes = (a: Analysis, g: SessionGuarantee): number[][] =>
  a.sessions[g].examples.map((e) => e.ops.map((o) => a.table.index[o.row]))
const none = { 'read-your-writes': 0, 'monotonic-reads': 0, 'monotonic-writes': 0, 'writes-follow-reads': 0 }

test.group('sessions: read-your-writes', () => {
  test('a session reading without its own acknowledged write violates it', async ({ assert }) => {
    const h = new HistoryBuilder()
    const write = h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    const read = h.get({ process: 0, context: {}, at: [20, 21] })
    const a = await analyseBuilt(h.end())
    assert.deepEqual(violations(a), { ...none, 'read-your-writes': 1 })
    assert.deepEqual(exampleIndexes(a, 'read-your-writes'), [[write.index, read.index]])
    assert.include(a.sessions['read-your-writes'].examples[0].summary, 'process 0 read k')
  })

  test('covering the write, another session missing it, or a failed write: no violation', async ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.get({ process: 0, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, at: [20, 21] })
    h.get({ process: 1, context: {}, at: [20, 21] })
    h.put({ process: 2, value: 'b', type: 'fail', at: [0, 10] })
    h.put({ process: 2, value: 'c', type: 'info', at: [11, 15] })
    h.get({ process: 2, context: {}, at: [20, 21] })
    h.put({ process: 3, key: 'other', value: 'd', dot: ['n2', 1], at: [0, 10] })
    h.get({ process: 3, context: {}, at: [20, 21] })
    const a = await analyseBuilt(h.end())
    assert.deepEqual(violations(a), none)
    assert.equal(a.sessions['read-your-writes'].checked, 1, 'only process 0 read after an own acknowledged write to the key')
  })
})

test.group('sessions: monotonic reads', () => {
  test('a later read missing a write an earlier read of the session saw violates it', async ({ assert }) => {
    const h = new HistoryBuilder()
    const write = h.put({ process: 1, value: 'a', dot: ['n1', 1], at: [0, 10] })
    const first = h.get({ process: 0, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, at: [20, 21] })
    const second = h.get({ process: 0, context: {}, at: [30, 31] })
    const a = await analyseBuilt(h.end())
    assert.deepEqual(violations(a), { ...none, 'monotonic-reads': 1 })
    assert.deepEqual(exampleIndexes(a, 'monotonic-reads'), [[write.index, first.index, second.index]])
  })

  test('a later read covering as much, or a failed read in between: no violation', async ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 1, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.get({ process: 0, context: { n1: 1 }, at: [20, 21] })
    h.get({ process: 0, context: { n1: 1 }, at: [30, 31] })
    h.get({ process: 2, type: 'info', at: [20, 21] })
    h.get({ process: 2, context: {}, at: [30, 31] })
    const a = await analyseBuilt(h.end())
    assert.deepEqual(violations(a), none)
  })
})

test.group('sessions: monotonic writes', () => {
  test("a read covering a session's later write but not its earlier one violates it", async ({ assert }) => {
    const h = new HistoryBuilder()
    const earlier = h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    const later = h.put({ process: 0, value: 'b', dot: ['n2', 1], at: [11, 20] })
    const read = h.get({ process: 1, values: ['b'], versions: [['n2', 1]], context: { n2: 1 }, at: [30, 31] })
    const a = await analyseBuilt(h.end())
    assert.deepEqual(violations(a), { ...none, 'monotonic-writes': 1 })
    assert.deepEqual(exampleIndexes(a, 'monotonic-writes'), [[earlier.index, later.index, read.index]])
  })

  test('covering both, covering neither, or writes of different sessions: no violation', async ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.put({ process: 0, value: 'b', dot: ['n2', 1], at: [11, 20] })
    h.put({ process: 2, value: 'c', dot: ['n3', 1], at: [11, 20] })
    h.get({ process: 1, context: { n1: 1, n2: 1 }, at: [30, 31] })
    h.get({ process: 1, context: {}, at: [32, 33] })
    h.get({ process: 3, context: { n3: 1 }, at: [30, 31] })
    const a = await analyseBuilt(h.end())
    assert.equal(a.sessions['monotonic-writes'].violations, 0)
  })
})

test.group('sessions: writes follow reads', () => {
  test('a read covering a write but not what its session had read before writing violates it', async ({ assert }) => {
    const h = new HistoryBuilder()
    const x = h.put({ process: 1, value: 'x', dot: ['n1', 1], at: [0, 10] })
    const sessionRead = h.get({ process: 0, values: ['x'], versions: [['n1', 1]], context: { n1: 1 }, at: [20, 21] })
    const write = h.put({ process: 0, value: 'w', dot: ['n2', 1], at: [22, 30] })
    const read = h.get({ process: 2, values: ['w'], versions: [['n2', 1]], context: { n2: 1 }, at: [40, 41] })
    const a = await analyseBuilt(h.end())
    assert.equal(a.sessions['writes-follow-reads'].violations, 1)
    assert.deepEqual(exampleIndexes(a, 'writes-follow-reads'), [[x.index, sessionRead.index, write.index, read.index]])
  })

  test('a read covering both, or a write made before the session read: no violation', async ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 1, value: 'x', dot: ['n1', 1], at: [0, 10] })
    h.put({ process: 0, value: 'w', dot: ['n2', 1], at: [11, 15] })
    h.get({ process: 0, context: { n1: 1 }, at: [20, 21] })
    h.get({ process: 2, context: { n2: 1 }, at: [40, 41] })
    h.get({ process: 3, context: { n1: 1, n2: 1 }, at: [40, 41] })
    const a = await analyseBuilt(h.end())
    assert.equal(a.sessions['writes-follow-reads'].violations, 0)
  })
})

test.group('sessions: final reads', () => {
  test('the final reads, concurrent under one process id, are no session: no false monotonic-reads violation', async ({ assert }) => {
    const h = new HistoryBuilder({ versioning: 'dvv' })
    h.put({ process: 0, key: 'k', value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.converged(false, 10, 100)
    h.get({ process: 5, key: 'k', node: 'n1', values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, phase: 'final', at: [200, 205] })
    h.get({ process: 5, key: 'k', node: 'n2', context: {}, phase: 'final', at: [200, 206] })
    const a = await analyseBuilt(h.end())
    assert.deepEqual(violations(a), none)
    for (const g of SESSION_GUARANTEES) assert.equal(a.sessions[g].checked, 0, g)
  })
})

test.group('sessions: against the definitions', () => {
  const compare = async (seed: number, versioning: 'dvv' | 'vv', looseDots: boolean, exact: readonly SessionGuarantee[]) => {
    const h = randomHistory(seed, { versioning, ops: 40, looseDots })
    const records = h.end().records()
    const a = await analyseBuilt(h)
    const expected = referenceSessions(records)
    const failures: string[] = []
    for (const g of SESSION_GUARANTEES) {
      const found = a.sessions[g].examples.map((e) => a.table.index[e.ops[e.ops.length - 1].row])
      if (found.some((index) => !expected[g].includes(index))) failures.push(`${g}: reported a read that does not violate it`)
      if (exact.includes(g) ? a.sessions[g].violations !== expected[g].length : a.sessions[g].violations > expected[g].length) {
        failures.push(`${g}: ${a.sessions[g].violations} violations, definition says ${expected[g].length}`)
      }
    }
    return failures.map((f) => `${versioning} seed ${seed}: ${f}`)
  }

  for (const versioning of ['dvv', 'vv'] as const) {
    test(`without loose dots every checker finds exactly the violating reads (${versioning}, random histories)`, async ({ assert }) => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
          assert.deepEqual(await compare(seed, versioning, false, SESSION_GUARANTEES), [])
        }),
        { numRuns: 30 },
      )
    })
  }

  test('with loose dots past gaps: read-your-writes and monotonic reads stay exact, the others never over-report', async ({ assert }) => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        assert.deepEqual(await compare(seed, 'dvv', true, ['read-your-writes', 'monotonic-reads']), [])
      }),
      { numRuns: 40 },
    )
  })
})

test.group('sessions: requirement arrays', () => {
  test('16 bits while the longest group fits, else 32, holding its largest rank either way', ({ assert }) => {
    for (const [largest, bytes] of [
      [0, 2],
      [0x7fff, 2],
      [0x8000, 4],
      [1_000_000, 4],
    ]) {
      const ranks = ranksOf(3, largest)
      assert.equal(ranks.BYTES_PER_ELEMENT, bytes, `largest ${largest}`)
      assert.deepEqual([...ranks], [0, 0, 0])
      ranks[1] = largest
      assert.equal(ranks[1], largest)
    }
  })
})
