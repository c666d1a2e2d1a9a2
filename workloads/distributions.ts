/**
 * Key distributions: which of K keys the next op touches. Ranks are 0-based; rank 0 is
 * the hottest key where there is one.
 */
import type { Random } from './random.ts'

export type KeyDistribution =
  | { type: 'uniform' }
  /** YCSB's zipfian: P(rank i) proportional to 1 / (i + 1)^theta. */
  | { type: 'zipfian'; theta: number }
  /** `hotOpFraction` of the ops go to the first `hotKeyFraction` of the keys. */
  | { type: 'hotspot'; hotKeyFraction: number; hotOpFraction: number }

export type KeySampler = (rng: Random) => number

export function keySampler(distribution: KeyDistribution, keys: number): KeySampler {
  switch (distribution.type) {
    case 'uniform':
      return (rng) => rng.int(0, keys - 1)
    case 'zipfian':
      return zipfianSampler(keys, distribution.theta)
    case 'hotspot': {
      const hot = Math.max(1, Math.min(keys, Math.round(distribution.hotKeyFraction * keys)))
      return (rng) => {
        if (hot === keys || rng.float() < distribution.hotOpFraction) return rng.int(0, hot - 1)
        return rng.int(hot, keys - 1)
      }
    }
  }
}

/** The generalized harmonic number H(n, theta) = sum over i in 1..n of 1 / i^theta. */
export function zeta(n: number, theta: number): number {
  let sum = 0
  for (let i = 1; i <= n; i++) sum += 1 / i ** theta
  return sum
}

/**
 * Gray et al.'s algorithm ("Quickly generating billion-record synthetic databases"), as
 * YCSB's ZipfianGenerator uses it: one uniform draw per sample, O(1) after setup.
 */
function zipfianSampler(keys: number, theta: number): KeySampler {
  if (keys === 1) return () => 0
  const zetan = zeta(keys, theta)
  const zeta2 = zeta(2, theta)
  const alpha = 1 / (1 - theta)
  const eta = (1 - (2 / keys) ** (1 - theta)) / (1 - zeta2 / zetan)
  return (rng) => {
    const u = rng.float()
    const uz = u * zetan
    if (uz < 1) return 0
    if (uz < 1 + 0.5 ** theta) return 1
    return Math.min(keys - 1, Math.floor(keys * (eta * u - eta + 1) ** alpha))
  }
}
