/**
 * The linearizable and sequential checkers against brute force, on thousands of random
 * small histories (≤ 8 ops, ≤ 3 processes, info and fail ops, cas, unique and repeated
 * values): same verdict for every key; histories from a linearizable (sequential)
 * register run pass; the same histories with a read's value swapped agree with brute
 * force, and many fail (the bug each checker exists to catch is caught).
 */
import { test } from '@japa/runner'
import fc from 'fast-check'
import { bruteForceValid } from '../testing/brute-force-models.ts'
import { anyHistory, linearizableHistory, mutated, sequentialHistory } from '../testing/register-history-arbitraries.ts'
import { checkLinearizable, checkModels, checkSequential, DEFAULT_BUDGET, type ModelChecker, registerHistories } from './index.ts'
import { searchLinearizable } from './linearizable-search.ts'
import { siblingsOrPhantom, writersByValue, zoneAnomaly, zoneTimes } from './register-anomalies.ts'
import { keyOps, type RegisterOp } from './register-history.ts'

const RUNS = 2000

/** The keys a checker found invalid, and whether any was unknown. */
async function invalidKeys(checker: ModelChecker, ops: RegisterOp[]): Promise<string[]> {
  const result = await checker(ops, { maxExamples: 100, workers: 0 })
  if (result.keys.unknown > 0) throw new Error(`a small history's search ran out of budget: ${JSON.stringify(ops)}`)
  return result.examples.map((e) => e.key).sort()
}

const bruteInvalid = (model: 'linearizable' | 'sequential', ops: RegisterOp[]): string[] =>
  [...bruteForceValid(model, ops)]
    .filter(([, valid]) => !valid)
    .map(([key]) => key)
    .sort()

const checkers = { linearizable: checkLinearizable, sequential: checkSequential } as const

test.group('model checkers agree with brute force', () => {
  for (const model of ['linearizable', 'sequential'] as const) {
    test(`${model}: any history of unique reads and writes (where zones decide linearizability)`, async ({ assert }) => {
      await fc.assert(
        fc.asyncProperty(anyHistory({ readsAndWrites: true }), async (ops) => {
          assert.deepEqual(await invalidKeys(checkers[model], ops), bruteInvalid(model, ops), JSON.stringify(ops))
        }),
        { numRuns: RUNS, seed: 8 },
      )
    }).timeout(120_000)
    for (const unique of [true, false]) {
      test(`${model}: any history, ${unique ? 'unique' : 'repeated'} values`, async ({ assert }) => {
        let invalid = 0
        await fc.assert(
          fc.asyncProperty(anyHistory({ unique }), async (ops) => {
            const found = await invalidKeys(checkers[model], ops)
            assert.deepEqual(found, bruteInvalid(model, ops), JSON.stringify(ops))
            if (found.length > 0) invalid += 1
          }),
          { numRuns: RUNS, seed: unique ? 1 : 2 },
        )
        // Both verdicts were exercised.
        assert.isAbove(invalid, RUNS / 10)
        assert.isBelow(invalid, RUNS - RUNS / 10)
      }).timeout(120_000)
    }
  }

  test('both models in one pass (a linearizable key not searched again) judge as brute force does', async ({ assert }) => {
    const invalid = { linearizable: 0, sequential: 0 }
    let differ = 0
    const source = fc.oneof(anyHistory({ unique: false }), anyHistory({ unique: true }), sequentialHistory({ processes: 3 }))
    await fc.assert(
      fc.asyncProperty(source, async (ops) => {
        const results = await checkModels(['linearizable', 'sequential'], ops, { maxExamples: 100, workers: 0 })
        const found = results.map((r) => r.examples.map((e) => e.key).sort())
        assert.deepEqual(found[0], bruteInvalid('linearizable', ops), JSON.stringify(ops))
        assert.deepEqual(found[1], bruteInvalid('sequential', ops), JSON.stringify(ops))
        if (found[0].length > 0) invalid.linearizable += 1
        if (found[1].length > 0) invalid.sequential += 1
        if (found[0].length !== found[1].length) differ += 1
      }),
      { numRuns: RUNS, seed: 9 },
    )
    // Both verdicts of both models were exercised, and keys sequential but not linearizable.
    assert.isAbove(invalid.sequential, RUNS / 20)
    assert.isBelow(invalid.linearizable, RUNS - RUNS / 10)
    assert.isAbove(differ, RUNS / 20)
  }).timeout(120_000)

  test('a linearizable history is sequentially consistent', async ({ assert }) => {
    await fc.assert(
      fc.asyncProperty(anyHistory({ unique: true }), async (ops) => {
        const lin = await invalidKeys(checkLinearizable, ops)
        const seq = await invalidKeys(checkSequential, ops)
        for (const key of seq) assert.include(lin, key, JSON.stringify(ops))
      }),
      { numRuns: RUNS, seed: 3 },
    )
  }).timeout(120_000)
})

