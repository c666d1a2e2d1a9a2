/**
 * Lost writes (register and set) and phantom values on hand-built histories, and lost
 * register writes against the definition on random histories of every versioning mode.
 */
import { test } from '@japa/runner'
import fc from 'fast-check'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Analysis } from './analysis.ts'
import type { Example } from './examples.ts'
import type { LostWriteTally } from './lost-writes.ts'
import { analyseHistory } from './analysis.ts'
import { analyseBuilt, tempDir } from './testing/analyse.ts'
import { HistoryBuilder } from './testing/history-builder.ts'
import { randomHistory } from './testing/random-history.ts'
import { referenceLostWrites } from './testing/reference-checkers.ts'

/** The lost-write check's counts and tally, when it ran. */
type Checked = LostWriteTally & { checkedWrites: number; lost: number; examples: Example[] }
const checked = (a: Analysis): Checked => {
  const { check, tally } = a.lostWrites
  if (!tally) throw new Error(`lost writes not checked: ${check.reason}`)
  return { ...tally, checkedWrites: check.checked, lost: check.violations, examples: check.examples }
}
const lostIndexes = (a: Analysis): number[] => checked(a).examples.map((e) => a.table.index[e.ops[0].row])

test.group('lost writes: register', () => {
  test('an acknowledged write no final read shows and nothing superseded is lost', async ({ assert }) => {
    const h = new HistoryBuilder()
    const lost = h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.put({ process: 1, value: 'b', dot: ['n2', 1], at: [0, 10] })
    h.get({ process: 5, values: ['b'], versions: [['n2', 1]], context: { n1: 1, n2: 1 }, phase: 'final', at: [50, 51] })
    const a = await analyseBuilt(h.end())
    assert.deepInclude(checked(a), { checkedWrites: 2, shown: 1, superseded: 0, lost: 1, unchecked: 0 })
    assert.deepEqual(lostIndexes(a), [lost.index])
  })

  test('a write superseded by a later write (ok, or info whose value a read returned) whose context covered it is not lost', async ({
    assert,
  }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.put({ process: 1, value: 'b', dot: ['n2', 1], context: { n1: 1 }, at: [20, 30] })
    h.put({ process: 0, key: 'j', value: 'c', dot: ['n1', 2], at: [0, 10] })
    h.put({ process: 1, key: 'j', value: 'd', type: 'info', context: { n1: 2 }, at: [20, 30] })
    h.get({ process: 5, values: ['b'], versions: [['n2', 1]], context: { n1: 1, n2: 1 }, phase: 'final', at: [50, 51] })
    h.get({ process: 5, key: 'j', values: ['d'], versions: [['n3', 1]], context: { n1: 2, n3: 1 }, phase: 'final', at: [52, 53] })
    const a = await analyseBuilt(h.end())
    assert.deepInclude(checked(a), { checkedWrites: 3, shown: 1, superseded: 2, lost: 0 })
  })

  test('dots under incarnations: a node that counts again under a new incarnation is another actor', async ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, value: 'a', dot: ['n1.aaaa0000', 1], at: [0, 10] })
    // n1 lost its data and counts from 1 again, under a new incarnation.
    const lost = h.put({ process: 1, value: 'b', dot: ['n1.bbbb1111', 1], at: [20, 30] })
    h.put({ process: 2, value: 'c', dot: ['n2.cccc2222', 1], context: { 'n1.aaaa0000': 1 }, at: [40, 50] })
    h.get({
      process: 5,
      values: ['c'],
      versions: [['n2.cccc2222', 1]],
      context: { 'n1.aaaa0000': 1, 'n2.cccc2222': 1 },
      phase: 'final',
      at: [60, 61],
    })
    const a = await analyseBuilt(h.end())
    assert.deepInclude(checked(a), { checkedWrites: 3, shown: 1, superseded: 1, lost: 1 })
    assert.deepEqual(lostIndexes(a), [lost.index])
    assert.sameMembers(a.table.actors.names, ['n1.aaaa0000', 'n1.bbbb1111', 'n2.cccc2222'])
    assert.notInclude(a.table.nodes.names, 'n1.aaaa0000')
  })

  test('dvv: a write whose dot another write of its key also got (a dot issued twice) cannot hide behind it', async ({ assert }) => {
    const h = new HistoryBuilder({ versioning: 'dvv' })
    h.put({ process: 0, value: 'before', dot: ['n1', 1], at: [0, 10] })
    h.get({ process: 1, values: ['before'], versions: [['n1', 1]], context: { n1: 1 }, at: [20, 25] })
    // n1 lost its disk and counts from 1 again: a new write gets the old dot.
    const lost = h.put({ process: 2, value: 'after', dot: ['n1', 1], at: [30, 40] })
    h.put({ process: 1, value: 'next', dot: ['n2', 1], context: { n1: 1 }, at: [50, 60] })
    h.get({ process: 5, values: ['next'], versions: [['n2', 1]], context: { n1: 1, n2: 1 }, phase: 'final', at: [70, 71] })
    const a = await analyseBuilt(h.end())
    assert.deepInclude(checked(a), { checkedWrites: 3, shown: 1, superseded: 1, lost: 1, dotCollisions: 1 })
    assert.deepEqual(lostIndexes(a), [lost.index])
  })

  test('dvv: reissued counters are judged against what had completed when each write began, not after', async ({ assert }) => {
    const h = new HistoryBuilder({ versioning: 'dvv' })
    // The node's only write completed before the next began: already enough to show its counter was issued again.
    h.put({ process: 0, key: 'j', value: 'first', dot: ['n1', 6], at: [0, 10] })
    const reissued = h.put({ process: 2, value: 'again', dot: ['n1', 2], at: [20, 40] })
    // Began before a write with a higher counter completed: concurrent with it, not reissued.
    const concurrent = h.put({ process: 3, key: 'i', value: 'concurrent', dot: ['n1', 7], at: [12, 50] })
    h.put({ process: 4, key: 'i', value: 'later', dot: ['n1', 8], at: [11, 13] })
    h.put({ process: 1, value: 'next', dot: ['n2', 1], context: { n1: 8 }, at: [60, 70] })
    h.put({ process: 1, key: 'i', value: 'next i', dot: ['n2', 2], context: { n1: 8 }, at: [71, 75] })
    h.get({ process: 5, values: ['next'], versions: [['n2', 1]], context: { n1: 8, n2: 1 }, phase: 'final', at: [80, 81] })
    h.get({ process: 5, key: 'i', values: ['next i'], versions: [['n2', 2]], context: { n1: 8, n2: 2 }, phase: 'final', at: [80, 81] })
    const a = await analyseBuilt(h.end())
    assert.deepInclude(checked(a), { reissuedDots: 1, lost: 1 })
    assert.deepEqual(lostIndexes(a), [reissued.index])
    assert.notInclude(lostIndexes(a), concurrent.index)
  })

  test('dvv: writes a history records out of completion order (a clock stepped back) are judged by when they completed', async ({
    assert,
  }) => {
    const h = new HistoryBuilder({ versioning: 'dvv' })
    const slow = h.put({ process: 0, key: 'j', value: 'slow', dot: ['n1', 9], at: [1, 2] })
    h.put({ process: 1, key: 'i', value: 'early', dot: ['n1', 1], at: [3, 5] })
    h.put({ process: 2, value: 'third', dot: ['n1', 4], at: [20, 30] })
    for (const [key, value, counter] of [
      ['j', 'slow', 9],
      ['i', 'early', 1],
      ['k', 'third', 4],
    ] as const)
      h.get({ process: 5, key, values: [value], versions: [['n1', counter]], context: { n1: counter }, phase: 'final', at: [50, 51] })
    const records = h.records()
    // Recorded first, it completed last of the three (µs): after the third write began, so that write's counter was not issued again.
    Object.assign(records[slow.index], { invoke: 15_000, complete: 40_000 })
    const { dir, remove } = await tempDir()
    try {
      await writeFile(join(dir, 'history.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''))
      const a = await analyseHistory(join(dir, 'history.jsonl'), { workers: 0 })
      assert.deepInclude(checked(a), { reissuedDots: 0, shown: 3, lost: 0 })
    } finally {
      await remove()
    }
  })

  test('dvv: a write whose node had issued a counter as high before it began cannot hide behind later contexts', async ({ assert }) => {
    const h = new HistoryBuilder({ versioning: 'dvv' })
    h.put({ process: 0, key: 'j', value: 'other key', dot: ['n1', 5], at: [0, 10] })
    h.put({ process: 0, value: 'before', dot: ['n1', 6], at: [11, 15] })
    // n1 lost its disk: a write to another key gets counter 2, covered by every context that saw n1:6.
    const lost = h.put({ process: 2, value: 'after', dot: ['n1', 2], at: [30, 40] })
    h.put({ process: 1, value: 'next', dot: ['n2', 1], context: { n1: 6 }, at: [50, 60] })
    h.get({ process: 5, values: ['next'], versions: [['n2', 1]], context: { n1: 6, n2: 1 }, phase: 'final', at: [70, 71] })
    const a = await analyseBuilt(h.end())
    assert.deepInclude(checked(a), { superseded: 1, lost: 1, reissuedDots: 1 })
    assert.deepEqual(lostIndexes(a), [lost.index])
  })

  test('dvv: an info write never seen cannot supersede, though its context covered the write', async ({ assert }) => {
    const h = new HistoryBuilder({ versioning: 'dvv', strict: true })
    const lost = h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.get({ process: 1, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, at: [20, 25] })
    // Timed out and never applied: no read ever returns 'b'.
    h.put({ process: 1, value: 'b', context: { n1: 1 }, type: 'info', at: [30, 1030] })
    h.converged(true, 10, 1100)
    for (const node of ['n1', 'n2', 'n3']) h.get({ process: 5, node, context: { n1: 1 }, phase: 'final', at: [1200, 1201] })
    const a = await analyseBuilt(h.end())
    assert.deepInclude(checked(a), { checkedWrites: 1, shown: 0, superseded: 0, lost: 1 })
    assert.deepEqual(lostIndexes(a), [lost.index])
    assert.equal(a.verdict.exitCode, 1)
  })

  test('an info delete cannot supersede: nothing shows it happened', async ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.delete({ process: 1, context: { n1: 1 }, type: 'info', at: [20, 30] })
    h.get({ process: 5, context: { n1: 1 }, phase: 'final', at: [50, 51] })
    const a = await analyseBuilt(h.end())
    assert.deepInclude(checked(a), { superseded: 0, lost: 1 })
  })

  test('a failed write cannot supersede; a key without final reads is unchecked', async ({ assert }) => {
    const h = new HistoryBuilder()
    const lost = h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.put({ process: 1, value: 'b', type: 'fail', context: { n1: 1 }, at: [20, 30] })
    h.put({ process: 2, key: 'unread', value: 'c', dot: ['n2', 1], at: [0, 10] })
    h.get({ process: 5, context: { n1: 1 }, phase: 'final', at: [50, 51] })
    const a = await analyseBuilt(h.end())
    assert.deepInclude(checked(a), { checkedWrites: 1, lost: 1, unchecked: 1 })
    assert.deepEqual(lostIndexes(a), [lost.index])
  })

  test('lww: a write dropped unread is lost even though later contexts cover its dot', async ({ assert }) => {
    const h = new HistoryBuilder({ versioning: 'lww' })
    const dropped = h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.put({ process: 1, value: 'b', dot: ['n2', 1], at: [0, 10] })
    h.get({ process: 2, values: ['b'], versions: [['n2', 1]], context: { n1: 1, n2: 1 }, at: [20, 21] })
    h.put({ process: 2, value: 'c', dot: ['n3', 1], context: { n1: 1, n2: 1 }, at: [22, 30] })
    h.get({ process: 5, values: ['c'], versions: [['n3', 1]], context: { n1: 1, n2: 1, n3: 1 }, phase: 'final', at: [50, 51] })
    const a = await analyseBuilt(h.end())
    assert.deepInclude(checked(a), { checkedWrites: 3, shown: 1, superseded: 1, lost: 1 })
    assert.deepEqual(lostIndexes(a), [dropped.index])
  })

  test('vv: two writes with one dot; the one never read is lost, the colliding dot does not hide it', async ({ assert }) => {
    const h = new HistoryBuilder({ versioning: 'vv' })
    const hidden = h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.put({ process: 1, value: 'b', dot: ['n1', 1], at: [0, 11] })
    h.get({ process: 2, values: ['b'], versions: [['n1', 1]], context: { n1: 1 }, at: [20, 21] })
    h.put({ process: 2, value: 'c', dot: ['n1', 2], context: { n1: 1 }, at: [22, 30] })
    h.get({ process: 5, values: ['c'], versions: [['n1', 2]], context: { n1: 2 }, phase: 'final', at: [50, 51] })
    const a = await analyseBuilt(h.end())
    assert.deepInclude(checked(a), { lost: 1, superseded: 1, shown: 1, dotCollisions: 1 })
    assert.deepEqual(lostIndexes(a), [hidden.index])
  })

  test('equals the definition on random histories (dvv, vv, lww)', async ({ assert }) => {
    for (const versioning of ['dvv', 'vv', 'lww'] as const) {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
          const h = randomHistory(seed, { versioning, ops: 40 })
          const records = h.end().records()
          const a = await analyseBuilt(h)
          const expected = referenceLostWrites(records, versioning)
          assert.equal(checked(a).lost, expected.length, `${versioning} seed ${seed}`)
          for (const index of lostIndexes(a)) assert.include(expected, index, `${versioning} seed ${seed}`)
        }),
        { numRuns: 40 },
      )
    }
  })
})

