/**
 * The causal checker and the session guarantees from values: against brute-force versions of
 * their definitions on thousands of random small histories; on histories of a causally
 * consistent simulation (must pass) and on the same with a read's value swapped for one
 * overwritten in its causal past (must fail); and on hand-made anomalies.
 */
import { test } from '@japa/runner'
import fc from 'fast-check'
import type { HistoryRecord, OpRecord } from '../../common/contracts/history.ts'
import { causalHistory } from '../testing/causal-simulation.ts'
import { HistoryBuilder } from '../testing/history-builder.ts'
import { randomRecords } from '../testing/random-causal-history.ts'
import { hasCycle, referenceCausal, referenceOrder, referenceSessionValues } from '../testing/reference-causal.ts'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { analyseHistory } from '../analysis.ts'
import { checkCausalModels, modelHistoryFromRecords, type ModelCheckResult } from './index.ts'

const CHECKS = [
  'causal',
  'read-your-writes-from-values',
  'monotonic-reads-from-values',
  'monotonic-writes-from-values',
  'writes-follow-reads-from-values',
]

/** Every result by name, with the indexes of the reads it flagged (all of them: examples are not capped here). */
function check(records: HistoryRecord[]): Record<string, ModelCheckResult & { reads: number[] }> {
  const results = checkCausalModels(modelHistoryFromRecords(records), { maxExamples: 1000, maxWindows: 1000 })
  return Object.fromEntries(
    results.map((r) => [r.name, { ...r, reads: r.examples.map((e) => e.ops[(e.roles ?? []).indexOf('read')]).sort((a, b) => a - b) }]),
  )
}

test.group('causal checker and session guarantees from values: against the definitions', () => {
  test('agree with brute force on 4,000 random small histories', () => {
    let cyclic = 0
    let invalid = 0
    fc.assert(
      fc.property(randomRecords, (records) => {
        const order = referenceOrder(records)
        const results = check(records)
        const expected = referenceCausal(order)
        if (hasCycle(order)) {
          // Breaking a cycle drops one edge, which changes what other reads are judged against: only the verdict must agree.
          cyclic++
          return results.causal.valid === false
        }
        if (expected.length > 0) invalid++
        if (results.causal.reads.join() !== expected.join()) return false
        const sessions = referenceSessionValues(order)
        return CHECKS.slice(1).every((name) => results[name].reads.join() === sessions[name].join())
      }),
      { numRuns: 4000 },
    )
    console.log(`random histories: ${cyclic} cyclic, ${invalid} acyclic and invalid`)
  })
})

/** A mutation of a valid history: read `read`'s values replaced by `value`, overwritten in the read's causal past. */
type Mutation = { read: number; value: unknown }

/**
 * Reads of sessions and values of their key written by a write that some write of the key
 * follows, where that write is before the read's session predecessor (so swapping the read's
 * value keeps the overwriting write in the read's causal past).
 */
function mutations(records: HistoryRecord[]): Mutation[] {
  const order = referenceOrder(records)
  const { ops, before, inOrder } = order
  const found: Mutation[] = []
  ops.forEach((r, j) => {
    if (r.f !== 'get' || r.type !== 'ok' || r.phase === 'final') return
    const pred = ops.findLastIndex((o, i) => i !== j && o.process === r.process && o.type === 'ok' && o.invoke < r.invoke)
    if (pred < 0) return
    ops.forEach((x, xi) => {
      if (x.f !== 'put' || x.key !== r.key || !inOrder[xi]) return
      const overwritten = ops.some(
        (w, wi) => wi !== xi && inOrder[wi] && w.f !== 'get' && w.key === r.key && before[xi][wi] && (wi === pred || before[wi][pred]),
      )
      if (overwritten) found.push({ read: r.index, value: x.value })
    })
  })
  return found
}