test.group('linearizability: zones and search agree', () => {
  test('on unique reads and writes, the zones decide as the search does (up to 40 ops, 6 processes, ties too)', async ({ assert }) => {
    let invalid = 0
    let applied = 0
    const shape = { ops: 40, processes: 6, keys: 1, readsAndWrites: true }
    const source = fc.oneof(anyHistory(shape), mutated(linearizableHistory(shape)))
    fc.assert(
      fc.property(source, (ops) => {
        const h = registerHistories(ops)
        if (h.keys.length === 0) return
        const key = keyOps(h, h.keyStart[0], h.keyStart[1], h.values[0].length)
        const writers = writersByValue(key)
        if (siblingsOrPhantom(key, writers)) return
        const times = zoneTimes(key, writers)
        if (!times) return
        applied += 1
        const search = searchLinearizable(key, DEFAULT_BUDGET)
        assert.notEqual(search.verdict, 'unknown')
        assert.equal(zoneAnomaly(key, writers, times) === undefined, search.verdict === 'valid', JSON.stringify(ops))
        if (search.verdict === 'invalid') invalid += 1
      }),
      { numRuns: RUNS, seed: 7 },
    )
    // Most histories are ones the zones decide (two lanes tied in one µs are left to the search).
    assert.isAbove(applied, RUNS / 2)
    assert.isAbove(invalid, RUNS / 10)
  }).timeout(120_000)
})

test.group('model checkers on simulated register runs', () => {
  test('a linearizable run passes both checkers (and brute force)', async ({ assert }) => {
    await fc.assert(
      fc.asyncProperty(linearizableHistory(), async (ops) => {
        assert.deepEqual(bruteInvalid('linearizable', ops), [], 'the simulation itself')
        assert.deepEqual(await invalidKeys(checkLinearizable, ops), [], JSON.stringify(ops))
        assert.deepEqual(await invalidKeys(checkSequential, ops), [], JSON.stringify(ops))
      }),
      { numRuns: RUNS, seed: 4 },
    )
  }).timeout(120_000)

  test('a sequentially consistent run passes the sequential checker (and brute force)', async ({ assert }) => {
    let notLinearizable = 0
    await fc.assert(
      fc.asyncProperty(sequentialHistory({ processes: 3 }), async (ops) => {
        assert.deepEqual(bruteInvalid('sequential', ops), [], 'the simulation itself')
        assert.deepEqual(await invalidKeys(checkSequential, ops), [], JSON.stringify(ops))
        if ((await invalidKeys(checkLinearizable, ops)).length > 0) notLinearizable += 1
      }),
      { numRuns: RUNS, seed: 5 },
    )
    // Runs that ignore real time are often not linearizable: the two checkers differ.
    assert.isAbove(notLinearizable, RUNS / 20)
  }).timeout(120_000)

  for (const model of ['linearizable', 'sequential'] as const) {
    test(`${model}: a read's value swapped for another written one fails where brute force says so`, async ({ assert }) => {
      // Not every swap is a violation (the other value may fit some order): brute force decides.
      const source = model === 'linearizable' ? linearizableHistory() : sequentialHistory()
      let caught = 0
      await fc.assert(
        fc.asyncProperty(mutated(source), async (ops) => {
          const found = await invalidKeys(checkers[model], ops)
          assert.deepEqual(found, bruteInvalid(model, ops), JSON.stringify(ops))
          if (found.length > 0) caught += 1
        }),
        { numRuns: RUNS, seed: 6 },
      )
      assert.isAbove(caught, RUNS / 8)
    }).timeout(120_000)
  }
})
