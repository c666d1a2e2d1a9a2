/**
 * Monte Carlo over the WARS model of the PBS paper (Bailis et al., VLDB 2012, section 4).
 *
 * A write's coordinator sends it to all N replicas; replica i receives it after W_i ms and
 * its acknowledgement takes A_i ms back. The write commits at the W-th smallest W_i + A_i.
 * A read starts t ms after the commit: its request reaches replica i after R_i ms and the
 * answer takes S_i ms back; the coordinator returns with the first R answers (smallest
 * R_i + S_i). The read sees the write when one of those R replicas had it when the request
 * arrived: W_i <= commit + t + R_i. Every W_i, A_i, R_i, S_i is an independent draw from
 * its leg's distribution.
 *
 * What the model cannot represent, so neither can this predictor:
 * - failures: no lost messages, crashes or partitions. Sloppy quorums differ from strict
 *   ones only when a home replica is unreachable (a stand-in takes the write and a hint),
 *   so in the model they coincide and hinted handoff never runs. Predictions are for calm
 *   periods; a sloppy quorum with R + W > N sees every write (the exact 1) only while no
 *   home replica is unreachable.
 * - read repair and anti-entropy, which only make later reads fresher;
 * - correlated latencies (one slow replica or link for every message, queueing under
 *   load): all N replicas
 *   draw from the same distributions, independently;
 * - concurrent writes: one write, then reads.
 *
 * Each trial gives the smallest t at which its read would see the write,
 * min over the first R responders of (W_i - commit - R_i), so one sorted array of trials
 * answers P(visible by t) for every t at once.
 */
import { Random } from '../../common/helpers/random.ts'
import { kStalenessClosedForm } from './closed-form.ts'
import { type Distribution, type Sampler, sampler } from './distribution.ts'
import { type Probability, quantileInterval, wilson } from './interval.ts'
import { checkQuorum, type Quorum, quorumsIntersect } from './quorum.ts'

/** The four WARS legs, each a one-way message latency in ms. */
export type WarsLatencies = {
  /** W: coordinator → replica, the write. */
  write: Distribution
  /** A: replica → coordinator, the write's acknowledgement. */
  ack: Distribution
  /** R: coordinator → replica, the read request. */
  read: Distribution
  /** S: replica → coordinator, the read's response. */
  response: Distribution
}

export type SimulationOptions = Quorum & {
  latencies: WarsLatencies
  /** Monte Carlo trials: the 95% interval of a probability is at most ±0.98/sqrt(trials) wide. */
  trials: number
  /** The same seed gives the same figures. */
  seed: number
  /**
   * Coordinators that are themselves replicas (the reference store, where any home replica
   * coordinates; Cassandra when the coordinator owns the key), instead of the paper's
   * remote coordinator: replica 0 coordinates the write, so it holds it at once (the legs
   * then time the calls to the others, sent once the coordinator has the write) and acks
   * once its own commit is on disk, after `commit` ms (at once when not given); the write
   * commits no sooner than that, however fast the others ack, as a coordinator that waits
   * for its own commit answers. The read's coordinator, replica 0 with probability
   * `sameCoordinator` and another replica otherwise, answers itself at once.
   */
  localCoordinator?: { sameCoordinator: number; commit?: Distribution }
  /**
   * t as a client measures it, from receiving the write's ack to sending the read, rather
   * than at the coordinators: the ack's trip to the client (`ack`) and the read's trip to
   * its coordinator (`request`) both happen after the commit, so the read starts there
   * that much later. Drawn once per trial, independently.
   */
  clientLegs?: { ack: Distribution; request: Distribution }
}

/** Why a figure is exactly 1 rather than sampled. */
export const INTERSECTING_QUORUMS = 'R + W > N: every read quorum overlaps the write quorum'

/** The t from which a fraction q of reads see the write: sampled with its 95% interval, or exactly 0. */
export type VisibleAfter =
  | { kind: 'sampled'; q: number; tMs: number; lowMs: number; highMs: number }
  | { kind: 'exact'; q: number; tMs: 0; reason: string }

/** t-visibility from one simulation: ask for as many t as needed, each costs a binary search. */
export class TVisibility {
  readonly trials: number
  /** Sorted per-trial thresholds, ms; undefined when the quorums intersect (exactly 1). */
  readonly #thresholds: Float64Array | undefined

  constructor(trials: number, thresholds: Float64Array | undefined) {
    this.trials = trials
    this.#thresholds = thresholds
  }