test.group('causal checker and session guarantees from values: causal simulation', () => {
  test('histories of a causally consistent store pass every check', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 3 }), (seed, keys) => {
        const records = causalHistory(seed, { ops: 8, processes: 3, keys }).records()
        const results = check(records)
        return CHECKS.every((name) => results[name].valid === true) && referenceCausal(referenceOrder(records)).length === 0
      }),
      { numRuns: 2000 },
    )
  })

  test('the same with a read returning a value overwritten in its causal past fail, as the definition says', ({ assert }) => {
    let mutated = 0
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.nat(), (seed, pick) => {
        const records = causalHistory(seed, { ops: 8, processes: 3, keys: 1 }).records()
        const candidates = mutations(records)
        if (candidates.length === 0) return true
        const { read, value } = candidates[pick % candidates.length]
        const swapped = records.map((r) => (r.index === read ? { ...(r as OpRecord), value: [value] } : r))
        mutated++
        const results = check(swapped)
        return (
          results.causal.valid === false && results.causal.reads.includes(read) && referenceCausal(referenceOrder(swapped)).includes(read)
        )
      }),
      { numRuns: 2000 },
    )
    assert.isAbove(mutated, 500, 'enough simulated histories had a read to mutate')
  })
})

/** The names of the checks that flagged a read, and that read's first example sentence. */
function flagged(h: HistoryBuilder, read: OpRecord): { names: string[]; summary: string | undefined } {
  const results = check(h.records())
  const names = CHECKS.filter((name) => results[name].reads.includes(read.index))
  const example = results[names[0]]?.examples.find((e) => e.ops.includes(read.index))
  return { names, summary: example?.summary }
}

test.group('causal checker: from records and from the analysis op table alike', () => {
  /** Causal results by name, as [valid, violations]: from the records, and from the op table of the same history on disk. */
  async function bothWays(h: HistoryBuilder): Promise<[Record<string, unknown>, Record<string, unknown>]> {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-causal-'))
    try {
      const fromRecords = check(h.records())
      const analysis = await analyseHistory(join(await h.writeRun(dir), 'history.jsonl'), { workers: 0 })
      const byName = (results: { name: string; valid: unknown; violations: number }[]) =>
        Object.fromEntries(results.filter((r) => CHECKS.includes(r.name)).map((r) => [r.name, [r.valid, r.violations]]))
      return [byName(Object.values(fromRecords)), byName(analysis.models)]
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  test('compare-and-set ops: a cas reads the value it expected and writes its new one, on the op table too', async ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, key: 'x', value: 'a', at: [0, 1] })
    h.cas({ process: 1, key: 'x', expected: 'a', value: 'b', at: [2, 3] })
    h.get({ process: 2, key: 'x', values: ['b'], at: [4, 5] })
    h.cas({ process: 1, key: 'x', expected: null, value: 'c', type: 'fail', error: 'cas_mismatch', at: [6, 7] })
    h.cas({ process: 0, key: 'x', expected: 'b', value: 'd', at: [8, 9] })
    h.get({ process: 2, key: 'x', values: ['d'], at: [10, 11] })
    const [records, table] = await bothWays(h)
    assert.deepEqual(records.causal, [true, 0])
    assert.deepEqual(table, records)
    // Planted: after reading d (written by a cas that read b, which overwrote a), a goes back to a.
    h.get({ process: 2, key: 'x', values: ['a'], at: [12, 13] })
    const [badRecords, badTable] = await bothWays(h)
    assert.deepEqual(badRecords.causal, [false, 1])
    assert.deepEqual(badTable, badRecords)
  })
})

