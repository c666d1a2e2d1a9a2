/**
 * The WARS Monte Carlo against what can be worked out by hand: constant latencies, one
 * exponential or uniform leg on two replicas, W = N and R + W > N (sampled, to check the
 * exact shortcut), the k-staleness closed form, and intervals that shrink as 1/sqrt(trials)
 * and cover the true value 95% of the time.
 */
import { test } from '@japa/runner'
import {
  constant,
  type Distribution,
  exponential,
  INTERSECTING_QUORUMS,
  type Probability,
  pareto,
  parseDistribution,
  simulateKStaleness,
  simulateVisibility,
  TVisibility,
  uniform,
  type WarsLatencies,
} from './index.ts'
import { sampleThresholds } from './wars.ts'

const PAPER_MIX = parseDistribution('pareto(1.5,3)*0.95+exp(0.02)*0.05')
const same = (d: Distribution): WarsLatencies => ({ write: d, ack: d, read: d, response: d })
/** Only the write leg varies; acks, requests and responses are instant. */
const writeOnly = (d: Distribution): WarsLatencies => ({ write: d, ack: constant(0), read: constant(0), response: constant(0) })

function sampled(p: Probability) {
  if (p.kind !== 'sampled') throw new Error(`expected a sampled probability, got ${JSON.stringify(p)}`)
  return p
}

