/**
 * One PBS prediction for a configuration, as plain data: t-visibility at each t, the t by
 * which 99% and 99.9% of reads see a write, and k-staleness at each k. What `quorumlab
 * predict` prints, and what a run's report will put beside what it observed.
 */
import { describe } from './distribution.ts'
import type { Probability } from './interval.ts'
import { quorumsIntersect } from './quorum.ts'
import { type KStaleness, type SimulationOptions, simulateKStaleness, simulateVisibility, type VisibleAfter } from './wars.ts'

export type PredictOptions = SimulationOptions & {
  /** Read start times after the write's commit, ms (>= 0). */
  tMs: readonly number[]
  /** Version counts for k-staleness (>= 1); empty for none. */
  k: readonly number[]
  /** Fractions of reads for `visibleAfter` (default 0.99 and 0.999). */
  quantiles?: readonly number[]
}

export type Prediction = {
  model: 'WARS'
  n: number
  r: number
  w: number
  trials: number
  seed: number
  /** Each leg's distribution in the parser's syntax. */
  latencies: { write: string; ack: string; read: string; response: string }
  /** How sampled probabilities' intervals are computed. */
  interval: 'Wilson score, 95%'
  /** R + W > N: every figure is exactly 1 (t = 0 for `visibleAfter`), not sampled. */
  quorumsIntersect: boolean
  visibility: { tMs: number; probability: Probability }[]
  visibleAfter: VisibleAfter[]
  kStaleness: KStaleness[]
}

export function predict(options: PredictOptions): Prediction {
  const visibility = simulateVisibility(options)
  const { latencies } = options
  return {
    model: 'WARS',
    n: options.n,
    r: options.r,
    w: options.w,
    trials: options.trials,
    seed: options.seed,
    latencies: {
      write: describe(latencies.write),
      ack: describe(latencies.ack),
      read: describe(latencies.read),
      response: describe(latencies.response),
    },
    interval: 'Wilson score, 95%',
    quorumsIntersect: quorumsIntersect(options),
    visibility: options.tMs.map((tMs) => ({ tMs, probability: visibility.probabilityAt(tMs) })),
    visibleAfter: (options.quantiles ?? [0.99, 0.999]).map((q) => visibility.visibleAfter(q)),
    kStaleness: options.k.length > 0 ? simulateKStaleness({ ...options, tMs: [0] }) : [],
  }
}
