/**
 * Short real runs (proxy, node processes, clients) under each nemesis, each asserting the
 * nemesis's effect in the recorded history; determinism of the op sequence by seed.
 */
import { test } from '@japa/runner'
import type { NemesisRecord, OpRecord } from '../../common/contracts/history.ts'
import { runWorkload } from './run.ts'
import { median } from '../bench/benchmark.ts'
import { nemesisEventsOf, opsOf, readHistory, SHORT_RUN_SETTINGS, shortRunOptions } from './testing.ts'
import { PRESETS } from '../../workloads/workload.ts'
import { quorumlabAdapter } from '../stores/quorumlab/index.ts'
import { analyseHistory } from '../../reports/analysis.ts'

/** The fault windows of one nemesis: from its start's completion to its stop's invocation. */
function windows(events: NemesisRecord[], name: string): { start: NemesisRecord; stop: NemesisRecord }[] {
  const starts = events.filter((e) => e.nemesis === name && e.f === 'start')
  const stops = events.filter((e) => e.nemesis === name && e.f === 'stop')
  return starts.map((start, i) => ({ start, stop: stops[i] }))
}

const during = (op: OpRecord, w: { start: NemesisRecord; stop: NemesisRecord }): boolean =>
  op.invoke > w.start.complete && op.complete < w.stop.invoke

