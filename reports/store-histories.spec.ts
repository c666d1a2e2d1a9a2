/**
 * Histories of stores other than the reference one (etcd, an http store, a user's module):
 * no version metadata, compare-and-set ops, promises from the store's record. The checks
 * that need contexts say "not applicable" rather than guessing; the ones that work from
 * values still judge (and still catch what they exist to catch); histories written before
 * stores were recorded still read as the reference store's.
 */
import { test } from '@japa/runner'
import { storeOf, type StoreInfo } from '../common/contracts/history.ts'
import type { Analysis } from './analysis.ts'
import { CAS, FUNCTIONS } from './op-table.ts'
import { promisedGuarantees } from './promises.ts'
import { hashesIn } from './models/index.ts'
import { buildSummary } from './summary.ts'
import { terminalSummary } from './terminal-summary.ts'
import { analyseBuilt } from './testing/analyse.ts'
import { HistoryBuilder } from './testing/history-builder.ts'

const ETCD: StoreInfo = {
  name: 'etcd',
  summary: 'etcd 3.6.16, 3 members, linearizable reads',
  versionMetadata: false,
  promises: ['linearizable'],
  settings: { reads: 'linearizable' },
}

/** What the verdict made of one check. */
const check = (a: Analysis, name: string) => a.verdict.checks.find((c) => c.name === name)

/** An etcd-like register history: puts, a cas that held and one that did not, reads of both writes' values, final reads. */
function etcdHistory(readValue = 'c'): HistoryBuilder {
  const h = new HistoryBuilder({ store: ETCD })
  h.put({ process: 0, value: 'a', at: [0, 10] })
  h.cas({ process: 1, expected: 'a', value: 'c', at: [20, 30] })
  h.cas({ process: 2, expected: 'a', value: 'd', at: [40, 50], type: 'fail', error: 'cas_mismatch' })
  h.get({ process: 3, values: [readValue], context: null, at: [60, 70] })
  for (const node of ['n1', 'n2', 'n3']) h.get({ process: 9, node, values: [readValue], context: null, phase: 'final', at: [80, 81] })
  return h.end()
}

