/**
 * A timer that looks for work past its deadline every few milliseconds while armed: a
 * timer per request costs more than the request on the hot paths that use it (the
 * harness's HTTP client, a node's calls and batch streams to its peers).
 */
export class DeadlineSweeper {
  #sweep: (now: number) => void
  #everyMs: number
  #timer: NodeJS.Timeout | undefined

  /**
   * @param sweep called with `performance.now()` (ms) on every tick while armed.
   * @param everyMs the tick, ms: how late a deadline may be noticed.
   */
  constructor(sweep: (now: number) => void, everyMs = 25) {
    this.#sweep = sweep
    this.#everyMs = everyMs
  }

  /** Starts ticking, if not already; the timer never keeps the process alive. */
  arm(): void {
    if (this.#timer) return
    this.#timer = setInterval(() => this.#sweep(performance.now()), this.#everyMs)
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }
}