test.group('pbs WARS Monte Carlo', () => {
  test('pooled simulations weigh each by its trials: 1000 trials visible from 0 ms and 3000 from 10 ms give 1/4 at 0 ms', ({ assert }) => {
    // The write's coordinator commits at once; the read goes to the other replica, which has the write after its W.
    const at = (writeMs: number, trials: number) =>
      simulateVisibility({
        n: 2,
        r: 1,
        w: 1,
        latencies: writeOnly(constant(writeMs)),
        localCoordinator: { sameCoordinator: 0, commit: constant(0) },
        trials,
        seed: 1,
      })
    const early = at(0, 1000)
    const late = at(10, 3000)
    assert.equal(sampled(early.probabilityAt(0)).p, 1)
    assert.equal(sampled(late.probabilityAt(0)).p, 0)
    const pooled = TVisibility.pooled([early, late])
    assert.equal(pooled.trials, 4000)
    assert.equal(sampled(pooled.probabilityAt(0)).p, 0.25)
    assert.equal(sampled(pooled.probabilityAt(10)).p, 1)
    const exact = simulateVisibility({ n: 3, r: 2, w: 2, latencies: same(constant(1)), trials: 10, seed: 1 })
    assert.isTrue(TVisibility.pooled([exact, exact]).exact)
    assert.throws(() => TVisibility.pooled([exact, early]), /cannot pool an exact simulation with sampled ones/)
  })

  test('constant latencies: every trial sees the write W + A + R after it was sent minus W (here 5 - 7 - 1 = -3 ms)', ({ assert }) => {
    const latencies = { write: constant(5), ack: constant(2), read: constant(1), response: constant(1) }
    const thresholds = sampleThresholds({ n: 3, r: 1, w: 1, latencies, trials: 1000, seed: 1 })
    assert.deepEqual([...new Set(thresholds)], [-3])
    // A read sent the instant the write commits, on links with no delay, reaches a replica that already has it.
    const edge = sampleThresholds({ n: 3, r: 1, w: 1, latencies: writeOnly(constant(10)), trials: 100, seed: 1 })
    assert.deepEqual([...new Set(edge)], [0])
    const p = sampled(simulateVisibility({ n: 3, r: 1, w: 1, latencies: writeOnly(constant(10)), trials: 100, seed: 1 }).probabilityAt(0))
    assert.equal(p.successes, 100)
  })

  test('two replicas, one exponential write leg: P(visible at t) = 1 - e^(-λt)/2 (t = {$self} ms)')
    .with([0, 5, 20])
    .run(({ assert }, t) => {
      const rate = 0.1
      const visibility = simulateVisibility({ n: 2, r: 1, w: 1, latencies: writeOnly(exponential(rate)), trials: 100_000, seed: 7 })
      const p = sampled(visibility.probabilityAt(t))
      const truth = 1 - Math.exp(-rate * t) / 2
      assert.isAtMost(p.low, truth)
      assert.isAtLeast(p.high, truth)
      assert.isBelow(p.high - p.low, 0.007)
    })

  test('two replicas, one uniform(0,10) write leg: P(visible at t) = 1 - (10-t)²/200', ({ assert }) => {
    const visibility = simulateVisibility({ n: 2, r: 1, w: 1, latencies: writeOnly(uniform(0, 10)), trials: 100_000, seed: 3 })
    for (const t of [0, 2.5, 5, 9]) {
      const p = sampled(visibility.probabilityAt(t))
      const truth = 1 - (10 - t) ** 2 / 200
      assert.isTrue(p.low <= truth && truth <= p.high, `t=${t}: ${truth} outside [${p.low}, ${p.high}]`)
    }
    assert.equal(sampled(visibility.probabilityAt(10)).p, 1)
  })

  test('the t at which 99% see the write: ln(50)/λ for the exponential case, inside its interval', ({ assert }) => {
    const rate = 0.1
    const visibility = simulateVisibility({ n: 2, r: 1, w: 1, latencies: writeOnly(exponential(rate)), trials: 100_000, seed: 11 })
    const after = visibility.visibleAfter(0.99)
    if (after.kind !== 'sampled') return assert.fail('sampled expected')
    const truth = Math.log(50) / rate
    assert.isTrue(after.lowMs <= truth && truth <= after.highMs, `${truth} outside [${after.lowMs}, ${after.highMs}]`)
    assert.isAtLeast(sampled(visibility.probabilityAt(after.tMs)).p, 0.99)
    // Half see it at once (the read hit the replica that took the write first).
    assert.deepInclude(visibility.visibleAfter(0.4), { tMs: 0 })
  })

  test('W = N, sampled: the write is on every replica when it commits, so every threshold is <= 0', ({ assert }) => {
    for (const r of [1, 2, 3]) {
      const thresholds = sampleThresholds({ n: 3, r, w: 3, latencies: same(PAPER_MIX), trials: 20_000, seed: r })
      assert.isAtMost(thresholds[thresholds.length - 1], 0, `R=${r}`)
    }
  })

  test('R + W > N: sampling never misses (pigeonhole), and the result is exactly 1 without sampling', ({ assert }) => {
    for (const [n, r, w] of [
      [3, 2, 2],
      [5, 3, 3],
      [5, 1, 5],
      [4, 2, 3],
    ]) {
      const thresholds = sampleThresholds({ n, r, w, latencies: same(PAPER_MIX), trials: 20_000, seed: n * 10 + r })
      assert.isAtMost(thresholds[thresholds.length - 1], 0, `N=${n} R=${r} W=${w}`)
      const visibility = simulateVisibility({ n, r, w, latencies: same(PAPER_MIX), trials: 20_000, seed: 1 })
      assert.isTrue(visibility.exact)
      assert.deepEqual(visibility.probabilityAt(0), { kind: 'exact', p: 1, reason: INTERSECTING_QUORUMS })
      assert.deepEqual(visibility.visibleAfter(0.999), { kind: 'exact', q: 0.999, tMs: 0, reason: INTERSECTING_QUORUMS })
    }
    // R + W = N is not enough: some reads miss.
    const tight = simulateVisibility({ n: 4, r: 2, w: 2, latencies: same(PAPER_MIX), trials: 20_000, seed: 1 })
    assert.isFalse(tight.exact)
    assert.isBelow(sampled(tight.probabilityAt(0)).p, 1)
  })

  test('t very large: every sampled read sees the write, even with a heavy tail', ({ assert }) => {
    const visibility = simulateVisibility({ n: 3, r: 1, w: 1, latencies: same(PAPER_MIX), trials: 100_000, seed: 5 })
    const p = sampled(visibility.probabilityAt(1e7))
    assert.equal(p.successes, p.trials)
    assert.isBelow(sampled(visibility.probabilityAt(0)).p, 0.96)
    const heavy = simulateVisibility({ n: 3, r: 1, w: 1, latencies: same(pareto(1, 1.5)), trials: 20_000, seed: 5 })
    assert.equal(sampled(heavy.probabilityAt(1e12)).p, 1)
  })

  test('interval width shrinks like 1/sqrt(trials), and the estimate closes in on the truth', ({ assert }) => {
    const rate = 0.1
    const truth = 1 - Math.exp(-rate * 5) / 2
    const widths: number[] = []
    for (const trials of [1_000, 10_000, 100_000, 1_000_000]) {
      const p = sampled(simulateVisibility({ n: 2, r: 1, w: 1, latencies: writeOnly(exponential(rate)), trials, seed: 2 }).probabilityAt(5))
      widths.push(p.high - p.low)
      // 4 standard errors: a fixed seed, but a wrong sampler would be far further off.
      assert.closeTo(p.p, truth, 4 * Math.sqrt((truth * (1 - truth)) / trials), `trials=${trials}`)
    }
    for (let i = 1; i < widths.length; i++) assert.closeTo(widths[i - 1] / widths[i], Math.sqrt(10), 0.3)
  })

  test('95% intervals cover the true probability in about 95% of 400 independent simulations', ({ assert }) => {
    const rate = 0.1
    const truth = 1 - Math.exp(-rate * 5) / 2
    let covered = 0
    for (let seed = 0; seed < 400; seed++) {
      const p = sampled(
        simulateVisibility({ n: 2, r: 1, w: 1, latencies: writeOnly(exponential(rate)), trials: 2_000, seed }).probabilityAt(5),
      )
      if (p.low <= truth && truth <= p.high) covered += 1
    }
    // Binomial(400, 0.95) lies in [364, 394] with probability > 99.9%.
    assert.isAtLeast(covered, 364)
    assert.isAtMost(covered, 394)
  })

  test('the same seed gives the same figures, another seed others', ({ assert }) => {
    const options = { n: 3, r: 1, w: 1, latencies: same(PAPER_MIX), trials: 5_000 }
    assert.deepEqual(sampleThresholds({ ...options, seed: 9 }), sampleThresholds({ ...options, seed: 9 }))
    assert.notDeepEqual(sampleThresholds({ ...options, seed: 9 }), sampleThresholds({ ...options, seed: 10 }))
  })

  test('bad options are refused with the value named', ({ assert }) => {
    const base = { n: 3, r: 1, w: 1, latencies: same(PAPER_MIX), trials: 100, seed: 1 }
    assert.throws(() => simulateVisibility({ ...base, r: 4 }), 'r must be an integer from 1 to n=3, got 4')
    assert.throws(() => simulateVisibility({ ...base, trials: 0 }), /trials must be an integer from 1 to/)
    assert.throws(() => simulateVisibility({ ...base, seed: 1.5 }), 'seed must be an integer, got 1.5')
    assert.throws(() => simulateVisibility(base).probabilityAt(-1), /t must be a number of ms >= 0 .* got -1/)
    assert.throws(() => simulateVisibility(base).visibleAfter(1), 'a quantile must be between 0 and 1, got 1')
    assert.throws(() => simulateKStaleness({ ...base, k: [0] }), /k must be an integer from 1 to 1000, got 0/)
    assert.throws(() => simulateKStaleness({ ...base, k: [1], tMs: [Number.NaN] }), /t must be a number of ms >= 0/)
  })
})