  /**
   * The mixture of several simulations (of the same quorums), each weighted by its trials:
   * e.g. one per stretch of a run, with trials in proportion to its reads.
   */
  static pooled(parts: readonly TVisibility[]): TVisibility {
    if (parts.length === 0) throw new RangeError('pooling needs at least one simulation')
    const trials = parts.reduce((sum, part) => sum + part.trials, 0)
    if (parts.some((part) => part.exact)) {
      if (!parts.every((part) => part.exact)) throw new RangeError('cannot pool an exact simulation with sampled ones')
      return new TVisibility(trials, undefined)
    }
    const thresholds = new Float64Array(trials)
    let at = 0
    for (const part of parts) {
      thresholds.set(part.#thresholds!, at)
      at += part.trials
    }
    return new TVisibility(trials, thresholds.sort())
  }

  /** True when P = 1 at every t by R + W > N, without sampling. */
  get exact(): boolean {
    return this.#thresholds === undefined
  }

  /** P(a read starting `tMs` ms after the write commits returns it or a newer version). */
  probabilityAt(tMs: number): Probability {
    checkTime(tMs)
    if (!this.#thresholds) return { kind: 'exact', p: 1, reason: INTERSECTING_QUORUMS }
    return wilson(countAtMost(this.#thresholds, tMs), this.trials)
  }

  /** The smallest t >= 0 ms at which P(visible) >= q (0 < q < 1). */
  visibleAfter(q: number): VisibleAfter {
    if (!(q > 0 && q < 1)) throw new RangeError(`a quantile must be between 0 and 1, got ${q}`)
    if (!this.#thresholds) return { kind: 'exact', q, tMs: 0, reason: INTERSECTING_QUORUMS }
    const { value, low, high } = quantileInterval(this.#thresholds, q)
    return { kind: 'sampled', q, tMs: Math.max(0, value), lowMs: Math.max(0, low), highMs: Math.max(0, high) }
  }
}

/** t-visibility under WARS (expanding quorums: every replica eventually gets the write). */
export function simulateVisibility(options: SimulationOptions): TVisibility {
  checkSimulation(options)
  return new TVisibility(options.trials, quorumsIntersect(options) ? undefined : sampleThresholds(options))
}

/**
 * Each trial's threshold (the smallest t, ms, at which its read sees the write), ascending.
 * Always sampled, even when R + W > N makes the answer certain: the tests check that the
 * sampling agrees with that shortcut.
 */
export function sampleThresholds(options: SimulationOptions): Float64Array {
  const { n, r, w, trials } = checkSimulation(options)
  const random = new Random(options.seed, 'pbs/t-visibility')
  const legs = samplers(options.latencies)
  const trial = new Scratch(n, options.localCoordinator)
  const thresholds = new Float64Array(trials)
  const client = options.clientLegs && { ack: sampler(options.clientLegs.ack), request: sampler(options.clientLegs.request) }
  for (let t = 0; t < trials; t++) {
    trial.drawRead(legs, random)
    const commit = trial.drawWrite(legs, random, w)
    thresholds[t] = trial.threshold(commit, r) - (client ? client.ack(random) + client.request(random) : 0)
  }
  return thresholds.sort()
}

/** k-staleness for one k: the closed form and two Monte Carlo figures. */
export type KStaleness = {
  k: number
  /** 1 - (C(N-W,R)/C(N,R))^k: exact for non-expanding quorums chosen uniformly at random. */
  closedForm: number
  /**
   * Monte Carlo of the same non-expanding model: version j is held only by the W replicas
   * whose acknowledgements committed it (ties broken at random); the read sees it if one
   * of its first R responders is among them. Agrees with `closedForm` within its interval.
   */
  nonExpanding: Probability
  /**
   * WARS with expanding quorums, the read starting `tMs` after the newest version commits,
   * and each of the k versions drawn as if it too had committed just `tMs` before the read.
   * Older versions had longer, so this is a lower bound of the store's k-staleness at t.
   */
  expanding: { tMs: number; probability: Probability }[]
}

export type KStalenessOptions = SimulationOptions & {
  /** The k to report (>= 1): P(the read returns one of the last k versions). */
  k: readonly number[]
  /** Read start times after the newest commit for the `expanding` figures, ms (default [0]). */
  tMs?: readonly number[]
}

export function simulateKStaleness(options: KStalenessOptions): KStaleness[] {
  const { n, r, w, trials } = checkSimulation(options)
  const tMs = options.tMs ?? [0]
  for (const t of tMs) checkTime(t)
  for (const k of options.k) {
    if (!Number.isSafeInteger(k) || k < 1 || k > MAX_K) throw new RangeError(`k must be an integer from 1 to ${MAX_K}, got ${k}`)
  }
  const ks = options.k
  if (quorumsIntersect(options)) {
    const exact: Probability = { kind: 'exact', p: 1, reason: INTERSECTING_QUORUMS }
    return ks.map((k) => ({ k, closedForm: 1, nonExpanding: exact, expanding: tMs.map((t) => ({ tMs: t, probability: exact })) }))
  }
  const kMax = Math.max(0, ...ks)
  const random = new Random(options.seed, 'pbs/k-staleness')
  const legs = samplers(options.latencies)
  const trial = new Scratch(n, options.localCoordinator)
  // Per trial: the newest version (0 = newest) the non-expanding read saw, and the running
  // minimum over versions of the expanding threshold, counted per (k, t) as it goes.
  const seenByRank = new Float64Array(kMax + 1)
  const expandingCounts = ks.map(() => new Float64Array(tMs.length))
  const countedAtVersion = ks.map((k) => k - 1)
  for (let t = 0; t < trials; t++) {
    trial.drawRead(legs, random)
    let rank = kMax
    let minThreshold = Number.POSITIVE_INFINITY
    for (let version = 0; version < kMax; version++) {
      const commit = trial.drawWrite(legs, random, w)
      minThreshold = Math.min(minThreshold, trial.threshold(commit, r))
      if (rank === kMax && trial.readMeetsFirstWriters(random, w, r)) rank = version
      for (let i = 0; i < ks.length; i++) {
        if (countedAtVersion[i] !== version) continue
        const counts = expandingCounts[i]
        for (let j = 0; j < tMs.length; j++) if (minThreshold <= tMs[j]) counts[j] += 1
      }
    }
    seenByRank[rank] += 1
  }
  return ks.map((k, i) => {
    let seen = 0
    for (let rank = 0; rank < k; rank++) seen += seenByRank[rank]
    return {
      k,
      closedForm: kStalenessClosedForm(options, k),
      nonExpanding: wilson(seen, trials),
      expanding: tMs.map((t, j) => ({ tMs: t, probability: wilson(expandingCounts[i][j], trials) })),
    }
  })
}

type Legs = { write: Sampler; ack: Sampler; read: Sampler; response: Sampler }

const samplers = (l: WarsLatencies): Legs => ({
  write: sampler(l.write),
  ack: sampler(l.ack),
  read: sampler(l.read),
  response: sampler(l.response),
})

/** One trial's draws for N replicas, in buffers reused across trials. */
class Scratch {
  readonly #n: number
  /** W_i, and W_i + A_i. */
  readonly #received: Float64Array
  readonly #acked: Float64Array
  /** R_i, and R_i + S_i. */
  readonly #requested: Float64Array
  readonly #answered: Float64Array
  /** Replica indices by answer time (the first R are the read quorum), by ack time. */
  readonly #readOrder: Int32Array
  readonly #writeOrder: Int32Array
  readonly #ties: Float64Array
  readonly #sorted: Float64Array
  /** P(the read's coordinator is the write's); undefined for remote coordinators. */
  readonly #sameCoordinator: number | undefined
  /** The write coordinator's own commit, ms (a local coordinator's); undefined: at once. */
  readonly #commit: Sampler | undefined

  constructor(n: number, local?: { sameCoordinator: number; commit?: Distribution }) {
    this.#n = n
    this.#sameCoordinator = local?.sameCoordinator
    this.#commit = local?.commit && sampler(local.commit)
    this.#received = new Float64Array(n)
    this.#acked = new Float64Array(n)
    this.#requested = new Float64Array(n)
    this.#answered = new Float64Array(n)
    this.#readOrder = new Int32Array(n)
    this.#writeOrder = new Int32Array(n)
    this.#ties = new Float64Array(n)
    this.#sorted = new Float64Array(n)
  }

  /** Draws the write's legs; returns the commit time, ms after the write was sent. */
  drawWrite(legs: Legs, random: Random, w: number): number {
    const sorted = this.#sorted
    for (let i = 0; i < this.#n; i++) {
      const received = legs.write(random)
      this.#received[i] = received
      this.#acked[i] = received + legs.ack(random)
      sorted[i] = this.#acked[i]
    }
    if (this.#sameCoordinator === undefined) {
      insertionSort(sorted)
      return sorted[w - 1]
    }
    const own = this.#commit ? this.#commit(random) : 0
    this.#received[0] = 0
    this.#acked[0] = own
    sorted[0] = own
    insertionSort(sorted)
    return Math.max(sorted[w - 1], own)
  }

  /**
   * Draws the read's legs and orders replicas by answer time. Ties keep index order: the
   * replicas are exchangeable and the write's draws independent of the read's, so which
   * tied replica counts does not change the odds of seeing the write.
   */
  drawRead(legs: Legs, random: Random): void {
    for (let i = 0; i < this.#n; i++) {
      const requested = legs.read(random)
      this.#requested[i] = requested
      this.#answered[i] = requested + legs.response(random)
    }
    if (this.#sameCoordinator !== undefined) {
      const own = this.#n === 1 || random.float() < this.#sameCoordinator ? 0 : 1
      this.#requested[own] = 0
      // First to answer, ahead of remote replicas that tie at 0 ms.
      this.#answered[own] = Number.NEGATIVE_INFINITY
    }
    orderBy(this.#readOrder, this.#answered, undefined)
  }

  /** The smallest t (ms after commit) at which this read would see this write. */
  threshold(commit: number, r: number): number {
    let min = Number.POSITIVE_INFINITY
    for (let q = 0; q < r; q++) {
      const i = this.#readOrder[q]
      const gap = this.#received[i] - commit - this.#requested[i]
      if (gap < min) min = gap
    }
    return min
  }

  /**
   * Non-expanding: does one of the read's first R responders hold the write, when only
   * the first W to acknowledge ever do? Ties in ack time are broken at random, so the
   * write quorum is uniform over W-subsets even when latencies repeat (const, empirical).
   * One uniform side is enough: a uniform W-subset misses any fixed R-subset with
   * probability C(N-W,R)/C(N,R).
   */
  readMeetsFirstWriters(random: Random, w: number, r: number): boolean {
    for (let i = 0; i < this.#n; i++) this.#ties[i] = random.float()
    orderBy(this.#writeOrder, this.#acked, this.#ties)
    for (let q = 0; q < r; q++) {
      const reader = this.#readOrder[q]
      for (let p = 0; p < w; p++) if (this.#writeOrder[p] === reader) return true
    }
    return false
  }
}

/** Ascending, in place: N is a replica count, a handful, where this beats a library sort. */
function insertionSort(a: Float64Array): void {
  for (let i = 1; i < a.length; i++) {
    const x = a[i]
    let j = i - 1
    while (j >= 0 && a[j] > x) {
      a[j + 1] = a[j]
      j--
    }
    a[j + 1] = x
  }
}

/** Fills `order` with 0..n-1 sorted by `keys` (then by `ties`, when given). */
function orderBy(order: Int32Array, keys: Float64Array, ties: Float64Array | undefined): void {
  for (let i = 0; i < order.length; i++) {
    let j = i - 1
    while (j >= 0 && before(i, order[j], keys, ties)) {
      order[j + 1] = order[j]
      j--
    }
    order[j + 1] = i
  }
}

const before = (a: number, b: number, keys: Float64Array, ties: Float64Array | undefined): boolean =>
  keys[a] < keys[b] || (ties !== undefined && keys[a] === keys[b] && ties[a] < ties[b])

/** How many of the ascending `sorted` are <= x. */
function countAtMost(sorted: Float64Array, x: number): number {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (sorted[mid] <= x) low = mid + 1
    else high = mid
  }
  return low
}

function checkTime(tMs: number): void {
  if (!Number.isFinite(tMs) || tMs < 0) throw new RangeError(`t must be a number of ms >= 0 (a read starts after the commit), got ${tMs}`)
}

const MAX_TRIALS = 50_000_000
/** Each trial draws k writes: the cost grows with the largest k. */
const MAX_K = 1000

function checkSimulation(options: SimulationOptions): SimulationOptions {
  checkQuorum(options)
  const { trials, seed } = options
  if (!Number.isSafeInteger(trials) || trials < 1 || trials > MAX_TRIALS) {
    throw new RangeError(`trials must be an integer from 1 to ${MAX_TRIALS}, got ${trials}`)
  }
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`)
  const same = options.localCoordinator?.sameCoordinator
  if (same !== undefined && !(same >= 0 && same <= 1))
    throw new RangeError(`sameCoordinator must be a probability from 0 to 1, got ${same}`)
  return options
}
