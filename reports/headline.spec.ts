/** The headline figures: the fault phase against the calm ones (warmup and heal), final reads left out. */
import { test } from '@japa/runner'
import { analyseBuilt } from './testing/analyse.ts'
import { HistoryBuilder } from './testing/history-builder.ts'
import { headlineFigures } from './headline.ts'

test.group('headline figures', () => {
  test('ok rate, exact p99 and stale fraction during faults vs calm; final reads in neither', async ({ assert }) => {
    const h = new HistoryBuilder({ nemeses: ['partition'] })
    h.put({ process: 0, value: 'a', dot: ['n1', 1], phase: 'warmup', at: [0, 2] })
    h.get({ process: 1, context: { n1: 1 }, phase: 'warmup', at: [10, 12] })
    h.get({ process: 1, context: {}, phase: 'fault', at: [20, 70] })
    h.put({ process: 2, value: 'b', type: 'fail', phase: 'fault', at: [30, 130] })
    h.get({ process: 1, context: { n1: 1 }, phase: 'heal', at: [200, 204] })
    h.get({ process: 3, context: {}, phase: 'final', at: [300, 900] })
    const a = await analyseBuilt(h.end())
    const { fault, calm } = headlineFigures(a.table, a.stalenessSummary)
    assert.deepEqual(fault, { phases: ['fault'], ops: 2, okRate: 0.5, p99Ms: 100, reads: 1, staleFraction: 1 })
    assert.deepEqual(calm, { phases: ['warmup', 'heal'], ops: 3, okRate: 1, p99Ms: 4, reads: 2, staleFraction: 0 })
  })

  test('no op during a fault: no fault figures', async ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, value: 'a', dot: ['n1', 1], phase: 'heal', at: [0, 2] })
    const a = await analyseBuilt(h.end())
    assert.isNull(headlineFigures(a.table, a.stalenessSummary).fault)
  })
})
