/**
 * decimalQuotient against Number: for decimals of 16 to 18 digits it must give Number's
 * double or NaN (left to Number), never another double, above all halfway between two
 * doubles, where a rounding slip would show; and NaN must stay rare.
 */
import { test } from '@japa/runner'
import fc from 'fast-check'
import { decimalQuotient } from './decimal-quotient.ts'

/** decimalQuotient's answer for a plain decimal text, or undefined when the text is not one it takes (under 2^53, over 18 digits). */
function quotientOf(text: string): number | undefined {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text)
  if (!match) return undefined
  const digits = match[1] + (match[2] ?? '')
  const decimals = (match[2] ?? '').length
  if (digits.length > 18 || decimals > 22 || BigInt(digits) < 2n ** 53n) return undefined
  return decimalQuotient(Number(digits.slice(0, -8)), Number(digits.slice(-8)), decimals)
}

/** The exact decimal of the point halfway between `value` (positive, normal) and the next double up, to 30 decimals. */
function halfwayAbove(value: number): string {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, value)
  const raw = view.getBigUint64(0)
  const exponent = Number((raw >> 52n) & 0x7ffn) - 1075 - 1
  let numerator = 2n * ((raw & ((1n << 52n) - 1n)) | (1n << 52n)) + 1n
  let denominator = 1n
  if (exponent >= 0) numerator <<= BigInt(exponent)
  else denominator <<= BigInt(-exponent)
  const scaled = ((numerator * 10n ** 30n) / denominator).toString().padStart(31, '0')
  return `${scaled.slice(0, -30).replace(/^0+(?=\d)/, '')}.${scaled.slice(-30)}`
}

/** `text` cut to 18 significant digits and moved by `delta` in its last digit. */
function cut(text: string, delta: bigint): string {
  const [whole, fraction] = text.split('.')
  const keep = 18 - (whole === '0' ? 1 : whole.length)
  const moved = (BigInt(whole + fraction.slice(0, keep)) + delta).toString().padStart(keep + 1, '0')
  return keep > 0 ? `${moved.slice(0, -keep)}.${moved.slice(-keep)}` : moved
}

test.group('decimal quotient', () => {
  test('times and other doubles as JavaScript prints them: Number’s double', ({ assert }) => {
    let read = 0
    let left = 0
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e12, noNaN: true }), (value) => {
        const quotient = quotientOf(String(value))
        if (quotient === undefined) return true
        read++
        if (Number.isNaN(quotient)) left++
        return Number.isNaN(quotient) || Object.is(quotient, value)
      }),
      { numRuns: 50_000, seed: 18 },
    )
    assert.isAbove(read, 10_000)
    assert.isBelow(left, read / 100)
    assert.strictEqual(quotientOf('102917941.47688344'), 102917941.47688344)
  })

  test('any 16 to 18 digits with a point anywhere: Number’s double or NaN', () => {
    const text = fc
      .tuple(fc.stringMatching(/^[1-9][0-9]{15,17}$/), fc.nat())
      .map(([digits, at]) => `${digits.slice(0, 1 + (at % (digits.length - 1)))}.${digits.slice(1 + (at % (digits.length - 1)))}`)
    fc.assert(
      fc.property(text, (decimal) => {
        const quotient = quotientOf(decimal)
        return quotient === undefined || Number.isNaN(quotient) || Object.is(quotient, Number(decimal))
      }),
      { numRuns: 50_000, seed: 18 },
    )
  })

  test('just below, at and just above halfway between two doubles: Number’s double or NaN', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e10, noNaN: true }), fc.constantFrom(-1n, 0n, 1n), (value, delta) => {
        const decimal = cut(halfwayAbove(value), delta)
        const quotient = quotientOf(decimal)
        return quotient === undefined || Number.isNaN(quotient) || Object.is(quotient, Number(decimal))
      }),
      { numRuns: 30_000, seed: 18 },
    )
    // Exact ties, which round to the even double: x.5 where the ulp is 1, odd integers where it is 2.
    const ties = fc.oneof(
      fc.bigInt({ min: 2n ** 52n, max: 2n ** 53n - 1n }).map((n) => `${n}.5`),
      fc.bigInt({ min: 2n ** 52n, max: 2n ** 53n - 1n }).map((n) => `${2n * n + 1n}`),
    )
    fc.assert(
      fc.property(ties, (decimal) => {
        const quotient = quotientOf(decimal)
        return quotient !== undefined && (Number.isNaN(quotient) || Object.is(quotient, Number(decimal)))
      }),
      { numRuns: 10_000, seed: 18 },
    )
  })
})
