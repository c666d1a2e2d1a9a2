/**
 * The PBS paper's closed form for k-staleness (Bailis et al., VLDB 2012, section 3).
 * It holds for non-expanding partial quorums: each write reaches exactly W replicas and
 * each read asks R replicas, both chosen uniformly at random and independently, with no
 * anti-entropy, read repair or hinted handoff spreading a write further.
 */
import { checkQuorum, type Quorum } from './quorum.ts'

/**
 * p_s = C(N-W, R) / C(N, R): the probability that a read quorum misses a write quorum.
 * As the product over i < R of (N-W-i)/(N-i), so it stays exact-ish for large N.
 */
export function missProbability(quorum: Quorum): number {
  checkQuorum(quorum)
  const { n, r, w } = quorum
  let p = 1
  for (let i = 0; i < r; i++) p *= Math.max(0, n - w - i) / (n - i)
  return p
}

/** P(a read returns one of the last k versions) = 1 - p_s^k; exactly 1 when R + W > N. */
export function kStalenessClosedForm(quorum: Quorum, k: number): number {
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`k must be an integer >= 1, got ${k}`)
  return 1 - missProbability(quorum) ** k
}