test.group('histories of stores without version metadata', () => {
  test('context-based checks are not applicable, value checks judge, and the run passes', async ({ assert }) => {
    const a = await analyseBuilt(etcdHistory())
    assert.equal(a.verdict.exitCode, 0, a.verdict.reason)
    for (const name of ['no-lost-writes', 'read-your-writes', 'monotonic-reads', 'monotonic-writes', 'writes-follow-reads']) {
      const result = check(a, name)!
      assert.equal(result.valid, 'unknown', name)
      assert.isFalse(result.promised, name)
      assert.match(result.reason ?? '', /not applicable: the etcd store records no version metadata/, name)
    }
    // The read returned what the cas wrote: not a phantom. Final reads agree by value.
    assert.include(check(a, 'no-phantom-values'), { valid: true, promised: true, checked: 4 })
    assert.include(check(a, 'final-reads-agree'), { valid: true, promised: false, checked: 1 })
    assert.equal(a.stalenessSummary.reads, 0)
  })

  test('a stale read fails a store that promises linearizability (exit 1) and is an anomaly for one that does not', async ({ assert }) => {
    const stale = (store: StoreInfo) => {
      const h = new HistoryBuilder({ store })
      h.put({ process: 0, value: 'a', at: [0, 10] })
      h.put({ process: 1, value: 'b', at: [20, 30] })
      // Invoked after b was acknowledged, yet it returns a.
      h.get({ process: 2, node: 'n3', values: ['a'], context: null, at: [40, 45] })
      return h.end()
    }
    const linearizable = await analyseBuilt(stale(ETCD))
    assert.include(check(linearizable, 'linearizable'), { valid: false, promised: true, status: 'violated', violations: 1 })
    assert.equal(linearizable.verdict.exitCode, 1)
    assert.match(linearizable.verdict.reason, /linearizable \(1\)/)
    // The search ran on the op table's value hashes; its sentence names the values read back from the file.
    const [example] = check(linearizable, 'linearizable')?.examples ?? []
    assert.match(
      example.summary,
      /read \d+ \(process 2\) of "a" \(written by write \d+ \(process 0\) of "a"\) is stale: write \d+ \(process 1\) of "b"/,
    )
    assert.deepEqual(
      linearizable.models.find((m) => m.name === 'linearizable')?.windows.map((w) => hashesIn(w.explanation)),
      [[]],
    )
    // The same history is sequentially consistent: the stale read may come first in the process's order.
    assert.include(check(linearizable, 'sequential'), { valid: true, promised: false })
    const serializable = await analyseBuilt(stale({ ...ETCD, summary: 'etcd 3.6.16, 3 members, serializable reads', promises: [] }))
    assert.include(check(serializable, 'linearizable'), { valid: false, promised: false, status: 'anomaly' })
    assert.equal(serializable.verdict.exitCode, 0)
    // The etcd history with cas ops is linearizable.
    assert.include(check(await analyseBuilt(etcdHistory()), 'linearizable'), { valid: true, promised: true, status: 'ok' })
  })

  test('a value no put or cas wrote is a phantom, found from values alone (exit 1)', async ({ assert }) => {
    const a = await analyseBuilt(etcdHistory('z'))
    assert.include(check(a, 'no-phantom-values'), { valid: false, status: 'violated', violations: 4 })
    assert.equal(a.verdict.exitCode, 1)
    // The value a failed cas would have written is no excuse either way: it counts as attempted, like a failed put.
    const d = await analyseBuilt(etcdHistory('d'))
    assert.include(check(d, 'no-phantom-values'), { valid: true })
  })

  test('cas ops are their own op kind in the table, the latency and the availability', async ({ assert }) => {
    const a = await analyseBuilt(etcdHistory())
    const casRows = [...a.table.f].filter((f) => f === CAS).length
    assert.equal(casRows, 2)
    assert.equal(FUNCTIONS[CAS], 'cas')
    const heal = a.availability.find((p) => p.phase === 'heal')!
    assert.deepEqual(heal.byFunction.cas, { ok: 1, fail: 1, info: 0 })
    assert.isDefined(a.latency.find((row) => row.f === 'cas' && row.outcome === 'ok' && row.phase === 'all'))
  })

  test('a set store that promises no lost writes is failed by a lost add, found from values alone', async ({ assert }) => {
    const build = (promises: string[]) => {
      const h = new HistoryBuilder({ kind: 'set', store: { ...ETCD, name: 'kvs', summary: 'kvs', promises } })
      h.put({ process: 0, value: ['a'], element: 'a', at: [0, 10] })
      h.put({ process: 1, value: ['b'], element: 'b', at: [0, 10] })
      for (const node of ['n1', 'n2']) h.get({ process: 9, node, values: [['b']], context: null, phase: 'final', at: [50, 51] })
      return h.end()
    }
    const promised = await analyseBuilt(build(['no-lost-writes']))
    assert.include(check(promised, 'no-lost-writes'), { valid: false, status: 'violated', violations: 1, checked: 2 })
    assert.equal(promised.verdict.exitCode, 1)
    const unpromised = await analyseBuilt(build([]))
    assert.include(check(unpromised, 'no-lost-writes'), { valid: false, status: 'anomaly' })
    assert.equal(unpromised.verdict.exitCode, 0)
  })

  test('promises come from the store record; the reference store keeps its own from its settings', ({ assert }) => {
    const promisedNames = (store?: StoreInfo) =>
      promisedGuarantees(new HistoryBuilder({ store }).run)
        .filter((p) => p.promised)
        .map((p) => p.name)
    assert.deepEqual(promisedNames(ETCD), ['no-phantom-values', 'linearizable'])
    assert.deepEqual(promisedNames({ ...ETCD, promises: ['final-reads-agree', 'sequential'] }), [
      'no-phantom-values',
      'final-reads-agree',
      'sequential',
    ])
    assert.deepEqual(promisedNames({ ...ETCD, promises: [] }), ['no-phantom-values'])
    assert.deepEqual(promisedNames(), [
      'no-lost-writes',
      'no-phantom-values',
      'no-stale-reads',
      'no-duplicate-dots',
      'read-your-writes',
      'final-reads-agree',
      'converges',
    ])
  })

  test('a history written before stores were recorded is the reference store with its settings', ({ assert }) => {
    const run = new HistoryBuilder({ versioning: 'lww', strict: false, r: 1 }).run
    assert.notProperty(run, 'store')
    assert.deepEqual(storeOf(run), { name: 'quorumlab', summary: 'quorumlab lww, N=3 R=1 W=2 sloppy', versionMetadata: true, promises: [] })
    assert.deepEqual(storeOf(new HistoryBuilder({ store: ETCD }).run), ETCD)
  })

  test('the summary names the store and says staleness is not applicable', async ({ assert }) => {
    const a = await analyseBuilt(etcdHistory())
    const summary = buildSummary(
      'run',
      a,
      a.verdict.checks.map((c) => ({ ...c, examples: [] })),
      [],
      [],
      0.1,
    )
    assert.deepEqual(summary.store, ETCD)
    const text = terminalSummary(summary, 'runs/run')
    assert.include(text, 'etcd 3.6.16, 3 members, linearizable reads')
    assert.include(text, 'staleness: not applicable (the etcd store records no version metadata)')
  })
})
