/**
 * Latency distributions for the PBS predictor, in milliseconds: what one WARS leg (write,
 * ack, read, response) takes. Each is a plain value (a discriminated union) so a run can
 * store and print it; `sampler` turns one into a fast draw function over a seeded stream.
 * Every distribution is on [0, ∞): a message cannot arrive before it is sent.
 */
import type { Random } from '../../common/helpers/random.ts'

/** One weighted part of a mixture; the weights of a mixture sum to 1. */
export type MixturePart = { weight: number; distribution: Distribution }

export type Distribution =
  /** Always `ms`. */
  | { kind: 'const'; ms: number }
  /** Uniform on [lowMs, highMs]. */
  | { kind: 'uniform'; lowMs: number; highMs: number }
  /** Exponential with rate `rate` per ms (mean 1/rate ms), as the PBS paper writes it. */
  | { kind: 'exp'; rate: number }
  /** Pareto with scale `scaleMs` (the minimum, xm) and shape `shape` (α). */
  | { kind: 'pareto'; scaleMs: number; shape: number }
  /** exp(N(mu, sigma²)) ms: `mu` and `sigma` are of the logarithm of the latency in ms. */
  | { kind: 'lognormal'; mu: number; sigma: number }
  /** Draws uniformly from observed latencies, ms (a bootstrap of a measured sample). */
  | { kind: 'empirical'; samplesMs: Float64Array; label: string }
  /** Draws a part with probability its weight, then from that part. */
  | { kind: 'mixture'; parts: MixturePart[] }

/** A parameter out of its range; the message names the parameter and the value. */
export class DistributionRangeError extends RangeError {}

const check = (ok: boolean, message: string) => {
  if (!ok) throw new DistributionRangeError(message)
}
const finite = (x: number) => Number.isFinite(x)

export function constant(ms: number): Distribution {
  check(finite(ms) && ms >= 0, `const latency must be a number >= 0 ms, got ${ms}`)
  return { kind: 'const', ms }
}

export function uniform(lowMs: number, highMs: number): Distribution {
  check(finite(lowMs) && lowMs >= 0, `uniform low bound a must be >= 0 ms, got ${lowMs}`)
  check(finite(highMs) && highMs >= lowMs, `uniform high bound b must be >= a (${lowMs}), got ${highMs}`)
  return { kind: 'uniform', lowMs, highMs }
}

/** `rate` is λ per ms: the mean is 1/λ ms (exp(0.1) has a mean of 10 ms). */
export function exponential(rate: number): Distribution {
  check(finite(rate) && rate > 0, `exp rate λ must be > 0 per ms (the mean is 1/λ), got ${rate}`)
  return { kind: 'exp', rate }
}

export function pareto(scaleMs: number, shape: number): Distribution {
  check(finite(scaleMs) && scaleMs > 0, `pareto scale xm must be > 0 ms, got ${scaleMs}`)
  check(finite(shape) && shape > 0, `pareto shape α must be > 0, got ${shape}`)
  return { kind: 'pareto', scaleMs, shape }
}

export function lognormal(mu: number, sigma: number): Distribution {
  check(finite(mu), `lognormal μ must be a finite number, got ${mu}`)
  check(finite(sigma) && sigma >= 0, `lognormal σ must be >= 0, got ${sigma}`)
  return { kind: 'lognormal', mu, sigma }
}

/** Observed latencies, ms; `label` says where they came from (a file, a run's leg). */
export function empirical(samplesMs: ArrayLike<number>, label = 'samples'): Distribution {
  check(samplesMs.length > 0, `empirical ${label}: no samples`)
  const copy = Float64Array.from(samplesMs)
  for (let i = 0; i < copy.length; i++) {
    check(finite(copy[i]) && copy[i] >= 0, `empirical ${label}: sample ${i + 1} is ${copy[i]}, expected a number >= 0 ms`)
  }
  return { kind: 'empirical', samplesMs: copy, label }
}

/** How far the weights of a mixture may sum from 1 (rounding in decimal weights). */
const WEIGHT_TOLERANCE = 1e-6

/**
 * Weights must be > 0 and sum to 1 (within 1e-6): a weight that does not fit is more
 * likely a typo than a wish to be normalized, so it is refused, not rescaled. The
 * rounding left within the tolerance is divided out.
 */
