/**
 * Key distributions: which of K keys the next op touches. Ranks are 0-based; rank 0 is
 * the hottest key where there is one.
 */
import type { Random } from '../common/helpers/random.ts'

export type KeyDistribution =
  | { type: 'uniform' }
  /** Zipfian as in YCSB: P(rank i) proportional to 1 / (i + 1)^theta. */
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

/**
 * Exact zipfian sampling by inverse CDF: the cumulative probabilities of the K ranks
 * (8 bytes per key), then a binary search per draw. YCSB's Gray et al. shortcut is O(1)
 * but off by 10-15% beyond the two hottest ranks, which would skew the very comparison
 * this workload exists for.
 */
function zipfianSampler(keys: number, theta: number): KeySampler {
  const cdf = new Float64Array(keys)
  let sum = 0
  for (let i = 0; i < keys; i++) cdf[i] = sum += 1 / (i + 1) ** theta
  for (let i = 0; i < keys; i++) cdf[i] /= sum
  return (rng) => {
    const u = rng.float()
    let lo = 0
    let hi = keys - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid] <= u) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
