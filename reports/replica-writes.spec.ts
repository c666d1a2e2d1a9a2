/**
 * `replicas-hold-writes` on hand-made histories: a home replica whose own copy lacks an
 * acknowledged write is a violation naming the key, the replica and the write; a copy
 * holding a later write that causally follows it (as clients saw it) is fine; a copy
 * holding only a concurrent sibling is not. Promised only with a repair path on, dvv, and
 * a run the harness saw converge.
 */
import { test } from '@japa/runner'
import type { RepairPaths } from '../common/contracts/history.ts'
import type { Analysis } from './analysis.ts'
import { promisedGuarantees } from './promises.ts'
import { REPLICAS_HOLD_WRITES } from './replica-writes.ts'
import { analyseBuilt } from './testing/analyse.ts'
import { type BuilderConfig, HistoryBuilder } from './testing/history-builder.ts'

const ALL_ON: RepairPaths = { readRepair: true, hintedHandoff: true, antiEntropy: true }
const NONE: RepairPaths = { readRepair: false, hintedHandoff: false, antiEntropy: false }

const check = (a: Analysis) => {
  const found = a.verdict.checks.find((c) => c.name === REPLICAS_HOLD_WRITES)
  if (!found) throw new Error('no replicas-hold-writes check in the verdict')
  return found
}

/** `a` by process 0; process 1 reads it and writes `b` over it (b follows a); then converged; the replicas' copies as given. */
function followed(copies: Record<string, string[]>, config: BuilderConfig = {}, converged = true): HistoryBuilder {
  const h = new HistoryBuilder({ repair: ALL_ON, ...config })
  h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
  h.get({ process: 1, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, at: [20, 21] })
  h.put({ process: 1, value: 'b', dot: ['n2', 1], context: { n1: 1 }, at: [22, 30] })
  h.converged(converged, 5, 40)
  h.get({ process: 5, values: ['b'], versions: [['n2', 1]], context: { n1: 1, n2: 1 }, phase: 'final', at: [50, 51] })
  for (const [node, values] of Object.entries(copies)) {
    const dots: Record<string, [string, number]> = { a: ['n1', 1], b: ['n2', 1] }
    const context: Record<string, number> = values.includes('b') ? { n1: 1, n2: 1 } : values.includes('a') ? { n1: 1 } : {}
    h.get({ process: 6, node, values, versions: values.map((v) => dots[v]), context, replica: true, at: [60, 61] })
  }
  return h.end()
}

test.group('replicas-hold-writes: judged from values', () => {
  test('a replica missing an acknowledged write is a violation naming the key, the replica and the write', async ({ assert }) => {
    const a = await analyseBuilt(followed({ n1: ['b'], n2: ['b'], n3: ['a'] }))
    const c = check(a)
    assert.equal(c.status, 'violated')
    assert.equal(c.violations, 1)
    assert.equal(c.checked, 6, 'two acknowledged writes on three home replicas')
    const [example] = c.examples
    assert.match(example.summary, /^n3's copy of k lacks acknowledged write #\d+ \(value "b", process 1, acknowledged at 0\.030 s\)/)
    assert.deepEqual(
      example.ops.map((o) => o.role),
      ['missing write', 'replica read'],
    )
    assert.equal(a.verdict.exitCode, 1)
  })

  test('a replica holding a later write that causally follows the acknowledged one holds it', async ({ assert }) => {
    const a = await analyseBuilt(followed({ n1: ['b'], n2: ['b'], n3: ['b'] }))
    assert.include(check(a), { status: 'ok', promised: true, violations: 0, checked: 6 })
    assert.equal(a.verdict.exitCode, 0, a.verdict.reason)
  })

  test('a replica holding only a concurrent sibling lacks the write', async ({ assert }) => {
    const h = new HistoryBuilder({ repair: ALL_ON })
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    // Blind, concurrent with a: neither session saw the other's value.
    h.put({ process: 1, value: 'c', dot: ['n2', 1], at: [0, 10] })
    h.converged(true, 5, 40)
    h.get({
      process: 5,
      values: ['a', 'c'],
      versions: [
        ['n1', 1],
        ['n2', 1],
      ],
      context: { n1: 1, n2: 1 },
      phase: 'final',
      at: [50, 51],
    })
    for (const node of ['n1', 'n2']) {
      h.get({
        process: 6,
        node,
        values: ['a', 'c'],
        versions: [
          ['n1', 1],
          ['n2', 1],
        ],
        replica: true,
        at: [60, 61],
      })
    }
    h.get({ process: 6, node: 'n3', values: ['c'], versions: [['n2', 1]], context: { n2: 1 }, replica: true, at: [60, 61] })
    const c = check(await analyseBuilt(h.end()))
    assert.include(c, { status: 'violated', violations: 1, checked: 6 })
    assert.match(c.examples[0].summary, /^n3's copy of k lacks acknowledged write #\d+ \(value "a", process 0,/)
  })

  test('an empty copy lacks every write; a failed replica read leaves the check unknown, not passed', async ({ assert }) => {
    const empty = check(await analyseBuilt(followed({ n1: ['b'], n2: ['b'], n3: [] })))
    assert.include(empty, { status: 'violated', violations: 2 })
    const h = followed({ n1: ['b'], n2: ['b'] })
    h.get({ process: 6, node: 'n3', type: 'info', replica: true, at: [60, 61] })
    const failed = check(await analyseBuilt(h))
    assert.equal(failed.status, 'unknown')
    assert.match(failed.reason ?? '', /1 per-replica final reads failed/)
  })

  test('without per-replica reads, or for a set workload, it cannot be decided', async ({ assert }) => {
    const none = check(await analyseBuilt(followed({})))
    assert.equal(none.status, 'unknown')
    assert.match(none.reason ?? '', /no per-replica final reads/)
    const set = check(await analyseBuilt(followed({ n1: ['b'] }, { kind: 'set' })))
    assert.match(set.reason ?? '', /register workloads only/)
  })
})

test.group('replicas-hold-writes: promised', () => {
  const promised = (config: BuilderConfig): boolean | undefined =>
    promisedGuarantees(new HistoryBuilder(config).run).find((p) => p.name === REPLICAS_HOLD_WRITES)?.promised

  test('with dvv and any repair path on; not with none, lww, another mode, or a record that does not say', ({ assert }) => {
    assert.isTrue(promised({ repair: ALL_ON }))
    assert.isTrue(promised({ repair: { ...NONE, antiEntropy: true } }))
    assert.isTrue(promised({ repair: { ...NONE, readRepair: true } }))
    assert.isFalse(promised({ repair: NONE }))
    assert.isFalse(promised({ repair: ALL_ON, versioning: 'lww' }))
    assert.isFalse(promised({ repair: ALL_ON, consistency: 'linearizable' }))
    assert.isFalse(promised({}))
  })

  test('not when the run did not converge: what a replica lacks is then reported, not failed on', async ({ assert }) => {
    const a = await analyseBuilt(followed({ n1: ['b'], n2: ['b'], n3: ['a'] }, {}, false))
    const c = check(a)
    assert.include(c, { promised: false, status: 'unknown', violations: 1 })
    assert.match(c.why, /did not converge/)
    assert.notMatch(a.verdict.reason, /replicas-hold-writes/)
  })

  test('the same lacking replica with no repair path on is an anomaly, not a violation', async ({ assert }) => {
    const c = check(await analyseBuilt(followed({ n1: ['b'], n2: ['b'], n3: ['a'] }, { repair: NONE })))
    assert.include(c, { promised: false, status: 'anomaly', violations: 1 })
  })
})
