/**
 * Confidence intervals for Monte Carlo estimates, all at 95%: the Wilson score interval
 * for a proportion (it stays inside [0, 1] and is not degenerate at 0 or 1 successes,
 * where the normal interval collapses to a point), and the order-statistic interval for
 * a quantile of a sample (distribution-free).
 */

/** The two-sided 95% standard normal quantile. */
const Z95 = 1.959963984540054

/** A probability with its 95% interval: sampled (Wilson) or known exactly. */
export type Probability =
  | { kind: 'sampled'; p: number; low: number; high: number; successes: number; trials: number }
  /** Exactly this, not sampled; `reason` says why in words. */
  | { kind: 'exact'; p: number; reason: string }

/** `successes` of `trials` with its Wilson score interval at 95%. */
export function wilson(successes: number, trials: number): Probability {
  if (!(trials > 0) || successes < 0 || successes > trials)
    throw new RangeError(`need 0 <= successes <= trials, trials > 0: ${successes}/${trials}`)
  const p = successes / trials
  const z2 = Z95 * Z95
  const denominator = 1 + z2 / trials
  const centre = (p + z2 / (2 * trials)) / denominator
  const half = (Z95 * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator
  // Clamp the last bit of rounding: at 0 or all successes the bound is exactly 0 or 1.
  const low = successes === 0 ? 0 : Math.max(0, centre - half)
  const high = successes === trials ? 1 : Math.min(1, centre + half)
  return { kind: 'sampled', p, low, high, successes, trials }
}

/**
 * The q-quantile of an ascending sample and its 95% interval: the order statistics
 * whose ranks are nq ∓ z·sqrt(nq(1-q)) (the normal approximation of the binomial count
 * of samples below the true quantile). `value` is the smallest sample x with at least a
 * fraction q of the samples <= x.
 */
export function quantileInterval(sorted: Float64Array, q: number): { value: number; low: number; high: number } {
  const n = sorted.length
  if (n === 0) throw new RangeError('quantile of an empty sample')
  const at = (rank: number) => sorted[Math.min(n, Math.max(1, rank)) - 1]
  const spread = Z95 * Math.sqrt(n * q * (1 - q))
  // n·q in binary floating point can land a hair above an integer (1e5 × 0.99).
  return { value: at(Math.ceil(n * q - 1e-9)), low: at(Math.floor(n * q - spread)), high: at(Math.ceil(n * q + spread)) }
}
