/**
 * The nemesis schedule on a fake clock: time moves only when the schedule sleeps (to the
 * moment it sleeps until) or a fake nemesis takes time, so a 35 s schedule runs in
 * microseconds and every record's time is exact.
 */
import { test } from '@japa/runner'
import type { NemesisRecord, NemesisScheduleMode, Phase } from '../../common/contracts/history.ts'
import type { NemesisContext, Nemesis, NemesisEvent } from './nemesis.ts'
import { NemesisSchedule } from './schedule.ts'

/** A clock that jumps: `sleepUntil` moves it to the time asked for unless the signal aborted. */
class FakeClock {
  ms = 0
  /** Called as the schedule starts each sleep. */
  onSleep?: () => void
  nowMs(): number {
    return this.ms
  }
  nowUs(): number {
    return Math.round(this.ms * 1000)
  }
  readonly sleepUntil = async (ms: number, signal: AbortSignal): Promise<void> => {
    this.onSleep?.()
    if (!signal.aborted) this.ms = Math.max(this.ms, ms)
  }
}

type Record = Omit<NemesisRecord, 'index'>

type FakeNemesisOptions = {
  name?: Nemesis['name']
  /** ms each start and stop takes on the fake clock. */
  takesMs?: number
  /** Stops that fail before one succeeds, returning `{ error }`. */
  failingStops?: number
  /** Throw instead of returning the error. */
  throws?: boolean
  onStart?: () => void
  /** What start says it did; by default a partition's `{ kind: 'isolate' }`. */
  started?: NemesisEvent
}

function fakeNemesis(
  clock: FakeClock,
  { name = 'partition', takesMs = 0, failingStops = 0, throws = false, onStart, started = { kind: 'isolate' } }: FakeNemesisOptions = {},
) {
  let stopsLeftToFail = failingStops
  const calls: string[] = []
  const nemesis: Nemesis = {
    name,
    async start(): Promise<NemesisEvent> {
      calls.push(`start@${clock.ms}`)
      clock.ms += takesMs
      onStart?.()
      return started
    },
    async stop(): Promise<NemesisEvent> {
      calls.push(`stop@${clock.ms}`)
      clock.ms += takesMs
      if (stopsLeftToFail > 0) {
        stopsLeftToFail -= 1
        if (throws) throw new Error('proxy API unreachable')
        return { error: 'n1-n2: proxy API unreachable' }
      }
      return {}
    },
  }
  return { nemesis, calls }
}

function scheduleOf(clock: FakeClock, nemeses: Nemesis[], intervalMs = 10_000, mode: NemesisScheduleMode = 'together') {
  const records: Record[] = []
  const phases: Phase[] = []
  const schedule = new NemesisSchedule({
    nemeses,
    mode,
    context: {} as NemesisContext,
    intervalMs,
    clock,
    sleepUntil: clock.sleepUntil,
    record: (event) => records.push(event),
    onPhase: (phase) => phases.push(phase),
  })
  return { schedule, records, phases }
}

/** Records in a compact form: `start partition @0-100`, times in ms. */
const brief = (records: Record[]): string[] =>
  records.map((r) => `${r.f} ${r.nemesis} @${r.invoke / 1000}-${r.complete / 1000}${r.value.error ? ' failed' : ''}`)