test.group('run under nemeses', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('crash: ops to the killed node fail or are info during the fault and succeed after the restart', async ({ assert, cleanup }) => {
    // 9 s: faults at 0-2 s and 4-6 s, each followed by time for ops to the restarted node.
    const options = await shortRunOptions(cleanup, { nemeses: ['crash'], timeS: 9 })
    const result = await runWorkload(options)
    assert.isTrue(result.completed, result.error)
    const history = readHistory(result.history)
    const ops = opsOf(history)
    const crashes = windows(nemesisEventsOf(history), 'crash')
    assert.isAtLeast(crashes.length, 1)
    let healedWindows = 0
    crashes.forEach((w, i) => {
      const [target] = w.start.value.targets as string[]
      const toTarget = ops.filter((op) => op.node === target && during(op, w))
      assert.isAbove(toTarget.length, 0, `some ops went to ${target} while it was down`)
      for (const op of toTarget) assert.notEqual(op.type, 'ok', `op ${op.index} to crashed ${target} cannot succeed`)
      // Between the restart and the next fault (a last restart may come after the run's end).
      const nextStart = crashes[i + 1]?.start.invoke ?? Infinity
      const after = ops.filter((op) => op.node === target && op.invoke > w.stop.complete && op.complete < nextStart && op.phase !== 'final')
      if (after.length === 0) return
      healedWindows += 1
      assert.isTrue(
        after.some((op) => op.type === 'ok'),
        `${target} serves again after its restart`,
      )
    })
    assert.isAtLeast(healedWindows, 1, 'at least one restart was followed by ops to the restarted node')
    assert.isTrue(
      ops.some((op) => op.phase === 'final' && op.type === 'ok'),
      'final reads ran',
    )
  })

  test('wipe: a node loses its disk, comes back empty and rejoins; a dvv run loses no acknowledged write', async ({ assert, cleanup }) => {
    const options = await shortRunOptions(cleanup, { nemeses: ['wipe'], timeS: 9 })
    const result = await runWorkload(options)
    assert.isTrue(result.completed, result.error)
    const history = readHistory(result.history)
    const wipes = windows(nemesisEventsOf(history), 'wipe')
    assert.isAtLeast(wipes.length, 1)
    for (const w of wipes) assert.notProperty(w.start.value, 'failures', JSON.stringify(w.start.value))
    const ops = opsOf(history)
    // Writes the wiped node coordinated after it came back are under a new incarnation.
    const [first] = wipes
    const [target] = first.start.value.targets as string[]
    const actors = (phase: (op: OpRecord) => boolean): Set<string> =>
      new Set(
        ops
          .filter((op) => op.f === 'put' && op.type === 'ok' && op.dot?.node.startsWith(`${target}.`) && phase(op))
          .map((op) => op.dot!.node),
      )
    const before = actors((op) => op.complete < first.start.invoke)
    const after = actors((op) => op.invoke > first.stop.complete)
    if (before.size > 0 && after.size > 0)
      assert.isTrue(
        [...after].every((actor) => !before.has(actor)),
        'a new incarnation',
      )
    const analysis = await analyseHistory(result.history)
    assert.isTrue(analysis.lostWrites.check.checked > 0)
    assert.equal(analysis.lostWrites.check.violations, 0, JSON.stringify(analysis.lostWrites.check.examples.slice(0, 2)))
    assert.equal(analysis.convergence.check.violations, 0)
  })

  test('partition (strict): writes on the minority side fail, the majority keeps writing', async ({ assert, cleanup }) => {
    const options = await shortRunOptions(cleanup, {
      nemeses: ['partition'],
      nemesis: { ...(await shortRunOptions(cleanup)).nemesis, partition: 'isolate' },
      store: quorumlabAdapter({ settings: { ...SHORT_RUN_SETTINGS, strict: true } }),
      timeS: 6,
    })
    const result = await runWorkload(options)
    assert.isTrue(result.completed, result.error)
    const history = readHistory(result.history)
    const ops = opsOf(history)
    for (const w of windows(nemesisEventsOf(history), 'partition')) {
      const [[alone], majority] = w.start.value.groups as string[][]
      const writes = ops.filter((op) => op.f === 'put' && during(op, w))
      const minority = writes.filter((op) => op.node === alone)
      assert.isAbove(minority.length, 0)
      for (const op of minority) assert.notEqual(op.type, 'ok', `write ${op.index} on isolated ${alone}`)
      assert.isTrue(
        writes.some((op) => majority.includes(op.node) && op.type === 'ok'),
        'the majority side accepts writes',
      )
    }
  })

  test('latency: latencies rise by about the injected amount', async ({ assert, cleanup }) => {
    const base = await shortRunOptions(cleanup)
    const options = { ...base, nemeses: ['latency' as const], nemesis: { ...base.nemesis, latencyMs: 150, jitterMs: 0 }, timeS: 8 }
    const result = await runWorkload(options)
    assert.isTrue(result.completed, result.error)
    const history = readHistory(result.history)
    const ops = opsOf(history).filter((op) => op.type === 'ok' && op.f === 'put')
    const faulty = windows(nemesisEventsOf(history), 'latency')
    const inFault = ops.filter((op) => faulty.some((w) => during(op, w))).map((op) => (op.complete - op.invoke) / 1000)
    const calm = ops.filter((op) => op.phase === 'heal' || op.phase === 'warmup').map((op) => (op.complete - op.invoke) / 1000)
    const rise = median(inFault) - median(calm)
    // A W=2 write waits for one replica round trip, whose response is delayed by 150 ms.
    assert.isAbove(rise, 150 * 0.8, `median write latency rose by ${rise.toFixed(1)} ms`)
    assert.isBelow(rise, 150 * 1.6 + 30, `median write latency rose by ${rise.toFixed(1)} ms`)
  })

  test('drop: the rate achieved is the rate asked, with a crashed node and a short replica timeout', async ({ assert, cleanup }) => {
    // Calls to the crashed node fail whatever the drop does, and a 150 ms replica timeout on
    // a busy machine gives up on answers that did arrive: neither may count as a lost message.
    const base = await shortRunOptions(cleanup)
    const options = {
      ...base,
      store: quorumlabAdapter({ settings: { ...SHORT_RUN_SETTINGS, replicaTimeoutMs: 150 } }),
      nemeses: ['crash' as const, 'drop' as const],
      nemesisSchedule: 'together' as const,
      nemesis: { ...base.nemesis, dropProbability: 0.2 },
      timeS: 8,
      nemesisIntervalS: 4,
      rate: 150,
    }
    const result = await runWorkload(options)
    assert.isTrue(result.completed, result.error)
    const stops = nemesisEventsOf(readHistory(result.history)).filter((e) => e.nemesis === 'drop' && e.f === 'stop' && e.value.messages)
    assert.isAtLeast(stops.length, 1)
    const messages = stops.reduce((n, e) => n + (e.value.messages as number), 0)
    const dropped = stops.reduce((n, e) => n + (e.value.dropped as number), 0)
    assert.isAbove(messages, 200)
    assert.closeTo(dropped / messages, 0.2, 0.05, `achieved ${dropped}/${messages}`)
    for (const stop of stops) {
      assert.equal(stop.value.probability, 0.2, 'the stop event records the rate asked')
      assert.lengthOf(stop.value.leftOut as string[], 1, 'the links of the crashed node are left out')
    }
  }).timeout(90_000)

  test('pause: ops to the paused node do not succeed during the fault', async ({ assert, cleanup }) => {
    const options = await shortRunOptions(cleanup, { nemeses: ['pause'], timeS: 6, requestTimeoutMs: 800 })
    const result = await runWorkload(options)
    assert.isTrue(result.completed, result.error)
    const history = readHistory(result.history)
    const ops = opsOf(history)
    for (const w of windows(nemesisEventsOf(history), 'pause')) {
      const [target] = w.start.value.targets as string[]
      const stuck = ops.filter((op) => op.node === target && during(op, w) && op.phase !== 'final')
      assert.isAbove(stuck.length, 0)
      for (const op of stuck) {
        assert.notEqual(op.type, 'ok')
        assert.equal(op.error, 'timeout')
      }
    }
  })

  test('clock: a node stamped ahead makes lww drop later acknowledged writes', async ({ assert, cleanup }) => {
    const base = await shortRunOptions(cleanup)
    const options = {
      ...base,
      workload: { ...PRESETS.clustered, keys: 4, writeStyle: 'blind' as const },
      store: quorumlabAdapter({ settings: { ...SHORT_RUN_SETTINGS, versioning: 'lww' } }),
      nemeses: ['clock' as const],
      nemesis: { ...base.nemesis, clockSkewMs: 60_000 },
      timeS: 4,
      nemesisIntervalS: 2,
    }
    const result = await runWorkload(options)
    assert.isTrue(result.completed, result.error)
    const history = readHistory(result.history)
    const [start] = nemesisEventsOf(history).filter((e) => e.nemesis === 'clock' && e.f === 'start')
    const [target] = start.value.targets as string[]
    const skew = (start.value.details as Record<string, { skewMs: number }>)[target].skewMs
    assert.equal(Math.abs(skew), 60_000)
    const ops = opsOf(history)
    // Per key: the last acknowledged write in real time, and what the final reads show.
    const keys = [...new Set(ops.filter((op) => op.f === 'put').map((op) => op.key))]
    let anomalies = 0
    for (const key of keys) {
      const writes = ops.filter((op) => op.key === key && op.f === 'put' && op.type === 'ok')
      const finals = ops.filter((op) => op.key === key && op.phase === 'final' && op.type === 'ok')
      const shown = new Set(finals.flatMap((op) => op.value as unknown[]))
      const acked = writes.map((op) => op.value)
      // Writes acknowledged but shown by no final read were dropped by a timestamp.
      anomalies += acked.filter((v) => !shown.has(v)).length
    }
    assert.isAbove(anomalies, 0, 'lww with a skewed clock drops acknowledged writes')
  })
})