test.group('lost writes: set', () => {
  test('an acknowledged element missing from every final read is lost; info adds that show up are recovered', async ({ assert }) => {
    const h = new HistoryBuilder({ kind: 'set' })
    h.put({ process: 0, value: ['e1'], element: 'e1', dot: ['n1', 1], at: [0, 10] })
    const lost = h.put({ process: 1, value: ['e2'], element: 'e2', dot: ['n2', 1], at: [0, 10] })
    h.put({ process: 2, value: ['e1', 'e3'], element: 'e3', type: 'info', at: [0, 10] })
    h.put({ process: 3, value: ['e4'], element: 'e4', type: 'fail', at: [0, 10] })
    h.get({ process: 5, values: [['e1'], ['e1', 'e3']], context: {}, phase: 'final', at: [50, 51] })
    h.get({ process: 6, values: [['e1']], context: {}, phase: 'final', at: [50, 52] })
    const a = await analyseBuilt(h.end())
    assert.deepInclude(checked(a), { method: 'set', checkedWrites: 2, shown: 1, lost: 1, recovered: 1 })
    assert.deepEqual(lostIndexes(a), [lost.index])
    assert.include(checked(a).examples[0].summary, '"e2"')
    assert.deepInclude(a.phantoms, { valid: true, violations: 0 })
  })

  test('an element in a final read that no put ever added is a phantom', async ({ assert }) => {
    const h = new HistoryBuilder({ kind: 'set' })
    h.put({ process: 0, value: ['e1'], element: 'e1', dot: ['n1', 1], at: [0, 10] })
    h.get({ process: 5, values: [['e1', 'ghost']], context: {}, phase: 'final', at: [50, 51] })
    const a = await analyseBuilt(h.end())
    assert.deepInclude(a.phantoms, { valid: false, checked: 1, checkedWhat: 'keys (final reads)', violations: 1 })
  })
})

test.group('phantom values: register', () => {
  test('a read returning a value never written, or written only after the read, is a phantom', async ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.put({ process: 1, value: 'b', type: 'info', at: [0, 10] })
    h.get({
      process: 2,
      values: ['a', 'b'],
      versions: [
        ['n1', 1],
        ['n2', 1],
      ],
      context: { n1: 1, n2: 1 },
      at: [20, 21],
    })
    const ghost = h.get({ process: 2, values: ['nobody wrote this'], versions: [['n3', 1]], context: { n3: 1 }, at: [22, 23] })
    const early = h.get({ process: 3, values: ['later'], versions: [['n2', 2]], context: { n2: 2 }, at: [30, 31] })
    h.put({ process: 4, value: 'later', dot: ['n2', 2], at: [40, 50] })
    const a = await analyseBuilt(h.end())
    assert.deepInclude(a.phantoms, { valid: false, checked: 3, checkedWhat: 'reads', violations: 2 })
    assert.deepEqual(
      a.phantoms.examples.map((e) => a.table.index[e.ops[0].row]),
      [ghost.index, early.index],
    )
    assert.include(a.phantoms.examples[0].summary, 'no put ever wrote')
    assert.include(a.phantoms.examples[1].summary, 'after the read completed')
  })
})
