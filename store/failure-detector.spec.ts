import { test } from '@japa/runner'
import { PhiAccrualDetector } from './failure-detector.ts'
import { Membership } from './membership.ts'

test.group('phi accrual failure detector', () => {
  test('regular heartbeats keep a peer up; silence makes it suspect, then down', ({ assert }) => {
    const detector = new PhiAccrualDetector({ threshold: 8, expectedIntervalMs: 100, now: 0 })
    for (let t = 100; t <= 2000; t += 100) detector.heartbeat(t)
    assert.equal(detector.state(2050), 'up')
    assert.closeTo(detector.phi(2100), Math.LOG10E, 0.01)
    // phi = silence / 100 ms * log10(e): suspect from 4 (~921 ms), down from 8 (~1842 ms).
    assert.equal(detector.state(2000 + 900), 'up')
    assert.equal(detector.state(2000 + 1000), 'suspect')
    assert.equal(detector.state(2000 + 1900), 'down')
    detector.heartbeat(4000)
    assert.equal(detector.state(4050), 'up')
  })

  test('a slower peer is given proportionally more time', ({ assert }) => {
    const detector = new PhiAccrualDetector({ threshold: 8, expectedIntervalMs: 100, now: 0 })
    for (let t = 1000; t <= 30_000; t += 1000) detector.heartbeat(t)
    assert.equal(detector.state(30_000 + 5000), 'up')
    assert.equal(detector.state(30_000 + 19_000), 'down')
  })

  test('a peer never heard from goes down after the same silence', ({ assert }) => {
    const detector = new PhiAccrualDetector({ threshold: 8, expectedIntervalMs: 100, now: 0 })
    assert.equal(detector.state(500), 'up')
    assert.equal(detector.state(5000), 'down')
  })
})

test.group('membership', () => {
  const make = (clock: { t: number }) =>
    new Membership({ self: 'n1', generation: 1, peers: ['n2', 'n3'], phiThreshold: 8, gossipIntervalMs: 100, now: () => clock.t })

  test('newer heartbeats count as arrivals, older and equal ones do not', ({ assert }) => {
    const clock = { t: 0 }
    const membership = make(clock)
    for (let i = 1; i <= 20; i++) {
      clock.t = i * 100
      membership.receive([{ node: 'n2', generation: 1, heartbeat: i }])
      membership.receive([{ node: 'n3', generation: 1, heartbeat: 1 }])
    }
    assert.equal(membership.state('n2'), 'up')
    assert.equal(membership.state('n3'), 'down')
    assert.isFalse(membership.isUp('n3'))
    assert.deepInclude(membership.view(), { node: 'n2', generation: 1, heartbeat: 20 })
  })

  test('a new generation resets the detector', ({ assert }) => {
    const clock = { t: 0 }
    const membership = make(clock)
    clock.t = 10_000
    assert.equal(membership.state('n2'), 'down')
    membership.receive([{ node: 'n2', generation: 2, heartbeat: 1 }])
    assert.equal(membership.state('n2'), 'up')
    membership.receive([{ node: 'n2', generation: 1, heartbeat: 99 }])
    assert.deepInclude(membership.view(), { node: 'n2', generation: 2, heartbeat: 1 })
  })

  test('tick beats our own heartbeat; forgiving silence brings peers back up', ({ assert }) => {
    const clock = { t: 0 }
    const membership = make(clock)
    membership.tick()
    membership.tick()
    assert.deepInclude(membership.view(), { node: 'n1', generation: 1, heartbeat: 2 })
    clock.t = 60_000
    assert.equal(membership.state('n2'), 'down')
    membership.forgiveSilence()
    assert.equal(membership.state('n2'), 'up')
    assert.equal(membership.members().find((m) => m.node === 'n1')?.state, 'self')
  })
})
