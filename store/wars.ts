/**
 * What this node timed of the WARS legs (PBS) of the replica calls it coordinated for
 * client reads and writes: a bounded reservoir per leg (Vitter's algorithm R), so a node
 * keeps a uniform sample of a run of any length in fixed memory. Served at `/admin/wars`.
 */
import { type NodeWarsSnapshot, WARS_LEGS, type WarsLeg, type WarsSample, monotonicMs } from '../common/contracts/wars.ts'
import { Random } from '../common/helpers/random.ts'

/** Samples kept per leg by default: ±1.5% on a quantile's rank, 4 × 32 KiB of memory. */
const DEFAULT_CAPACITY = 2048

class Reservoir {
  readonly #capacity: number
  readonly #random: Random
  readonly samples: WarsSample[] = []
  seen = 0

  constructor(capacity: number, random: Random) {
    this.#capacity = capacity
    this.#random = random
  }

  add(sample: WarsSample): void {
    this.seen += 1
    if (this.samples.length < this.#capacity) {
      this.samples.push(sample)
      return
    }
    const slot = this.#random.int(0, this.seen - 1)
    if (slot < this.#capacity) this.samples[slot] = sample
  }
}

export type WarsRecorderOptions = {
  node: string
  /** Samples kept per leg (default 2048). */
  capacity?: number
  /** Which samples are kept once the reservoir is full: the same seed keeps the same ones. */
  seed?: number
}

export class WarsRecorder {
  readonly #node: string
  readonly #legs: Record<WarsLeg, Reservoir>
  readonly #commit: Reservoir

  constructor({ node, capacity = DEFAULT_CAPACITY, seed = 1 }: WarsRecorderOptions) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`WARS capacity must be an integer >= 1, got ${capacity}`)
    this.#node = node
    const random = new Random(seed, `wars/${node}`)
    this.#legs = Object.fromEntries(WARS_LEGS.map((leg) => [leg, new Reservoir(capacity, random.fork(leg))])) as Record<WarsLeg, Reservoir>
    this.#commit = new Reservoir(capacity, random.fork('commit'))
  }

  /**
   * One replica call of a client read (`read`) or write: sent at `sentMs` by this node,
   * applied by the replica at `appliedMs`, its answer back here at `answeredMs` (all on
   * the host's monotonic clock, ms). Records the two legs; a negative one (clocks of two
   * hosts) is dropped rather than clamped.
   */
  call(kind: 'read' | 'write', sentMs: number, appliedMs: number, answeredMs: number): void {
    const [out, back]: [WarsLeg, WarsLeg] = kind === 'write' ? ['write', 'ack'] : ['read', 'response']
    const there = appliedMs - sentMs
    const home = answeredMs - appliedMs
    if (!(there >= 0 && home >= 0)) return
    this.#legs[out].add([sentMs, there])
    this.#legs[back].add([appliedMs, home])
  }

  /** This node's own commit of a client write it coordinated: applied at `appliedMs`, on disk at `durableMs` (monotonic, ms). */
  commit(appliedMs: number, durableMs: number): void {
    if (durableMs >= appliedMs) this.#commit.add([appliedMs, durableMs - appliedMs])
  }

  snapshot(): NodeWarsSnapshot {
    const legs = Object.fromEntries(
      WARS_LEGS.map((leg) => [leg, { seen: this.#legs[leg].seen, samples: this.#legs[leg].samples.map(([at, ms]) => [at, ms]) }]),
    ) as NodeWarsSnapshot['legs']
    const commit = { seen: this.#commit.seen, samples: this.#commit.samples.map(([at, ms]): WarsSample => [at, ms]) }
    return { node: this.#node, nowMs: monotonicMs(), legs, commit }
  }
}