test.group('causal checker: hand-made anomalies', () => {
  test('a causal violation across two keys: y=1 was written after reading x=1, yet x=0 is read after y=1', ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, key: 'x', value: 0, at: [0, 1] })
    h.put({ process: 0, key: 'x', value: 1, at: [2, 3] })
    h.get({ process: 1, key: 'x', values: [1], at: [4, 5] })
    h.put({ process: 1, key: 'y', value: 1, at: [6, 7] })
    h.get({ process: 2, key: 'y', values: [1], at: [8, 9] })
    const stale = h.get({ process: 2, key: 'x', values: [0], at: [10, 11] })
    const result = flagged(h, stale)
    assert.deepEqual(result.names, ['causal', 'writes-follow-reads-from-values'])
    assert.match(
      result.summary ?? '',
      /returned the value of #1, which #2 overwrote in the read's causal past \(#1 → #2 → #3 → #4 → #5 → #6\)/,
    )
  })

  test('the same with x read as absent (the initial value) fails; with x=1 it passes', ({ assert }) => {
    const build = (values: unknown[]) => {
      const h = new HistoryBuilder()
      h.put({ process: 0, key: 'x', value: 1, at: [0, 1] })
      h.get({ process: 1, key: 'x', values: [1], at: [2, 3] })
      h.put({ process: 1, key: 'y', value: 1, at: [4, 5] })
      h.get({ process: 2, key: 'y', values: [1], at: [6, 7] })
      return { h, read: h.get({ process: 2, key: 'x', values, at: [8, 9] }) }
    }
    const absent = build([])
    assert.deepEqual(flagged(absent.h, absent.read).names, ['causal', 'writes-follow-reads-from-values'])
    assert.match(flagged(absent.h, absent.read).summary ?? '', /returned nothing, but #1 wrote x in its causal past/)
    const fine = build([1])
    assert.isTrue(CHECKS.every((name) => check(fine.h.records())[name].valid === true))
  })

  test('a phantom value, and the value of a failed write, are violations', ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, key: 'x', value: 'lost', type: 'fail', at: [0, 1] })
    const phantom = h.get({ process: 1, key: 'x', values: ['never written'], at: [2, 3] })
    const failed = h.get({ process: 1, key: 'x', values: ['lost'], at: [4, 5] })
    assert.deepEqual(flagged(h, phantom).names, ['causal'])
    assert.match(flagged(h, phantom).summary ?? '', /a value no write of x wrote \(a phantom\)/)
    assert.match(flagged(h, failed).summary ?? '', /returned the value of #1, a write that failed/)
  })

  test('siblings: two concurrent values are fine; one causally before the other is not', ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, key: 'x', value: 'a', at: [0, 5] })
    h.put({ process: 1, key: 'x', value: 'b', at: [0, 5] })
    const concurrent = h.get({ process: 2, key: 'x', values: ['a', 'b'], at: [6, 7] })
    h.get({ process: 1, key: 'x', values: ['b'], at: [8, 9] })
    h.put({ process: 1, key: 'x', value: 'c', at: [10, 11] })
    const ordered = h.get({ process: 3, key: 'x', values: ['b', 'c'], at: [12, 13] })
    assert.deepEqual(flagged(h, concurrent).names, [])
    assert.deepEqual(flagged(h, ordered).names, ['causal'])
    assert.match(flagged(h, ordered).summary ?? '', /returned the value of #\d \(one of its siblings\), which #\d overwrote/)
  })

  test('a read of a value written in its own causal future closes a cycle', ({ assert }) => {
    const h = new HistoryBuilder()
    const early = h.get({ process: 0, key: 'x', values: ['later'], at: [0, 1] })
    h.put({ process: 0, key: 'y', value: 'y1', at: [2, 3] })
    h.get({ process: 1, key: 'y', values: ['y1'], at: [4, 5] })
    h.put({ process: 1, key: 'x', value: 'later', at: [6, 7] })
    assert.deepEqual(flagged(h, early).names, ['causal'])
    assert.match(flagged(h, early).summary ?? '', /in the read's own causal future/)
  })

  test('an info write counts once a read returned it, and follows its session but precedes nothing of it', ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, key: 'x', value: 'a', at: [0, 1] })
    h.put({ process: 0, key: 'x', value: 'b', type: 'info', at: [2, 30] })
    h.put({ process: 0, key: 'y', value: 'c', at: [31, 32] })
    // b may not have happened yet: reading y=c then x=a is fine.
    h.get({ process: 1, key: 'y', values: ['c'], at: [33, 34] })
    const before = h.get({ process: 1, key: 'x', values: ['a'], at: [35, 36] })
    // Once read, b happened after a: reading a after it is a violation.
    h.get({ process: 2, key: 'x', values: ['b'], at: [40, 41] })
    const after = h.get({ process: 2, key: 'x', values: ['a'], at: [42, 43] })
    assert.deepEqual(flagged(h, before).names, [])
    assert.deepEqual(flagged(h, after).names, ['causal', 'monotonic-reads-from-values'])
  })

  test('a history whose values repeat cannot be traced: every check is unknown', ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, key: 'x', value: 'same', at: [0, 1] })
    h.put({ process: 1, key: 'x', value: 'same', at: [0, 1] })
    h.get({ process: 2, key: 'x', values: ['same'], at: [2, 3] })
    for (const name of CHECKS) {
      const result = check(h.records())[name]
      assert.equal(result.valid, 'unknown')
      assert.equal(result.checkedWhat, 'reads')
      assert.equal(result.kind, 'model')
      assert.deepEqual(result.windows, [])
      assert.deepEqual(result.keys, { valid: 0, invalid: 0, unknown: 1 })
      assert.match(result.reason ?? '', /1 values were written by more than one write/)
    }
  })
})