test.group('run determinism', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('the same seed gives the same op sequence', async ({ assert, cleanup }) => {
    const sequence = async (seed: number): Promise<string[][]> => {
      const result = await runWorkload(await shortRunOptions(cleanup, { seed, timeS: 2, warmupS: 0, rate: 100, convergenceTimeoutS: 0 }))
      assert.isTrue(result.completed, result.error)
      const ops = opsOf(readHistory(result.history)).filter((op) => op.phase !== 'final' && !op.resolution)
      return Array.from({ length: 5 }, (_, p) =>
        ops
          .filter((op) => op.process === p)
          .sort((a, b) => a.intended - b.intended)
          .map((op) => `${op.f} ${op.key} ${op.node} ${op.intended}`),
      )
    }
    const [a, b, c] = [await sequence(7), await sequence(7), await sequence(8)]
    for (let p = 0; p < 5; p++) {
      const common = Math.min(a[p].length, b[p].length)
      assert.isAbove(common, 10)
      assert.deepEqual(a[p].slice(0, common).map(stripTime), b[p].slice(0, common).map(stripTime), `process ${p}`)
    }
    assert.notDeepEqual(a[0].slice(0, 10).map(stripTime), c[0].slice(0, 10).map(stripTime))
  })
})

const stripTime = (line: string): string => line.split(' ').slice(0, 3).join(' ')
