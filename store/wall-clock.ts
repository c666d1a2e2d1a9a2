/**
 * The wall clock a node stamps writes with (what `lww` compares), with a skew the clock
 * nemesis can set through `/admin/clock`.
 */

/** Largest skew accepted, ms (one day). */
export const MAX_SKEW_MS = 24 * 60 * 60 * 1000

export class WallClock {
  #skewMs = 0

  get skewMs(): number {
    return this.#skewMs
  }

  set skewMs(value: number) {
    if (!Number.isInteger(value) || Math.abs(value) > MAX_SKEW_MS) {
      throw new RangeError(`clock skew must be an integer from -${MAX_SKEW_MS} to ${MAX_SKEW_MS} ms`)
    }
    this.#skewMs = value
  }

  /** ms since the epoch, skewed. */
  now(): number {
    return Date.now() + this.#skewMs
  }
}