test.group('session guarantees from values: each catches its planted violation', () => {
  test('read-your-writes: a session reads a value older than its own write', ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 1, key: 'x', value: 'z', at: [0, 1] })
    h.get({ process: 0, key: 'x', values: ['z'], at: [2, 3] })
    h.put({ process: 0, key: 'x', value: 'a', at: [4, 5] })
    const read = h.get({ process: 0, key: 'x', values: ['z'], at: [6, 7] })
    assert.deepEqual(flagged(h, read).names, ['causal', 'read-your-writes-from-values'])
    assert.match(check(h.records())['read-your-writes-from-values'].examples[0].summary, /older than its session's earlier write #3/)
  })

  test('monotonic reads: a session reads a value older than one it read before', ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 1, key: 'x', value: 'z', at: [0, 1] })
    h.get({ process: 2, key: 'x', values: ['z'], at: [2, 3] })
    h.put({ process: 2, key: 'x', value: 'a', at: [4, 5] })
    h.get({ process: 0, key: 'x', values: ['a'], at: [6, 7] })
    const read = h.get({ process: 0, key: 'x', values: ['z'], at: [8, 9] })
    assert.deepEqual(flagged(h, read).names, ['causal', 'monotonic-reads-from-values'])
  })

  test("monotonic writes: a read that has a session's second write in its past misses its first", ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 2, key: 'x', value: 'z', at: [0, 1] })
    h.get({ process: 1, key: 'x', values: ['z'], at: [2, 3] })
    h.put({ process: 1, key: 'x', value: 'a', at: [4, 5] })
    h.put({ process: 1, key: 'y', value: 'b', at: [6, 7] })
    h.get({ process: 0, key: 'y', values: ['b'], at: [8, 9] })
    const read = h.get({ process: 0, key: 'x', values: ['z'], at: [10, 11] })
    assert.deepEqual(flagged(h, read).names, ['causal', 'monotonic-writes-from-values'])
    assert.match(
      check(h.records())['monotonic-writes-from-values'].examples[0].summary,
      /older than #3, though #4, a later write of the same session/,
    )
  })

  test("writes-follow-reads: a read that has a session's write in its past misses what that session read first", ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 2, key: 'x', value: 'a', at: [0, 1] })
    h.get({ process: 1, key: 'x', values: ['a'], at: [2, 3] })
    h.put({ process: 1, key: 'y', value: 'b', at: [4, 5] })
    h.get({ process: 0, key: 'y', values: ['b'], at: [6, 7] })
    const read = h.get({ process: 0, key: 'x', values: [], at: [8, 9] })
    assert.deepEqual(flagged(h, read).names, ['causal', 'writes-follow-reads-from-values'])
  })
})