export function mixture(parts: readonly MixturePart[]): Distribution {
  check(parts.length > 0, 'a mixture needs at least one part')
  for (const [i, part] of parts.entries()) {
    check(finite(part.weight) && part.weight > 0, `mixture weight ${i + 1} must be > 0, got ${part.weight}`)
  }
  const sum = parts.reduce((s, p) => s + p.weight, 0)
  check(Math.abs(sum - 1) <= WEIGHT_TOLERANCE, `mixture weights must sum to 1, they sum to ${Number(sum.toPrecision(12))}`)
  return { kind: 'mixture', parts: parts.map((p) => ({ weight: p.weight / sum, distribution: p.distribution })) }
}

/** The mean in ms; Infinity for a Pareto with α <= 1. */
export function meanMs(d: Distribution): number {
  switch (d.kind) {
    case 'const':
      return d.ms
    case 'uniform':
      return (d.lowMs + d.highMs) / 2
    case 'exp':
      return 1 / d.rate
    case 'pareto':
      return d.shape > 1 ? (d.shape * d.scaleMs) / (d.shape - 1) : Number.POSITIVE_INFINITY
    case 'lognormal':
      return Math.exp(d.mu + (d.sigma * d.sigma) / 2)
    case 'empirical': {
      let sum = 0
      for (const x of d.samplesMs) sum += x
      return sum / d.samplesMs.length
    }
    case 'mixture':
      return d.parts.reduce((s, p) => s + p.weight * meanMs(p.distribution), 0)
  }
}

/** A draw function, ms. Built once per distribution so the Monte Carlo loop does no dispatch. */
export type Sampler = (random: Random) => number

export function sampler(d: Distribution): Sampler {
  switch (d.kind) {
    case 'const': {
      const { ms } = d
      return () => ms
    }
    case 'uniform': {
      const { lowMs, highMs } = d
      const width = highMs - lowMs
      return (random) => lowMs + width * random.float()
    }
    case 'exp': {
      const mean = 1 / d.rate
      return (random) => -Math.log(1 - random.float()) * mean
    }
    case 'pareto': {
      // Inverse CDF: xm / U^(1/α) with U = 1 - float() in (0, 1], written as xm·e^(-ln U / α):
      // V8's exp and log together beat its pow.
      const { scaleMs } = d
      const inverseShape = 1 / d.shape
      return (random) => scaleMs * Math.exp(-Math.log(1 - random.float()) * inverseShape)
    }
    case 'lognormal': {
      const { mu, sigma } = d
      // Box-Muller: one standard normal from two uniforms.
      return (random) => Math.exp(mu + sigma * Math.sqrt(-2 * Math.log(1 - random.float())) * Math.cos(2 * Math.PI * random.float()))
    }
    case 'empirical': {
      const { samplesMs } = d
      const n = samplesMs.length
      return (random) => samplesMs[Math.floor(random.float() * n)]
    }
    case 'mixture':
      return mixtureSampler(d.parts)
  }
}

function mixtureSampler(parts: readonly MixturePart[]): Sampler {
  const samplers = parts.map((p) => sampler(p.distribution))
  const cumulative = new Float64Array(parts.length)
  let sum = 0
  for (const [i, part] of parts.entries()) cumulative[i] = sum += part.weight
  const last = parts.length - 1
  return (random) => {
    const u = random.float()
    let i = 0
    while (i < last && u >= cumulative[i]) i++
    return samplers[i](random)
  }
}

/** The distribution in the syntax the parser reads (an empirical one by its label and size). */
export function describe(d: Distribution): string {
  switch (d.kind) {
    case 'const':
      return `const(${d.ms})`
    case 'uniform':
      return `uniform(${d.lowMs},${d.highMs})`
    case 'exp':
      return `exp(${d.rate})`
    case 'pareto':
      return `pareto(${d.scaleMs},${d.shape})`
    case 'lognormal':
      return `lognormal(${d.mu},${d.sigma})`
    case 'empirical':
      return `empirical(${d.label}) [${d.samplesMs.length} samples]`
    case 'mixture':
      return d.parts.map((p) => `${describe(p.distribution)}*${Number(p.weight.toPrecision(12))}`).join('+')
  }
}
