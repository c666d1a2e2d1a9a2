/** Latency percentiles (HdrHistogram) and availability per phase on hand-built histories. */
import { test } from '@japa/runner'
import type { Analysis } from './analysis.ts'
import { analyseBuilt } from './testing/analyse.ts'
import { HistoryBuilder } from './testing/history-builder.ts'

/** 100 ok gets taking 1..100 ms, each scheduled 5 ms before it was sent; 10 failed puts of 2 ms. */
function timedHistory(): HistoryBuilder {
  const h = new HistoryBuilder()
  for (let i = 1; i <= 100; i++) h.get({ process: i % 4, context: {}, intended: i * 200 - 5, at: [i * 200, i * 200 + i] })
  for (let i = 0; i < 10; i++) h.put({ process: 9, value: `f${i}`, type: 'fail', at: [i * 50, i * 50 + 2], phase: 'fault' })
  return h.end()
}

const row = (a: Analysis, from: string, f: string, outcome: string, phase: string) => {
  const found = a.latency.find((l) => l.from === from && l.f === f && l.outcome === outcome && l.phase === phase)
  if (!found) throw new Error(`no latency row ${from} ${f} ${outcome} ${phase}`)
  return found
}

test.group('latency', () => {
  test('percentiles from invoke time: 100 reads of 1..100 ms', async ({ assert }) => {
    const a = await analyseBuilt(timedHistory())
    const r = row(a, 'invoke', 'get', 'ok', 'heal')
    assert.equal(r.count, 100)
    // HdrHistogram with 3 significant digits: within 0.1%.
    assert.closeTo(r.p50Ms, 50, 0.05)
    assert.closeTo(r.p90Ms, 90, 0.09)
    assert.closeTo(r.p99Ms, 99, 0.1)
    assert.closeTo(r.maxMs, 100, 0.1)
    assert.closeTo(r.meanMs, 50.5, 0.05)
  })

  test('from intended time adds the time queued before sending (no coordinated omission)', async ({ assert }) => {
    const a = await analyseBuilt(timedHistory())
    assert.closeTo(row(a, 'intended', 'get', 'ok', 'heal').p50Ms, 55, 0.06)
    assert.closeTo(row(a, 'intended', 'get', 'ok', 'heal').maxMs, 105, 0.11)
  })

  test('no quantile exceeds the maximum, though a bucket top can lie above it', async ({ assert }) => {
    // 122.881 ms shares an HdrHistogram bucket with values up to 122.943 ms.
    const h = new HistoryBuilder()
    h.get({ process: 0, context: {}, at: [0, 1] })
    h.get({ process: 1, context: {}, at: [0, 122.881] })
    const r = row(await analyseBuilt(h.end()), 'invoke', 'get', 'ok', 'heal')
    assert.equal(r.maxMs, 122.881)
    for (const q of [r.p50Ms, r.p90Ms, r.p99Ms, r.p999Ms]) assert.isAtMost(q, r.maxMs)
    assert.equal(r.p999Ms, r.maxMs)
  })

  test('groups by op type, outcome and phase, with roll-ups', async ({ assert }) => {
    const a = await analyseBuilt(timedHistory())
    const fails = row(a, 'invoke', 'put', 'fail', 'fault')
    assert.equal(fails.count, 10)
    assert.closeTo(fails.p99Ms, 2, 0.01)
    assert.equal(row(a, 'invoke', 'put', 'fail', 'all').count, 10)
    assert.equal(row(a, 'invoke', 'all', 'all', 'all').count, 110)
    assert.isUndefined(
      a.latency.find((l) => l.f === 'delete'),
      'no row without ops',
    )
  })
})

test.group('availability', () => {
  test('ok / fail / info counts and rates per phase, with error kinds', async ({ assert }) => {
    const h = new HistoryBuilder()
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 1], phase: 'warmup' })
    h.get({ process: 0, context: {}, at: [2, 3], phase: 'warmup' })
    h.get({ process: 1, context: {}, at: [10, 11], phase: 'fault' })
    h.put({ process: 1, value: 'b', type: 'fail', error: 'quorum_unavailable', at: [12, 13], phase: 'fault' })
    h.put({ process: 2, value: 'c', type: 'info', error: 'timeout', at: [12, 20], phase: 'fault' })
    h.get({ process: 3, type: 'info', error: 'timeout', at: [12, 20], phase: 'fault' })
    const a = await analyseBuilt(h.end())
    const phase = (p: string) => a.availability.find((x) => x.phase === p)
    assert.deepInclude(phase('warmup'), { ops: 2, ok: 2, fail: 0, info: 0, okRate: 1 })
    assert.deepInclude(phase('fault'), { ops: 4, ok: 1, fail: 1, info: 2, okRate: 0.25, failRate: 0.25, infoRate: 0.5 })
    assert.deepEqual(phase('fault')?.errors, { timeout: 2, quorum_unavailable: 1 })
    assert.deepEqual(phase('fault')?.byFunction.put, { ok: 0, fail: 1, info: 1 })
    assert.deepInclude(phase('all'), { ops: 6, ok: 3 })
    assert.isUndefined(phase('heal'), 'phases without ops are left out')
  })
})
