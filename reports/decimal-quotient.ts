/**
 * A decimal number of 16 to 18 significant digits as the correctly rounded double, from
 * its digits, without making a string for Number: what lets the history scan read times
 * like `102917941.47688344` (most times of a long run) itself. Exact arithmetic on
 * doubles (error-free sums and products) finds the double within half an ulp; a value
 * too close to halfway between two doubles is left to the caller (NaN), who asks Number.
 */

/** Exact powers of ten as doubles (10^22 is the last one that is). */
export const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`))
/** 2^27 + 1: splits a double into two halves whose products are exact (Veltkamp). */
const SPLITTER = 134_217_729
/** How close to halfway (relative to half an ulp) is too close to decide: far above the error of the sums below. */
const MARGIN = 2 ** -20
const bits = new Float64Array(1)
const words = new Uint32Array(bits.buffer)
/** Which word of a double holds its sign and exponent (the platform's byte order). */
const HIGH = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f ? 1 : 0

/** The rounding error of the product `p` = fl(`a` · `b`): a · b = p + error exactly (Dekker). */
function productError(a: number, b: number, p: number): number {
  let t = SPLITTER * a
  const ah = t - (t - a)
  const al = a - ah
  t = SPLITTER * b
  const bh = t - (t - b)
  const bl = b - bh
  return ah * bh - p + ah * bl + al * bh + al * bl
}

/**
 * (`high` · 10^8 + `low`) / 10^`decimals`, correctly rounded, for `high` below 10^10 and at
 * least 1, `low` below 10^8 and `decimals` at most 22; NaN when it is too close to halfway
 * between two doubles (or next to a power of two) to tell this way.
 */
export function decimalQuotient(high: number, low: number, decimals: number): number {
  const divisor = POWERS_OF_TEN[decimals]
  // high · 10^8 is exact (high · 5^8 < 2^53), and so is the sum as wh + wl (wh's part is the larger).
  const big = high * 1e8
  const wh = big + low
  const wl = low - (wh - big)
  const candidate = wh / divisor
  // What is left of the dividend once candidate · divisor is taken off: wh - ph is exact (the two are within a factor of 2).
  const ph = candidate * divisor
  const rest = wh - ph + (wl - productError(candidate, divisor, ph))
  bits[0] = candidate
  const exponent = (words[HIGH] >>> 20) & 0x7ff
  // Next to a power of two the ulps either side differ; subnormals and huge values are not read here.
  if ((words[HIGH] & 0xfffff) === 0 && words[1 - HIGH] === 0) return Number.NaN
  if (exponent <= 53 || exponent >= 0x7fe) return Number.NaN
  words[HIGH] = (exponent - 52) << 20
  words[1 - HIGH] = 0
  const ulp = bits[0]
  // Half an ulp of the quotient, in units of the dividend (exact: a power of two times 10^decimals).
  const half = (ulp * divisor) / 2
  const distance = Math.abs(rest)
  if (distance < half * (1 - MARGIN)) return candidate
  if (distance > half * (1 + MARGIN) && distance < 3 * half * (1 - MARGIN)) return rest > 0 ? candidate + ulp : candidate - ulp
  return Number.NaN
}
