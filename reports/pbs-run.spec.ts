/**
 * The PBS fit of a run against hand-worked cases: constant leg latencies give a known
 * t-visibility (the write's coordinator sees it at once, the others 10 ms later), samples
 * and reads inside a fault go to the fault phase, R + W > N is exact, and a run without
 * (or with a broken) `wars.json` says why there is no prediction.
 */
import { test } from '@japa/runner'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { WARS_FILE, type WarsSample } from '../common/contracts/wars.ts'
import { fitRun, type PbsPhase, readWarsFile } from './pbs-run.ts'
import { analyseBuilt, tempDir } from './testing/analyse.ts'
import { constantSamples, pbsHistory as history, warsFile } from './testing/pbs-fixture.ts'

function phase(fit: ReturnType<typeof fitRun>, name: 'calm' | 'fault'): PbsPhase {
  if (fit.kind !== 'fitted') throw new Error(`expected a fit, got: ${fit.reason}`)
  const found = fit.phases.find((p) => p.phase === name)
  if (!found) throw new Error(`no ${name} phase`)
  return found
}

test.group('PBS fit of a run', () => {
  test('constant legs: a third of the reads at 5 ms see the write (its coordinator), every read at 20 ms', async ({ assert }) => {
    const analysis = await analyseBuilt(history({}, 40))
    const wars = warsFile({
      write: constantSamples(10, 0),
      ack: constantSamples(0, 0),
      read: constantSamples(0, 0),
      response: constantSamples(0, 0),
    })
    const calm = phase(fitRun(wars, analysis), 'calm')
    assert.equal(calm.reads, 240)
    assert.equal(calm.saw, 160)
    assert.closeTo(calm.sameCoordinator!, 1 / 3, 1e-9)
    assert.deepEqual(calm.legs.write, { samples: 50, meanMs: 10, p50Ms: 10, p99Ms: 10 })
    const early = calm.buckets.find((b) => b.fromMs === 5)!
    const late = calm.buckets.find((b) => b.fromMs === 20)!
    assert.equal(early.reads, 120)
    assert.closeTo(early.observed, 1 / 3, 1e-9)
    assert.closeTo(early.predicted!, 1 / 3, 0.02)
    assert.equal(late.observed, 1)
    assert.equal(late.predicted, 1)
    assert.equal(calm.agreement, 'agree')
    assert.closeTo(calm.gap!, 0, 0.02)
    assert.equal(calm.prediction.kind === 'sampled' && calm.prediction.predicted99Ms, 10)
  })

  test('a store staler than its latencies: the fit says the calm phase differs, and which way', async ({ assert }) => {
    const analysis = await analyseBuilt(history({}, 40))
    // Writes that arrive at once: the model says every read sees them, but 1/3 did not.
    const instant = constantSamples(0, 0)
    const calm = phase(fitRun(warsFile({ write: instant, ack: instant, read: instant, response: instant }), analysis), 'calm')
    assert.equal(calm.agreement, 'differ')
    assert.isBelow(calm.gap!, -0.3)
    assert.match(calm.reason, /staler than its latencies predict/)
  })

  test('samples and reads inside a fault go to the fault phase, the rest to calm', async ({ assert }) => {
    // Rounds 0..39 span 0-3922 ms; the fault covers rounds 10-19.
    const analysis = await analyseBuilt(history({}, 40, [995, 1995]))
    const slow = constantSamples(500, 1000, 40)
    const wars = warsFile({
      write: [...constantSamples(10, 0), ...slow, ...constantSamples(10, 2500)],
      ack: [...constantSamples(0, 0), ...slow],
      read: [...constantSamples(0, 0), ...slow],
      response: [...constantSamples(0, 0), ...slow],
    })
    const fit = fitRun(wars, analysis)
    const calm = phase(fit, 'calm')
    const fault = phase(fit, 'fault')
    assert.equal(calm.legs.write?.samples, 100)
    assert.equal(calm.legs.write?.p99Ms, 10)
    assert.equal(fault.legs.write?.samples, 40)
    assert.equal(fault.legs.write?.p50Ms, 500)
    assert.equal(fault.reads, 60, 'rounds 10-19: six reads each')
    assert.equal(calm.reads, 180)
    assert.match(fault.reason, /faults/)
  })

  test("latencies that change during the run: each read is predicted with its moment's, not the whole run's", async ({ assert }) => {
    // Every read saw its write. The first two seconds are slow on every leg, the rest fast:
    // a slow write leg (10 ms) always comes with slow client legs (20 ms both ways), so no
    // read 5 ms after an ack can be stale. Drawn from the whole run, a slow write leg meets
    // fast client legs a quarter of the time, and 1 in 12 reads at 5 ms would be stale.
    const analysis = await analyseBuilt(history({}, 40, undefined, []))
    const timed = (slowMs: number) => Array.from({ length: 400 }, (_, i) => [10 * i, i < 200 ? slowMs : 0] as WarsSample)
    const wars = warsFile({ write: timed(10), ack: timed(0), read: timed(10), response: timed(10) })
    const calm = phase(fitRun(wars, analysis), 'calm')
    assert.equal(calm.moments, 2)
    assert.equal(calm.observed, 1)
    const early = calm.buckets.find((b) => b.fromMs === 5)!
    assert.equal(early.predicted, 1)
    assert.equal(calm.prediction.kind === 'sampled' && calm.prediction.predicted, 1)
    assert.equal(calm.agreement, 'agree')
  })

  test('R + W > N: the prediction is exactly 1, said rather than drawn', async ({ assert }) => {
    const analysis = await analyseBuilt(history({ r: 2, w: 2 }, 5))
    const zero = constantSamples(0, 0)
    const calm = phase(fitRun(warsFile({ write: zero, ack: zero, read: zero, response: zero }), analysis), 'calm')
    assert.equal(calm.prediction.kind, 'exact')
    assert.match(calm.reason, /R \+ W > N \(2 \+ 2 > 3\)/)
    assert.isTrue(calm.buckets.every((b) => b.predicted === null))
  })

  test('too few timed messages: no prediction, naming the legs', async ({ assert }) => {
    const analysis = await analyseBuilt(history({}, 40))
    const few = constantSamples(1, 0, 5)
    const calm = phase(
      fitRun(warsFile({ write: few, ack: few, read: constantSamples(1, 0), response: constantSamples(1, 0) }), analysis),
      'calm',
    )
    assert.equal(calm.prediction.kind, 'unpredicted')
    assert.match(calm.reason, /too few timed messages in the calm phase for write, ack/)
  })

  test('no wars.json, or a broken one: unavailable, with the reason', async ({ assert, cleanup }) => {
    const analysis = await analyseBuilt(history({}, 2))
    const none = fitRun(undefined, analysis)
    assert.equal(none.kind, 'unavailable')
    assert.match(none.kind === 'unavailable' ? none.reason : '', /no wars\.json/)
    const { dir, remove } = await tempDir()
    cleanup(remove)
    assert.isUndefined(await readWarsFile(dir))
    await writeFile(join(dir, WARS_FILE), JSON.stringify({ format: 1, legs: { write: { samples: [[0, -1]] } } }))
    await assert.rejects(() => readWarsFile(dir), /not a WARS samples file of format 1/)
  })
})