test.group('NemesisSchedule on a fake clock', () => {
  test('faults on for the interval, off for as long, until the end; each start and stop recorded in order', async ({ assert }) => {
    const clock = new FakeClock()
    const { nemesis } = fakeNemesis(clock)
    const { schedule, records, phases } = scheduleOf(clock, [nemesis])
    await schedule.run(35_000, new AbortController().signal)
    // At 35 s no third start: less than half an interval would be left.
    assert.deepEqual(brief(records), [
      'start partition @0-0',
      'stop partition @10000-10000',
      'start partition @20000-20000',
      'stop partition @30000-30000',
    ])
    assert.deepEqual(phases, ['fault', 'heal', 'fault', 'heal', 'heal'])
    assert.equal(clock.ms, 35_000, 'the schedule runs to the end of the run')
    for (const r of records) {
      assert.equal(r.process, 'nemesis')
      assert.equal(r.type, 'info')
      assert.equal(r.phase, r.f === 'start' ? 'fault' : 'heal')
    }
    assert.deepEqual(records[0].value, { kind: 'isolate' })
  })

  test('the interval is measured from when the start ends, and a last fault is cut short by the end', async ({ assert }) => {
    const clock = new FakeClock()
    const { nemesis } = fakeNemesis(clock, { takesMs: 500 })
    const { schedule, records } = scheduleOf(clock, [nemesis])
    await schedule.run(27_000, new AbortController().signal)
    assert.deepEqual(brief(records), [
      'start partition @0-500',
      'stop partition @10500-11000',
      // Starts at 21 s, 6 s before the end (more than half an interval): on until the end.
      'start partition @21000-21500',
      'stop partition @27000-27500',
    ])
  })

  test('several nemeses start together, in order, and stop in the same order', async ({ assert }) => {
    const clock = new FakeClock()
    const a = fakeNemesis(clock, { name: 'latency', takesMs: 1 })
    const b = fakeNemesis(clock, { name: 'crash', takesMs: 1 })
    const { schedule, records } = scheduleOf(clock, [a.nemesis, b.nemesis])
    await schedule.run(15_000, new AbortController().signal)
    assert.deepEqual(brief(records), ['start latency @0-1', 'start crash @1-2', 'stop latency @10002-10003', 'stop crash @10003-10004'])
  })

  test('rotate: each fault window runs the next nemesis in the order given, and only it', async ({ assert }) => {
    const clock = new FakeClock()
    const crash = fakeNemesis(clock, { name: 'crash', takesMs: 1, started: { targets: ['n2'] } })
    const partition = fakeNemesis(clock, { name: 'partition', takesMs: 1 })
    const { schedule, records, phases } = scheduleOf(clock, [crash.nemesis, partition.nemesis], 5_000, 'rotate')
    const seen: string[] = []
    clock.onSleep = () => seen.push(schedule.description)
    await schedule.run(32_000, new AbortController().signal)
    assert.deepEqual(brief(records), [
      'start crash @0-1',
      'stop crash @5001-5002',
      'start partition @10002-10003',
      'stop partition @15003-15004',
      'start crash @20004-20005',
      'stop crash @25005-25006',
    ])
    assert.deepEqual(seen, ['crash n2', 'none', 'partition isolate', 'none', 'crash n2', 'none'])
    assert.deepEqual(phases, ['fault', 'heal', 'fault', 'heal', 'fault', 'heal', 'heal'])
  })

  test('rotate is the default, and one nemesis is in every window either way', async ({ assert }) => {
    const clock = new FakeClock()
    const a = fakeNemesis(clock, { name: 'latency' })
    const b = fakeNemesis(clock, { name: 'crash' })
    const records: Record[] = []
    const options = { context: {} as NemesisContext, intervalMs: 10_000, clock, sleepUntil: clock.sleepUntil, onPhase: () => {} }
    await new NemesisSchedule({ ...options, nemeses: [a.nemesis, b.nemesis], record: (r) => records.push(r) }).run(
      35_000,
      new AbortController().signal,
    )
    assert.deepEqual(
      records.map((r) => `${r.f} ${r.nemesis}`),
      ['start latency', 'stop latency', 'start crash', 'stop crash'],
    )
    const single = fakeNemesis(clock, { name: 'partition' })
    const alone = scheduleOf(clock, [single.nemesis], 10_000, 'rotate')
    await alone.schedule.run(clock.ms + 35_000, new AbortController().signal)
    assert.equal(single.calls.length, 4, 'the only nemesis starts and stops in each of the two windows')
  })

  test('description: what is active, for the progress line', async ({ assert }) => {
    const clock = new FakeClock()
    const partition = fakeNemesis(clock)
    const crash = fakeNemesis(clock, { name: 'crash', started: { targets: ['n2', 'n3'] } })
    const { schedule } = scheduleOf(clock, [partition.nemesis, crash.nemesis])
    assert.equal(schedule.description, 'none')
    const seen: string[] = []
    clock.onSleep = () => seen.push(schedule.description)
    await schedule.run(15_000, new AbortController().signal)
    assert.deepEqual(seen, ['partition isolate, crash n2 n3', 'none'])
  })

  test('no nemeses: nothing recorded, no phase change; a run too short for half an interval only heals', async ({ assert }) => {
    const clock = new FakeClock()
    const none = scheduleOf(clock, [])
    await none.schedule.run(60_000, new AbortController().signal)
    assert.deepEqual(none.records, [])
    assert.deepEqual(none.phases, [])
    const { nemesis } = fakeNemesis(clock)
    const short = scheduleOf(clock, [nemesis])
    await short.schedule.run(clock.ms + 4_000, new AbortController().signal)
    assert.deepEqual(short.records, [])
    assert.deepEqual(short.phases, ['heal'])
  })

  test('an abort during a fault heals at once and ends the schedule; a later healAll has nothing to do', async ({ assert }) => {
    const clock = new FakeClock()
    const controller = new AbortController()
    const { nemesis } = fakeNemesis(clock, { onStart: () => controller.abort() })
    const { schedule, records, phases } = scheduleOf(clock, [nemesis])
    await schedule.run(60_000, controller.signal)
    assert.deepEqual(brief(records), ['start partition @0-0', 'stop partition @0-0'])
    assert.equal(clock.ms, 0, 'no waiting after the abort')
    await schedule.healAll()
    assert.lengthOf(records, 2, 'healAll after the run stops nothing twice')
    assert.equal(phases.at(-1), 'heal')
  })

  test('a heal that fails ({name}) is recorded and retried by the next heal until it succeeds')
    .with([
      { name: 'stop returns an error', throws: false },
      { name: 'stop throws', throws: true },
    ])
    .run(async ({ assert }, { throws }) => {
      const clock = new FakeClock()
      const controller = new AbortController()
      const failing = fakeNemesis(clock, { failingStops: 2, throws, onStart: () => controller.abort() })
      const fine = fakeNemesis(clock, { name: 'crash', started: { targets: ['n2'] } })
      const { schedule, records } = scheduleOf(clock, [failing.nemesis, fine.nemesis])
      await schedule.run(60_000, controller.signal)
      // run() heals twice on an abort (the cycle's heal, then the final one): both fail.
      assert.deepEqual(brief(records), [
        'start partition @0-0',
        'start crash @0-0',
        'stop partition @0-0 failed',
        'stop crash @0-0',
        'stop partition @0-0 failed',
      ])
      assert.equal(schedule.description, 'partition isolate', 'the failed one is still active, the healed one is not')
      await schedule.healAll()
      assert.deepEqual(brief(records.slice(5)), ['stop partition @0-0'], 'only the failed nemesis is tried again')
      assert.equal(schedule.description, 'none')
      await schedule.healAll()
      assert.lengthOf(records, 6)
      const message = throws ? 'proxy API unreachable' : 'n1-n2: proxy API unreachable'
      assert.equal(records[2].value.error, message)
    })

  test('a nemesis whose heal failed is started again at the next cycle and healed there', async ({ assert }) => {
    const clock = new FakeClock()
    const failing = fakeNemesis(clock, { failingStops: 1 })
    const { schedule, records } = scheduleOf(clock, [failing.nemesis])
    await schedule.run(35_000, new AbortController().signal)
    assert.deepEqual(brief(records), [
      'start partition @0-0',
      'stop partition @10000-10000 failed',
      'start partition @20000-20000',
      'stop partition @30000-30000',
    ])
    assert.equal(schedule.description, 'none')
  })

  test('a start that throws is recorded as failed, and the nemesis is still healed (it may have done part)', async ({ assert }) => {
    const clock = new FakeClock()
    const { nemesis, calls } = fakeNemesis(clock)
    const failingStart: Nemesis = {
      ...nemesis,
      async start() {
        await nemesis.start({} as NemesisContext)
        throw new Error('2 of 4 links cut')
      },
    }
    const { schedule, records } = scheduleOf(clock, [failingStart])
    await schedule.run(15_000, new AbortController().signal)
    assert.deepEqual(brief(records), ['start partition @0-0 failed', 'stop partition @10000-10000'])
    assert.deepEqual(records[0].value, { error: '2 of 4 links cut' })
    assert.deepEqual(calls, ['start@0', 'stop@10000'])
  })
})
