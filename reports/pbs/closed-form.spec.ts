/** The PBS paper's k-staleness closed form against hand-computed binomials. */
import { test } from '@japa/runner'
import { missProbability } from './closed-form.ts'
import { kStalenessClosedForm } from './index.ts'

const choose = (n: number, k: number): number => (k < 0 || k > n ? 0 : k === 0 ? 1 : (choose(n - 1, k - 1) * n) / k)

test.group('pbs closed form', () => {
  test('N=3, R=W=1: a read misses the write with probability 2/3, so k-staleness is 1 - (2/3)^k', ({ assert }) => {
    assert.closeTo(missProbability({ n: 3, r: 1, w: 1 }), 2 / 3, 1e-15)
    assert.closeTo(kStalenessClosedForm({ n: 3, r: 1, w: 1 }, 1), 1 / 3, 1e-15)
    assert.closeTo(kStalenessClosedForm({ n: 3, r: 1, w: 1 }, 2), 5 / 9, 1e-15)
    assert.closeTo(kStalenessClosedForm({ n: 3, r: 1, w: 1 }, 3), 19 / 27, 1e-15)
  })

  test('p_s = C(N-W,R)/C(N,R) for every quorum up to N=8', ({ assert }) => {
    for (let n = 1; n <= 8; n++)
      for (let r = 1; r <= n; r++)
        for (let w = 1; w <= n; w++) {
          const expected = choose(n - w, r) / choose(n, r)
          assert.closeTo(missProbability({ n, r, w }), expected, 1e-12, `N=${n} R=${r} W=${w}`)
          if (r + w > n) assert.strictEqual(kStalenessClosedForm({ n, r, w }, 1), 1, `R+W>N exactly 1: N=${n} R=${r} W=${w}`)
        }
  })

  test('refuses a quorum out of range and k < 1', ({ assert }) => {
    assert.throws(() => missProbability({ n: 3, r: 4, w: 1 }), 'r must be an integer from 1 to n=3, got 4')
    assert.throws(() => missProbability({ n: 0, r: 1, w: 1 }), 'n must be an integer >= 1, got 0')
    assert.throws(() => kStalenessClosedForm({ n: 3, r: 1, w: 1 }, 0), 'k must be an integer >= 1, got 0')
  })
})