/** The causal check's examples: [summary, ops (indexes), roles]. */
function causalExamples(h: HistoryBuilder): [string, number[], string[] | undefined][] {
  return check(h.records()).causal.examples.map((e) => [e.summary, e.ops, e.roles])
}

test.group('causal checker: what its examples and counts say', () => {
  test('an overwritten value names its write, the overwriting write and the causal path to the read, each in its role', ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, key: 'x', value: 0, at: [0, 1] })
    h.put({ process: 0, key: 'x', value: 1, at: [2, 3] })
    h.get({ process: 1, key: 'x', values: [1], at: [4, 5] })
    h.put({ process: 1, key: 'y', value: 1, at: [6, 7] })
    h.get({ process: 2, key: 'y', values: [1], at: [8, 9] })
    h.get({ process: 2, key: 'x', values: [0], at: [10, 11] })
    assert.deepEqual(causalExamples(h), [
      [
        "read #6 of x returned the value of #1, which #2 overwrote in the read's causal past (#1 → #2 → #3 → #4 → #5 → #6)",
        [1, 2, 3, 4, 5, 6],
        ['write of the value read', 'overwriting write', 'causal path', 'causal path', 'causal path', 'read'],
      ],
    ])
  })

  test("the overwriting write named is in the read's causal past, not a later one another read returned", ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, key: 'x', value: 'a', at: [0, 1] })
    h.put({ process: 0, key: 'x', value: 'b', at: [2, 3] })
    h.get({ process: 1, key: 'x', values: ['b'], at: [4, 5] })
    h.get({ process: 1, key: 'x', values: ['a'], at: [6, 7] })
    h.put({ process: 0, key: 'x', value: 'c', at: [8, 9] })
    h.get({ process: 2, key: 'x', values: ['c'], at: [10, 11] })
    assert.deepEqual(causalExamples(h), [
      [
        "read #4 of x returned the value of #1, which #2 overwrote in the read's causal past (#1 → #2 → #3 → #4)",
        [1, 2, 3, 4],
        ['write of the value read', 'overwriting write', 'causal path', 'read'],
      ],
    ])
  })

  test('a read returning nothing names the write in its causal past and the path from it', ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, key: 'x', value: 'a', at: [0, 1] })
    h.put({ process: 0, key: 'y', value: 'b', at: [2, 3] })
    h.get({ process: 1, key: 'y', values: ['b'], at: [4, 5] })
    h.get({ process: 1, key: 'x', values: [], at: [6, 7] })
    assert.deepEqual(causalExamples(h), [
      [
        'read #4 of x returned nothing, but #1 wrote x in its causal past (#1 → #2 → #3 → #4)',
        [1, 2, 3, 4],
        ['write in the causal past', 'causal path', 'causal path', 'read'],
      ],
    ])
  })

  test('each cycle names the write read, the ops around its own cycle and the read', ({ assert }) => {
    const h = new HistoryBuilder()
    h.get({ process: 0, key: 'x', values: ['later'], at: [0, 1] })
    h.put({ process: 0, key: 'y', value: 'y1', at: [2, 3] })
    h.get({ process: 1, key: 'y', values: ['y1'], at: [4, 5] })
    h.put({ process: 1, key: 'x', value: 'later', at: [6, 7] })
    h.get({ process: 2, key: 'z', values: ['z1'], at: [10, 11] })
    h.put({ process: 2, key: 'w', value: 'w1', at: [12, 13] })
    h.get({ process: 3, key: 'w', values: ['w1'], at: [14, 15] })
    h.put({ process: 3, key: 'z', value: 'z1', at: [16, 17] })
    const roles = ['write of the value read', 'on the cycle', 'on the cycle', 'read']
    assert.deepEqual(causalExamples(h), [
      [
        "read #1 of x returned the value of #4, which is in the read's own causal future (a cycle through #4, #3, #2, #1)",
        [4, 3, 2, 1],
        roles,
      ],
      [
        "read #5 of z returned the value of #8, which is in the read's own causal future (a cycle through #8, #7, #6, #5)",
        [8, 7, 6, 5],
        roles,
      ],
    ])
  })

  test("a failed write's value is named as such wherever a read returns it: beside a good value, or as a cas's expected one", ({
    assert,
  }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, key: 'x', value: 'a', at: [0, 1] })
    h.put({ process: 0, key: 'x', value: 'lost', type: 'fail', at: [2, 3] })
    h.get({ process: 1, key: 'x', values: ['a', 'lost'], at: [4, 5] })
    h.cas({ process: 2, key: 'x', expected: 'lost', value: 'c', at: [6, 7] })
    h.cas({ process: 2, key: 'x', expected: 'ghost', value: 'd', at: [8, 9] })
    const byRead = Object.fromEntries(causalExamples(h).map(([summary, ops, roles]) => [ops.at(-1), [summary, ops, roles]]))
    assert.deepEqual(byRead, {
      3: ['read #3 of x returned the value of #2, a write that failed (so it never happened)', [2, 3], ['failed write', 'read']],
      4: ['read #4 of x returned the value of #2, a write that failed (so it never happened)', [2, 4], ['failed write', 'read']],
      5: ['read #5 of x returned a value no write of x wrote (a phantom)', [5], ['read']],
    })
  })

  test('a final read returning a value and an info write after it, of the same session, is a violation', ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, key: 'x', value: 'a', at: [0, 1] })
    h.put({ process: 0, key: 'x', value: 'b', type: 'info', at: [2, 30] })
    h.get({ process: 3, key: 'x', phase: 'final', values: ['a', 'b'], at: [40, 41] })
    assert.deepEqual(causalExamples(h), [
      [
        "read #3 of x returned the value of #1 (one of its siblings), which #2 overwrote in the read's causal past (#1 → #2 → #3)",
        [1, 2, 3],
        ['write of the value read', 'overwriting write', 'read'],
      ],
    ])
  })

  test('an info write a session read is the overwriting write: for that session, and for a session that read its later write', ({
    assert,
  }) => {
    const own = new HistoryBuilder()
    own.put({ process: 0, key: 'x', value: 'a', at: [0, 1] })
    own.put({ process: 0, key: 'x', value: 'b', type: 'info', at: [2, 30] })
    own.get({ process: 1, key: 'x', values: ['b'], at: [40, 41] })
    own.get({ process: 1, key: 'x', values: ['a'], at: [42, 43] })
    own.get({ process: 1, key: 'x', values: [], at: [44, 45] })
    assert.deepEqual(causalExamples(own), [
      [
        "read #4 of x returned the value of #1, which #2 overwrote in the read's causal past (#1 → #2 → #3 → #4)",
        [1, 2, 3, 4],
        ['write of the value read', 'overwriting write', 'causal path', 'read'],
      ],
      [
        'read #5 of x returned nothing, but #1 wrote x in its causal past (#1 → #4 → #5)',
        [1, 4, 5],
        ['write in the causal past', 'causal path', 'read'],
      ],
    ])
    const other = new HistoryBuilder()
    other.put({ process: 0, key: 'x', value: 'a', at: [0, 1] })
    other.put({ process: 0, key: 'x', value: 'b', type: 'info', at: [2, 30] })
    other.get({ process: 1, key: 'x', values: ['b'], at: [40, 41] })
    other.put({ process: 1, key: 'y', value: 'y1', at: [42, 43] })
    other.get({ process: 2, key: 'y', values: ['y1'], at: [44, 45] })
    other.get({ process: 2, key: 'x', values: ['a'], at: [46, 47] })
    other.get({ process: 2, key: 'x', values: [], at: [48, 49] })
    assert.deepEqual(causalExamples(other), [
      [
        "read #6 of x returned the value of #1, which #2 overwrote in the read's causal past (#1 → #2 → #3 → #4 → #5 → #6)",
        [1, 2, 3, 4, 5, 6],
        ['write of the value read', 'overwriting write', 'causal path', 'causal path', 'causal path', 'read'],
      ],
      [
        'read #7 of x returned nothing, but #1 wrote x in its causal past (#1 → #6 → #7)',
        [1, 6, 7],
        ['write in the causal past', 'causal path', 'read'],
      ],
    ])
  })

  test('of the info writes a session read, the one that follows the value read is named, whether read first or last', ({ assert }) => {
    for (const [first, second] of [
      ['c', 'b'],
      ['b', 'c'],
    ]) {
      const h = new HistoryBuilder()
      h.put({ process: 0, key: 'x', value: 'a', at: [0, 1] })
      h.put({ process: 2, key: 'x', value: 'c', type: 'info', at: [0, 30] })
      h.put({ process: 0, key: 'x', value: 'b', type: 'info', at: [2, 30] })
      h.get({ process: 1, key: 'x', values: [first], at: [40, 41] })
      h.get({ process: 1, key: 'x', values: [second], at: [42, 43] })
      h.get({ process: 1, key: 'x', values: ['a'], at: [44, 45] })
      // b (#3) follows a; c (#2) is concurrent with it.
      const examples = causalExamples(h)
      assert.lengthOf(examples, 1)
      assert.match(examples[0][0], /^read #6 of x returned the value of #1, which #3 overwrote/)
      assert.deepEqual(examples[0][2], ['write of the value read', 'overwriting write', 'causal path', 'read'])
    }
  })

  test('an info write two sessions read: each one reading the older value after it is flagged, whichever read it first', ({ assert }) => {
    for (const [p, q] of [
      [1, 2],
      [2, 1],
    ]) {
      const h = new HistoryBuilder()
      h.put({ process: 0, key: 'x', value: 'a', at: [0, 1] })
      h.put({ process: 0, key: 'x', value: 'b', type: 'info', at: [2, 30] })
      h.get({ process: p, key: 'x', values: ['b'], at: [40, 41] })
      h.get({ process: q, key: 'x', values: ['b'], at: [42, 43] })
      h.get({ process: 2, key: 'x', values: ['a'], at: [44, 45] })
      h.get({ process: 1, key: 'x', values: ['a'], at: [46, 47] })
      const { causal } = check(h.records())
      assert.deepEqual(causal.reads, [5, 6])
      assert.isTrue(causal.examples.every((e) => e.summary.includes('which #2 overwrote')))
    }
  })

  test('a read returning nothing after its session read an info write of the key names that write', ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, key: 'x', value: 'b', type: 'info', at: [0, 30] })
    h.get({ process: 1, key: 'x', values: ['b'], at: [40, 41] })
    h.get({ process: 1, key: 'x', values: [], at: [42, 43] })
    assert.deepEqual(causalExamples(h), [
      [
        'read #3 of x returned nothing, but #1 wrote x in its causal past (#1 → #2 → #3)',
        [1, 2, 3],
        ['write in the causal past', 'causal path', 'read'],
      ],
    ])
  })

  test('a read returning nothing is fine while no write of its key is in its causal past, not even an info write another session read', ({
    assert,
  }) => {
    const h = new HistoryBuilder()
    h.get({ process: 2, key: 'x', values: [], at: [0, 0.5] })
    h.get({ process: 2, key: 'y', values: [], at: [0.6, 0.9] })
    h.put({ process: 0, key: 'x', value: 'a', at: [0, 1] })
    h.put({ process: 0, key: 'x', value: 'b', type: 'info', at: [2, 30] })
    h.put({ process: 0, key: 'y', value: 'c', at: [31, 32] })
    h.get({ process: 1, key: 'x', values: ['b'], at: [40, 41] })
    assert.deepInclude(check(h.records()).causal, { valid: true, checked: 3, violations: 0 })
  })

  test("a read returning nothing names another session's write it knows of through that session's later write", ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, key: 'z', value: 'z1', at: [0, 1] })
    h.put({ process: 1, key: 'x', value: 'a', at: [2, 3] })
    h.put({ process: 1, key: 'y', value: 'b', at: [4, 5] })
    h.get({ process: 2, key: 'y', values: ['b'], at: [6, 7] })
    h.get({ process: 2, key: 'x', values: [], at: [8, 9] })
    assert.deepEqual(causalExamples(h), [
      [
        'read #5 of x returned nothing, but #2 wrote x in its causal past (#2 → #3 → #4 → #5)',
        [2, 3, 4, 5],
        ['write in the causal past', 'causal path', 'causal path', 'read'],
      ],
    ])
  })

  test('the causal path runs from the value read through the overwriting write (after a read of the value) to the read', ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, key: 'x', value: 'a', at: [0, 1] })
    h.get({ process: 1, key: 'x', values: ['a'], at: [2, 3] })
    h.put({ process: 1, key: 'x', value: 'b', at: [4, 5] })
    h.get({ process: 2, key: 'x', values: ['b'], at: [6, 7] })
    h.get({ process: 2, key: 'x', values: ['a'], at: [8, 9] })
    assert.deepEqual(causalExamples(h), [
      [
        "read #5 of x returned the value of #1, which #3 overwrote in the read's causal past (#1 → #2 → #3 → #4 → #5)",
        [1, 2, 3, 4, 5],
        ['write of the value read', 'causal path', 'overwriting write', 'causal path', 'read'],
      ],
    ])
  })

  test('a cas that read a write still in flight overwrites it, though it completed first', ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, key: 'x', value: 'a', at: [0, 10] })
    h.cas({ process: 1, key: 'x', expected: 'a', value: 'b', at: [1, 2] })
    h.get({ process: 2, key: 'x', values: ['b'], at: [11, 12] })
    h.get({ process: 2, key: 'x', values: ['a'], at: [13, 14] })
    // Indexes follow completion: the cas is #1, the put of a #2.
    assert.deepEqual(causalExamples(h), [
      [
        "read #4 of x returned the value of #2, which #1 overwrote in the read's causal past (#2 → #1 → #3 → #4)",
        [2, 1, 3, 4],
        ['write of the value read', 'overwriting write', 'causal path', 'read'],
      ],
    ])
  })

  test('reads and keys are counted: a key with one bad read is invalid, a key whose reads are all fine valid', ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, key: 'x', value: 'x1', at: [0, 1] })
    h.get({ process: 1, key: 'x', values: ['x1'], at: [2, 3] })
    h.get({ process: 1, key: 'y', values: ['ghost'], at: [4, 5] })
    h.put({ process: 0, key: 'y', value: 'y1', at: [6, 7] })
    h.get({ process: 0, key: 'y', values: ['y1'], at: [8, 9] })
    h.put({ process: 2, key: 'z', value: 'z1', at: [10, 11] })
    const { causal } = check(h.records())
    assert.deepInclude(causal, {
      valid: false,
      checked: 3,
      violations: 1,
      checkedWhat: 'reads',
      keys: { valid: 1, invalid: 1, unknown: 0 },
    })
  })

  test('by default 10 examples and 3 failing windows are kept, and every violation is counted', ({ assert }) => {
    const h = new HistoryBuilder()
    for (let i = 0; i < 12; i++) h.get({ process: i % 3, key: `k${i}`, values: ['ghost'], at: [2 * i, 2 * i + 1] })
    const [causal] = checkCausalModels(modelHistoryFromRecords(h.records()))
    assert.deepEqual([causal.violations, causal.examples.length, causal.windows.length], [12, 10, 3])
    const [all] = checkCausalModels(modelHistoryFromRecords(h.records()), { maxExamples: 11, maxWindows: 4 })
    assert.deepEqual([all.violations, all.examples.length, all.windows.length], [12, 11, 4])
  })
})
