/**
 * Phi-accrual failure detector (Hayashibara et al.), as in Cassandra: from the times
 * heartbeats of one peer arrived, phi says how unlikely it is that the peer is still
 * alive given the silence so far. Inter-arrival times are modelled as exponential, so
 * phi = silence / mean interval * log10(e).
 */

export type PeerState = 'up' | 'suspect' | 'down'

export type FailureDetectorOptions = {
  /** Phi at which the peer is down; it is suspect from half of it. */
  threshold: number
  /** The interval assumed before any heartbeat arrived (the gossip interval), ms. */
  expectedIntervalMs: number
  /** Time of creation, ms on a monotonic clock: silence is counted from here until a first heartbeat. */
  now: number
  /** Intervals kept for the mean. Default 100. */
  windowSize?: number
}

const LOG10_E = Math.log10(Math.E)

export class PhiAccrualDetector {
  #threshold: number
  #expectedIntervalMs: number
  #windowSize: number
  #intervals: number[] = []
  #sum = 0
  #last: number

  constructor({ threshold, expectedIntervalMs, now, windowSize = 100 }: FailureDetectorOptions) {
    this.#threshold = threshold
    this.#expectedIntervalMs = expectedIntervalMs
    this.#windowSize = windowSize
    this.#last = now
    this.#push(expectedIntervalMs)
  }

  /** A heartbeat of the peer arrived at `now` (ms). */
  heartbeat(now: number): void {
    this.#push(Math.max(0, now - this.#last))
    this.#last = now
  }

  /** Forget the history (the peer restarted with a new generation) and count from `now`. */
  reset(now: number): void {
    this.#intervals = []
    this.#sum = 0
    this.#push(this.#expectedIntervalMs)
    this.#last = now
  }

  /** Treat `now` as a fresh heartbeat without learning from it (this node itself was paused). */
  forgive(now: number): void {
    this.#last = now
  }

  get lastHeartbeat(): number {
    return this.#last
  }

  phi(now: number): number {
    // A mean below half the expected interval would make phi jumpy on bursts of gossip.
    const mean = Math.max(this.#sum / this.#intervals.length, this.#expectedIntervalMs / 2)
    return (Math.max(0, now - this.#last) / mean) * LOG10_E
  }

  state(now: number): PeerState {
    const phi = this.phi(now)
    if (phi >= this.#threshold) return 'down'
    if (phi >= this.#threshold / 2) return 'suspect'
    return 'up'
  }

  #push(interval: number): void {
    this.#intervals.push(interval)
    this.#sum += interval
    if (this.#intervals.length > this.#windowSize) this.#sum -= this.#intervals.shift() ?? 0
  }
}
