/**
 * Seeded randomness for everything a run decides (ops, keys, values, arrival times,
 * nemesis targets), so the same seed gives the same run. Independent streams are
 * forked by label, so adding draws to one stream never shifts another.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import { uniformInt } from 'pure-rand/distribution/uniformInt'
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus'
import { createHash } from 'node:crypto'

type Generator = ReturnType<typeof xoroshiro128plusFromState>

/** 128 bits of state from a hash of the seed and label: small seeds otherwise start badly. */
const stateFor = (text: string): number[] => {
  const digest = createHash('sha256').update(text).digest()
  return [0, 4, 8, 12].map((at) => digest.readInt32LE(at))
}

export class Random {
  readonly seed: number
  #label: string
  #rng: Generator

  constructor(seed: number, label = '') {
    this.seed = seed
    this.#label = label
    this.#rng = xoroshiro128plusFromState(stateFor(`${seed}/${label}`))
  }

  /** An independent stream for `label`, the same for the same seed and label. */
  fork(label: string | number): Random {
    return new Random(this.seed, `${this.#label}/${label}`)
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.#rng)
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.#rng, min, max)
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('cannot pick from an empty list')
    return items[this.int(0, items.length - 1)]
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items]
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i)
      ;[out[i], out[j]] = [out[j], out[i]]
    }
    return out
  }

  /** Exponentially distributed with the given mean (Poisson inter-arrival times). */
  exponential(mean: number): number {
    return -Math.log(1 - this.float()) * mean
  }
}

/** A fresh seed for a run that was not given one. */
export const randomSeed = (): number => Math.floor(Math.random() * 2 ** 31)