test.group('pbs k-staleness', () => {
  test('N=3, R=W=1: the Monte Carlo agrees with 1 - (2/3)^k within its interval, k = 1..3 ({name} latencies)')
    .with([
      { name: "the paper's mixture", latencies: same(PAPER_MIX) },
      // Every latency tied: only random tie-breaking keeps the write quorum uniform.
      { name: 'constant', latencies: same(constant(1)) },
    ])
    .run(({ assert }, { latencies }) => {
      const rows = simulateKStaleness({ n: 3, r: 1, w: 1, latencies, trials: 100_000, seed: 4, k: [1, 2, 3] })
      assert.deepEqual(
        rows.map((row) => row.k),
        [1, 2, 3],
      )
      for (const row of rows) {
        const truth = 1 - (2 / 3) ** row.k
        assert.closeTo(row.closedForm, truth, 1e-12)
        const p = sampled(row.nonExpanding)
        assert.isTrue(p.low <= truth && truth <= p.high, `k=${row.k}: ${truth} outside [${p.low}, ${p.high}]`)
      }
    })

  test('other partial quorums agree with C(N-W,R)/C(N,R) too: N={n} R={r} W={w}')
    .with([
      { n: 5, r: 2, w: 2 },
      { n: 5, r: 1, w: 3 },
      { n: 7, r: 3, w: 2 },
    ])
    .run(({ assert }, { n, r, w }) => {
      const rows = simulateKStaleness({ n, r, w, latencies: same(PAPER_MIX), trials: 50_000, seed: n + r + w, k: [1, 4] })
      for (const row of rows) {
        const p = sampled(row.nonExpanding)
        assert.isTrue(p.low <= row.closedForm && row.closedForm <= p.high, `k=${row.k}: ${row.closedForm} outside [${p.low}, ${p.high}]`)
      }
    })

  test('the non-expanding intervals cover the closed form in about 95% of 300 independent simulations', ({ assert }) => {
    const covered = [0, 0, 0]
    for (let seed = 0; seed < 300; seed++) {
      const rows = simulateKStaleness({ n: 3, r: 1, w: 1, latencies: same(PAPER_MIX), trials: 2_000, seed, k: [1, 2, 3] })
      for (const [i, row] of rows.entries()) {
        const p = sampled(row.nonExpanding)
        if (p.low <= row.closedForm && row.closedForm <= p.high) covered[i] += 1
      }
    }
    // Binomial(300, 0.95) lies in [271, 297] with probability > 99.9%.
    for (const count of covered) {
      assert.isAtLeast(count, 271)
      assert.isAtMost(count, 297)
    }
  })

  test('expanding quorums: k = 1 is t-visibility, more k and later t only help, and beat the non-expanding figure', ({ assert }) => {
    const options = { n: 3, r: 1, w: 1, latencies: same(PAPER_MIX), trials: 50_000 }
    const rows = simulateKStaleness({ ...options, seed: 1, k: [1, 2, 3], tMs: [0, 10] })
    const visibility = simulateVisibility({ ...options, seed: 2 })
    for (const t of [0, 10]) {
      const kt = sampled(rows[0].expanding.find((e) => e.tMs === t)!.probability)
      const tv = sampled(visibility.probabilityAt(t))
      assert.isTrue(kt.low <= tv.high && tv.low <= kt.high, `t=${t}: [${kt.low}, ${kt.high}] and [${tv.low}, ${tv.high}] apart`)
    }
    for (let i = 0; i < rows.length; i++) {
      const [at0, at10] = rows[i].expanding.map((e) => sampled(e.probability).p)
      assert.isAtLeast(at10, at0)
      assert.isAbove(at0, sampled(rows[i].nonExpanding).p)
      if (i > 0) assert.isAtLeast(at0, sampled(rows[i - 1].expanding[0].probability).p)
    }
  })

  test('R + W > N: every k-staleness figure is exactly 1', ({ assert }) => {
    const rows = simulateKStaleness({ n: 3, r: 2, w: 2, latencies: same(PAPER_MIX), trials: 1000, seed: 1, k: [1, 2] })
    for (const row of rows) {
      assert.equal(row.closedForm, 1)
      assert.deepEqual(row.nonExpanding, { kind: 'exact', p: 1, reason: INTERSECTING_QUORUMS })
      assert.deepEqual(row.expanding[0].probability, { kind: 'exact', p: 1, reason: INTERSECTING_QUORUMS })
    }
  })
})
