/**
 * Arrival schedules: Poisson gaps with the right mean and spread, constant gaps staggered
 * across processes, closed loop, restarts at a new phase, and intended times that do not
 * move when ops complete late (no coordinated omission). Fixed seeds, so each figure is
 * the same on every run; the tolerances are what 20,000 draws allow.
 */
import { test } from '@japa/runner'
import { Random } from '../../common/helpers/random.ts'
import { type Arrival, ArrivalSchedule } from './arrivals.ts'

const SEED = 20240601

function scheduleFor(arrival: Arrival, rate: number, concurrency: number, process = 0, seed = SEED): ArrivalSchedule {
  return new ArrivalSchedule({ rate, arrival, concurrency, rng: new Random(seed).fork(`arrivals/${process}`), process })
}

/** `count` intended times (µs), as a process that is always on time asks for them. */
function onTime(schedule: ArrivalSchedule, count: number, phaseStartUs = 0): number[] {
  const times: number[] = []
  let now = phaseStartUs
  for (let i = 0; i < count; i++) {
    const intended = schedule.next(phaseStartUs, now)
    times.push(intended)
    now = intended
  }
  return times
}

const gapsOf = (times: number[]): number[] => times.slice(1).map((t, i) => t - times[i])
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
const cv = (xs: number[]): number => {
  const m = mean(xs)
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2))) / m
}

test.group('ArrivalSchedule: open loop', () => {
  test("poisson at {rate} ops/s over {concurrency} processes: each process's mean gap is concurrency/rate s, CV about 1")
    .with([
      { rate: 200, concurrency: 10 },
      { rate: 1000, concurrency: 1 },
      { rate: 50, concurrency: 64 },
    ])
    .run(({ assert }, { rate, concurrency }) => {
      const gaps = gapsOf(onTime(scheduleFor('poisson', rate, concurrency), 20_001))
      const expectedUs = (concurrency / rate) * 1e6
      assert.closeTo(mean(gaps) / expectedUs, 1, 0.03, `mean gap ${mean(gaps)} µs, expected ${expectedUs}`)
      assert.closeTo(cv(gaps), 1, 0.05, 'exponential gaps: standard deviation equals the mean')
      assert.isTrue(
        gaps.every((g) => g >= 0),
        'time never runs backwards',
      )
    })

  test('poisson: arrivals in equal windows have variance equal to their mean (index of dispersion 1)', ({ assert }) => {
    const times = onTime(scheduleFor('poisson', 100, 1), 20_000)
    const windowUs = 100_000 // 10 expected arrivals per window
    const counts = new Array(Math.floor(times.at(-1)! / windowUs)).fill(0)
    for (const t of times) if (t < counts.length * windowUs) counts[Math.floor(t / windowUs)]++
    const m = mean(counts)
    const variance = mean(counts.map((c) => (c - m) ** 2))
    assert.closeTo(m, 10, 0.3)
    assert.closeTo(variance / m, 1, 0.1)
  })

  test('poisson: the same seed gives the same times; another seed or process other ones', ({ assert }) => {
    const a = onTime(scheduleFor('poisson', 200, 10, 3), 50)
    assert.deepEqual(onTime(scheduleFor('poisson', 200, 10, 3), 50), a)
    assert.notDeepEqual(onTime(scheduleFor('poisson', 200, 10, 4), 50), a)
    assert.notDeepEqual(onTime(scheduleFor('poisson', 200, 10, 3, SEED + 1), 50), a)
  })

  test('constant: every gap is exactly concurrency/rate s', ({ assert }) => {
    const gaps = gapsOf(onTime(scheduleFor('constant', 200, 10), 1_000))
    assert.isTrue(
      gaps.every((g) => Math.abs(g - 50_000) < 1e-6),
      `gaps: ${[...new Set(gaps)].slice(0, 5)}`,
    )
  })

  test('constant: processes are staggered, so together they arrive evenly at the whole rate', ({ assert }) => {
    const concurrency = 8
    const rate = 400
    const phaseStartUs = 1_000_000
    const all = Array.from({ length: concurrency }, (_, process) =>
      onTime(scheduleFor('constant', rate, concurrency, process), 100, phaseStartUs),
    )
      .flat()
      .sort((x, y) => x - y)
    assert.equal(all[0], phaseStartUs)
    for (const gap of gapsOf(all)) assert.closeTo(gap, 1e6 / rate, 1e-6)
  })

  test("the first op of a phase is due at the phase start (poisson) or the process's stagger (constant)", ({ assert }) => {
    assert.equal(scheduleFor('poisson', 200, 10, 7).next(5_000_000, 5_000_000), 5_000_000)
    assert.equal(scheduleFor('constant', 200, 10, 7).next(5_000_000, 5_000_000), 5_000_000 + (50_000 * 7) / 10)
  })

  test('{arrival}: an op that has to wait keeps its intended time, and later ones do not shift (no coordinated omission)')
    .with([{ arrival: 'poisson' as const }, { arrival: 'constant' as const }])
    .run(({ assert }, { arrival }) => {
      const intended = onTime(scheduleFor(arrival, 200, 10), 200)
      // The same schedule, asked by a process whose ops complete late: the store stalls
      // for 2 s at the 10th op, and every op takes 30 ms (more than some gaps).
      const late = scheduleFor(arrival, 200, 10)
      const got: number[] = []
      let now = 0
      for (let i = 0; i < 200; i++) {
        const at = late.next(0, now)
        got.push(at)
        now = Math.max(now, at) + 30_000 + (i === 10 ? 2_000_000 : 0)
      }
      assert.deepEqual(got, intended)
      assert.isBelow(got[11], now, 'the op after the stall was due long before it could be sent')
    })
})

test.group('ArrivalSchedule: closed loop and restarts', () => {
  test('rate 0 is closed loop: the next op is due now, whatever the arrival', ({ assert }) => {
    for (const arrival of ['poisson', 'constant'] as const) {
      const schedule = scheduleFor(arrival, 0, 10, 3)
      assert.isTrue(schedule.closedLoop)
      assert.equal(schedule.next(0, 1234), 1234)
      assert.equal(schedule.next(0, 99_999), 99_999)
      schedule.restart()
      assert.equal(schedule.next(500_000, 600_000), 600_000)
    }
    assert.isFalse(scheduleFor('poisson', 1, 10).closedLoop)
  })

  test('{arrival}: restart begins afresh at the new phase start, not where the last phase stopped')
    .with([{ arrival: 'poisson' as const }, { arrival: 'constant' as const }])
    .run(({ assert }, { arrival }) => {
      const schedule = scheduleFor(arrival, 200, 10, 2)
      const warmup = onTime(schedule, 20, 0)
      schedule.restart()
      const runStartUs = 10_000_000
      const run = onTime(schedule, 20, runStartUs)
      assert.isBelow(warmup.at(-1)!, runStartUs)
      assert.equal(run[0], runStartUs + (arrival === 'constant' ? (50_000 * 2) / 10 : 0))
      if (arrival === 'constant') assert.deepEqual(gapsOf(run), gapsOf(warmup))
      else assert.isTrue(gapsOf(run).every((g) => g >= 0))
    })

  test('without a restart, a new phase start is ignored: the schedule carries on', ({ assert }) => {
    const schedule = scheduleFor('constant', 200, 10)
    onTime(schedule, 3, 0)
    assert.equal(schedule.next(10_000_000, 10_000_000), 150_000)
  })
})
