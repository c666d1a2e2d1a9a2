/** The run's one monotonic clock: µs since the run started. */

export class RunClock {
  #startMs = performance.now()

  /** µs since the run started. */
  nowUs(): number {
    return Math.round((performance.now() - this.#startMs) * 1000)
  }

  /** ms since the run started. */
  nowMs(): number {
    return performance.now() - this.#startMs
  }
}
