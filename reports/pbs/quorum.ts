/** N, R, W of a Dynamo-style store, checked once for every part of the predictor. */

export type Quorum = {
  /** Replicas of a key. */
  n: number
  /** Replies a read waits for. */
  r: number
  /** Acknowledgements a write waits for. */
  w: number
}

export function checkQuorum({ n, r, w }: Quorum): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`n must be an integer >= 1, got ${n}`)
  if (!Number.isSafeInteger(r) || r < 1 || r > n) throw new RangeError(`r must be an integer from 1 to n=${n}, got ${r}`)
  if (!Number.isSafeInteger(w) || w < 1 || w > n) throw new RangeError(`w must be an integer from 1 to n=${n}, got ${w}`)
}

/** R + W > N: every read quorum meets every write quorum, so a committed write is always seen. */
export const quorumsIntersect = ({ n, r, w }: Quorum): boolean => r + w > n
