/** Per-second series, nemesis periods, the achieved drop rate and convergence. */
import { test } from '@japa/runner'
import { analyseBuilt } from './testing/analyse.ts'
import { HistoryBuilder } from './testing/history-builder.ts'

test.group('time series', () => {
  test('per second: throughput by outcome, exact latency quantiles, staleness, load per node, nemeses', async ({ assert }) => {
    const h = new HistoryBuilder({ nemeses: ['partition'] })
    h.nemesis('partition', 1500, 1800)
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.get({ process: 1, node: 'n2', context: {}, at: [100, 104] })
    h.get({ process: 2, node: 'n2', context: { n1: 1 }, at: [200, 202] })
    h.put({ process: 3, value: 'x', type: 'fail', at: [300, 301] })
    h.get({ process: 1, context: {}, type: 'info', at: [2100, 2600] })
    const a = await analyseBuilt(h.end())
    const rows = a.timeseries.rows
    assert.deepEqual(
      rows.map((r) => r.second),
      [0, 1, 2],
    )
    assert.deepInclude(rows[0], {
      ops: 4,
      ok: 3,
      fail: 1,
      info: 0,
      reads: 2,
      staleReads: 1,
      staleFraction: 0.5,
      meanK: 0.5,
      maxK: 1,
      nemeses: '',
    })
    // Nearest rank over 10, 4, 2, 1 ms.
    assert.deepInclude(rows[0], { p50Ms: 2, p99Ms: 10, maxMs: 10 })
    assert.deepInclude(rows[1], { ops: 0, p50Ms: null, staleFraction: null, nemeses: 'partition' })
    assert.deepInclude(rows[2], { ops: 1, info: 1, p50Ms: 500 })
    assert.deepEqual(rows[0].perNode, [2, 2, 0])
  })
})

test.group('faults and convergence', () => {
  test('nemesis periods pair starts with stops; a fault left on runs to the end', async ({ assert }) => {
    const h = new HistoryBuilder({ nemeses: ['partition', 'crash'] })
    h.nemesis('partition', 10, 20, { kind: 'halves' }, { healed: 4 })
    h.nemesis('crash', 15, null, { targets: ['n2'] })
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 30] })
    const a = await analyseBuilt(h.end())
    assert.deepEqual(a.periods, [
      { nemesis: 'partition', startMs: 10, stopMs: 20, stopped: true, value: { kind: 'halves' }, stopValue: { healed: 4 } },
      { nemesis: 'crash', startMs: 15, stopMs: 30, stopped: false, value: { targets: ['n2'] }, stopValue: null },
    ])
  })

  test('the achieved drop rate sums what each drop period counted', async ({ assert }) => {
    const h = new HistoryBuilder({ nemeses: ['drop'] })
    h.nemesis('drop', 0, 10, { probability: 0.2 }, { probability: 0.2, messages: 100, dropped: 19, achievedRate: 0.19 })
    h.nemesis('drop', 20, 30, { probability: 0.2 }, { probability: 0.2, messages: 200, dropped: 41, achievedRate: 0.205 })
    const a = await analyseBuilt(h.end())
    assert.deepEqual(a.drops, { periods: 2, probability: 0.2, messages: 300, dropped: 60, achievedRate: 0.2 })
  })

  test('convergence time from the harness, and final reads through every node compared', async ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.converged(true, 1234, 20)
    for (const node of ['n1', 'n2', 'n3'])
      h.get({ process: 5, node, values: ['a'], versions: [['n1', 1]], context: { n1: 1 }, phase: 'final', at: [30, 31] })
    const a = await analyseBuilt(h.end())
    assert.deepInclude(a.convergence, { waited: true, converged: true, ms: 1234, finalReads: 3 })
    assert.deepInclude(a.convergence.check, { name: 'final-reads-agree', valid: true, checked: 1, checkedWhat: 'keys', violations: 0 })
  })
})
