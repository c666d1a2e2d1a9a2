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

/** Waits until the run clock reaches `ms`, or the signal aborts. */
export function sleepUntil(ms: number, clock: Pick<RunClock, 'nowMs'>, signal: AbortSignal): Promise<void> {
  const wait = ms - clock.nowMs()
  if (wait <= 0 || signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, wait)
    signal.addEventListener('abort', done, { once: true })
  })
}
