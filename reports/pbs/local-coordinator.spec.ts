/**
 * The WARS Monte Carlo with coordinators that are replicas (the reference store's case)
 * against hand-worked answers: the write's coordinator holds it at once, and a read
 * coordinated there sees it at once; one coordinated elsewhere waits for the write leg.
 */
import { test } from '@japa/runner'
import { constant, type Distribution, exponential, type Probability, simulateVisibility, type WarsLatencies } from './index.ts'

const writeOnly = (d: Distribution): WarsLatencies => ({ write: d, ack: constant(0), read: constant(0), response: constant(0) })

function sampled(p: Probability) {
  if (p.kind !== 'sampled') throw new Error(`expected a sampled probability, got ${JSON.stringify(p)}`)
  return p
}

test.group('pbs WARS with local coordinators', () => {
  test('N=3 R=W=1, write leg const(10): P = s before 10 ms (the read on the write coordinator), 1 from 10 ms', ({ assert }) => {
    const s = 1 / 3
    const visibility = simulateVisibility({
      n: 3,
      r: 1,
      w: 1,
      latencies: writeOnly(constant(10)),
      trials: 50_000,
      seed: 5,
      localCoordinator: { sameCoordinator: s },
    })
    for (const t of [0, 5, 9.9]) {
      const p = sampled(visibility.probabilityAt(t))
      assert.isAtMost(p.low, s)
      assert.isAtLeast(p.high, s)
    }
    assert.equal(sampled(visibility.probabilityAt(10)).p, 1)
  })

  test('N=3 R=W=1, exponential write leg: P(t) = s + (1 - s)(1 - e^(-λt)) (s = {$self})')
    .with([0, 0.5, 1])
    .run(({ assert }, s) => {
      const rate = 0.05
      const visibility = simulateVisibility({
        n: 3,
        r: 1,
        w: 1,
        latencies: writeOnly(exponential(rate)),
        trials: 100_000,
        seed: 9,
        localCoordinator: { sameCoordinator: s },
      })
      for (const t of [0, 10, 40]) {
        const truth = s + (1 - s) * (1 - Math.exp(-rate * t))
        const p = visibility.probabilityAt(t)
        if (truth === 1) {
          assert.equal(sampled(p).p, 1)
          continue
        }
        assert.isAtMost(sampled(p).low, truth + 1e-12)
        assert.isAtLeast(sampled(p).high, truth - 1e-12)
      }
    })

  test('t measured at a client: the ack and read request legs shift the curve right by their sum', ({ assert }) => {
    const visibility = simulateVisibility({
      n: 3,
      r: 1,
      w: 1,
      latencies: writeOnly(constant(10)),
      trials: 1000,
      seed: 4,
      localCoordinator: { sameCoordinator: 0 },
      clientLegs: { ack: constant(3), request: constant(2) },
    })
    assert.equal(sampled(visibility.probabilityAt(4.9)).p, 0)
    assert.equal(sampled(visibility.probabilityAt(5)).p, 1)
  })

  test('a sameCoordinator outside [0, 1] is refused, naming it', ({ assert }) => {
    assert.throws(
      () =>
        simulateVisibility({
          n: 3,
          r: 1,
          w: 1,
          latencies: writeOnly(constant(1)),
          trials: 10,
          seed: 1,
          localCoordinator: { sameCoordinator: 2 },
        }),
      /sameCoordinator must be a probability from 0 to 1, got 2/,
    )
  })

  test("the write coordinator's own commit delays the write's commit: a read elsewhere waits only what the write leg exceeds it by", ({
    assert,
  }) => {
    // Write leg const(10), reads always on another replica (sameCoordinator 0): without a commit
    // time the read sees the write from t = 10 ms; with the coordinator's own commit taking 4 ms,
    // the write commits at 4 ms and the read sees it from t = 6 ms.
    const at = (commit?: Distribution) =>
      simulateVisibility({
        n: 3,
        r: 1,
        w: 1,
        latencies: writeOnly(constant(10)),
        trials: 2000,
        seed: 3,
        localCoordinator: { sameCoordinator: 0, commit },
      })
    assert.equal(sampled(at().probabilityAt(9.9)).p, 0)
    assert.equal(sampled(at().probabilityAt(10)).p, 1)
    assert.equal(sampled(at(constant(4)).probabilityAt(5.9)).p, 0)
    assert.equal(sampled(at(constant(4)).probabilityAt(6)).p, 1)
  })
})
