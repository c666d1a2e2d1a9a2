/**
 * The two searches (linearizable-search.ts, sequential-search.ts) and the register model
 * they step, called directly, without the anomaly checks and zones that decide most keys
 * before a search runs: on a few hundred small random keys each verdict agrees with brute
 * force, with and without the model's lookahead, and an invalid key's dead end is a real
 * one (its prefix is an order the model allows, replayed on the register). Fast enough
 * for Stryker to run once per mutant (npm run stryker -- models-search).
 */
import { test } from '@japa/runner'
import fc from 'fast-check'
import { bruteForceValid } from '../testing/brute-force-models.ts'
import { anyHistory, linearizableHistory, mutated, sequentialHistory } from '../testing/register-history-arbitraries.ts'
import type { DeadEnd, KeyOutcome } from './key-search.ts'
import { DEFAULT_BUDGET } from './key-search.ts'
import { searchLinearizable } from './linearizable-search.ts'
import { siblingsOrPhantom, writersByValue, zoneAnomaly, zoneTimes } from './register-anomalies.ts'
import { CAS, type KeyOps, keyOps, READ, type RegisterOp, registerHistories, WRITE } from './register-history.ts'
import { RegisterModel, step } from './register-model.ts'
import { searchSequential } from './sequential-search.ts'

type Model = 'linearizable' | 'sequential'
const SEARCHES = { linearizable: searchLinearizable, sequential: searchSequential } as const
const RUNS = 300

/** The history's keys a search can be asked about (no siblings, no phantoms: the anomaly checks take those), by name. */
function searchableKeys(ops: RegisterOp[]): Map<string, KeyOps> {
  const h = registerHistories(ops)
  const keys = new Map<string, KeyOps>()
  for (let k = 0; k < h.keys.length; k++) {
    const key = keyOps(h, h.keyStart[k], h.keyStart[k + 1], h.values[k].length)
    if (!siblingsOrPhantom(key, writersByValue(key))) keys.set(String(h.keys[k]), key)
  }
  return keys
}

/** Why `deadEnd` is not a dead end the model allows on `ops`, or undefined when it is. */
function badDeadEnd(model: Model, ops: KeyOps, deadEnd: DeadEnd | undefined): string | undefined {
  if (!deadEnd) return 'no dead end'
  const { prefix, stuck } = deadEnd
  if (new Set(prefix).size !== prefix.length) return `an op placed twice: ${prefix}`
  if (stuck < 0 || stuck >= ops.length || prefix.includes(stuck)) return `stuck op ${stuck} not an unplaced op`
  let state = 0
  for (const [k, i] of prefix.entries()) {
    state = step(state, ops.op[i], ops.a[i], ops.b[i])
    if (state < 0) return `the register refuses op ${i} at ${k}`
    for (let j = 0; j < ops.length; j++) {
      if (ops.info[j] === 1 || j === i) continue
      // Before op i come (linearizable) the ok ops that completed before it began, and (both) its process's earlier ok ops.
      const realTime = model === 'linearizable' && ops.deadline[j] < ops.invoke[i]
      const program = ops.lane[j] === ops.lane[i] && j < i
      const before = prefix.indexOf(j)
      if ((realTime || program) && !(before >= 0 && before < k)) return `op ${i} placed before op ${j}`
    }
  }
  return state === deadEnd.state ? undefined : `the prefix ends in state ${state}, the dead end says ${deadEnd.state}`
}

function agreesWithBruteForce(model: Model, ops: RegisterOp[], lookahead: boolean): string | undefined {
  const brute = bruteForceValid(model, ops)
  for (const [name, key] of searchableKeys(ops)) {
    const outcome: KeyOutcome = SEARCHES[model](key, DEFAULT_BUDGET, { lookahead })
    const expected = brute.get(name) ? 'valid' : 'invalid'
    if (outcome.verdict !== expected) return `key ${name}: ${outcome.verdict}, brute force ${expected}`
    if (outcome.verdict === 'invalid') {
      const bad = badDeadEnd(model, key, outcome.deadEnd)
      if (bad) return `key ${name}: ${bad}`
    }
  }
  return undefined
}

test.group('searches against brute force', () => {
  for (const model of ['linearizable', 'sequential'] as const) {
    for (const lookahead of [true, false]) {
      test(`${model} (lookahead ${lookahead}): any history, unique and repeated values, and a run with a read's value swapped`, ({
        assert,
      }) => {
        const runs = model === 'linearizable' ? linearizableHistory() : sequentialHistory()
        const source = fc.oneof(anyHistory({ unique: true }), anyHistory({ unique: false }), mutated(runs), runs)
        let invalid = 0
        fc.assert(
          fc.property(source, (ops) => {
            const problem = agreesWithBruteForce(model, ops, lookahead)
            assert.isUndefined(problem, `${problem} in ${JSON.stringify(ops)}`)
            if ([...bruteForceValid(model, ops).values()].includes(false)) invalid += 1
          }),
          { numRuns: RUNS, seed: lookahead ? 11 : 12 },
        )
        // Both verdicts were exercised.
        assert.isAbove(invalid, RUNS / 10)
        assert.isBelow(invalid, RUNS - RUNS / 10)
      }).timeout(60_000)
    }
  }
})

test.group('linearizable search on longer keys', () => {
  test("up to 40 ops and 6 processes of unique reads and writes: the search decides as Gibbons and Korach's zones do", ({ assert }) => {
    const shape = { ops: 40, processes: 6, keys: 1, readsAndWrites: true }
    let applied = 0
    fc.assert(
      fc.property(fc.oneof(anyHistory(shape), mutated(linearizableHistory(shape))), (ops) => {
        for (const key of searchableKeys(ops).values()) {
          const writers = writersByValue(key)
          const times = zoneTimes(key, writers)
          if (!times) continue
          applied += 1
          const search = searchLinearizable(key, DEFAULT_BUDGET)
          assert.equal(search.verdict, zoneAnomaly(key, writers, times) === undefined ? 'valid' : 'invalid', JSON.stringify(ops))
        }
      }),
      { numRuns: 200, seed: 13 },
    )
    assert.isAbove(applied, 100)
  }).timeout(60_000)
})

/** One key's ops from (process, f, value, [invoke, complete] in µs, outcome: ok unless given) rows. */
function key(...rows: [number, RegisterOp['f'], unknown, [number, number], RegisterOp['type']?][]): KeyOps {
  const ops = rows.map(([process, f, value, [invoke, complete], type], index) => ({
    index,
    process,
    type: type ?? 'ok',
    f,
    key: 'x',
    value,
    invoke,
    complete,
  }))
  const keys = searchableKeys(ops)
  const only = keys.get('x')
  if (!only) throw new Error('not a searchable key')
  return only
}

test.group('searches on hand-made keys', () => {
  test('a stale read: both writes placed, the read stuck (linearizable); sequentially the read goes first', ({ assert }) => {
    const ops = key([0, 'put', 'a', [0, 10]], [0, 'put', 'b', [20, 30]], [1, 'get', ['a'], [40, 50]])
    const lin = searchLinearizable(ops, DEFAULT_BUDGET, { lookahead: false })
    assert.equal(lin.verdict, 'invalid')
    assert.deepEqual(lin.verdict === 'invalid' && lin.deadEnd, { stuck: 2, prefix: [0, 1], state: ops.a[1] })
    assert.equal(searchSequential(ops, DEFAULT_BUDGET).verdict, 'valid')
  })

  test('a read of the absent value before any write, and nothing at all, are valid', ({ assert }) => {
    const ops = key([1, 'get', [], [0, 5]], [0, 'put', 'a', [10, 20]], [1, 'get', ['a'], [30, 40]])
    for (const search of [searchLinearizable, searchSequential]) {
      assert.equal(search(ops, DEFAULT_BUDGET).verdict, 'valid')
      assert.deepEqual(search({ ...ops, length: 0 }, DEFAULT_BUDGET), { verdict: 'valid', steps: 0 })
    }
  })

  test('a process reading its own write, then an older value, fails sequential consistency at that read', ({ assert }) => {
    const ops = key([0, 'put', 'a', [0, 10]], [1, 'put', 'b', [0, 10]], [1, 'get', ['b'], [20, 30]], [1, 'get', ['a'], [40, 50]])
    const seq = searchSequential(ops, DEFAULT_BUDGET, { lookahead: false })
    assert.equal(seq.verdict, 'valid')
    const stale = key([0, 'put', 'a', [0, 10]], [0, 'put', 'b', [20, 30]], [1, 'get', ['b'], [40, 50]], [1, 'get', ['a'], [60, 70]])
    const outcome = searchSequential(stale, DEFAULT_BUDGET, { lookahead: false })
    assert.equal(outcome.verdict, 'invalid')
    assert.deepEqual(outcome.verdict === 'invalid' && outcome.deadEnd, { stuck: 3, prefix: [0, 1, 2], state: stale.a[1] })
  })
})

test.group('linearizable search: dead ends and optional ops', () => {
  test('the dead end names the op whose completion the search could not get past', ({ assert }) => {
    // Two reads of absent after the write of a completed: the later-invoked one completes first, so the search stops there.
    const ops = key([0, 'put', 'a', [0, 10]], [1, 'get', [], [20, 40]], [2, 'get', [], [30, 35]])
    const outcome = searchLinearizable(ops, DEFAULT_BUDGET, { lookahead: false })
    assert.deepEqual(outcome.verdict === 'invalid' && outcome.deadEnd, { stuck: 2, prefix: [0], state: ops.a[0] })
    // Process 0 reads absent after its own write; process 1's read of a fits after the write, before that stale read's completion.
    const own = key([0, 'put', 'a', [0, 10]], [0, 'get', [], [10, 30]], [1, 'get', ['a'], [20, 25]])
    const stuck = searchLinearizable(own, DEFAULT_BUDGET, { lookahead: false })
    assert.deepEqual(stuck.verdict === 'invalid' && stuck.deadEnd, { stuck: 1, prefix: [0, 2], state: own.a[0] })
  })

  test("a read of absent after a write completed is stale while the writer's next write is still running", ({ assert }) => {
    const ops = key([0, 'put', 'a', [0, 10]], [0, 'put', 'b', [10, 30]], [1, 'get', [], [20, 25]])
    for (const lookahead of [true, false]) assert.equal(searchLinearizable(ops, DEFAULT_BUDGET, { lookahead }).verdict, 'invalid')
    const outcome = searchLinearizable(ops, DEFAULT_BUDGET, { lookahead: false })
    assert.deepEqual(outcome.verdict === 'invalid' && outcome.deadEnd, { stuck: 2, prefix: [0, 1], state: ops.a[1] })
  })

  test('an info delete that may have happened explains a later read of absent; an info write of the value read before does not', ({
    assert,
  }) => {
    // Someone read the info op's value (a, or absent), so it is kept, and optional: a has two writers, and absent is never one op's value.
    const rows = (info: [number, RegisterOp['f'], unknown, [number, number], RegisterOp['type']]) =>
      key([0, 'put', 'a', [0, 10]], [2, 'get', ['a'], [12, 15]], info, [0, 'get', [], [30, 40]])
    const deleted = rows([1, 'delete', null, [20, 20], 'info'])
    const rewritten = rows([1, 'put', 'a', [20, 20], 'info'])
    for (const lookahead of [true, false]) {
      assert.equal(searchLinearizable(deleted, DEFAULT_BUDGET, { lookahead }).verdict, 'valid')
      assert.equal(searchLinearizable(rewritten, DEFAULT_BUDGET, { lookahead }).verdict, 'invalid')
    }
    const outcome = searchLinearizable(rewritten, DEFAULT_BUDGET, { lookahead: false })
    assert.deepEqual(outcome.verdict === 'invalid' && outcome.deadEnd, { stuck: 3, prefix: [0, 1, 2], state: rewritten.a[0] })
  })

  test('optional info ops (timed out: they may or may not have happened): valid when some of them, in some order, explain the reads', ({
    assert,
  }) => {
    // A timed-out cas absent -> a and a timed-out delete, then a write of a, a read of a, a read of absent: the delete took effect last.
    const ops = key(
      [1, 'cas', [null, 'a'], [0, 0], 'info'],
      [1, 'delete', null, [5, 5], 'info'],
      [2, 'put', 'a', [10, 20]],
      [0, 'get', ['a'], [30, 40]],
      [0, 'get', [], [50, 60]],
    )
    for (const lookahead of [true, false]) assert.equal(searchLinearizable(ops, DEFAULT_BUDGET, { lookahead }).verdict, 'valid')
    // Two timed-out writes of a, then reads of absent, then a read of a: either write took effect after the reads of absent.
    const late = key(
      [0, 'put', 'a', [0, 0], 'info'],
      [1, 'get', [], [0, 10]],
      [0, 'put', 'a', [5, 5], 'info'],
      [1, 'get', [], [20, 30]],
      [2, 'get', ['a'], [40, 50]],
    )
    for (const lookahead of [true, false]) assert.equal(searchLinearizable(late, DEFAULT_BUDGET, { lookahead }).verdict, 'valid')
  })
})

test.group('sequential search: info ops, dead ends, long keys', () => {
  test('an info delete that may have happened explains reading absent after reading its own write; an info write of it does not', ({
    assert,
  }) => {
    const rows = (info: [number, RegisterOp['f'], unknown, [number, number], RegisterOp['type']]) =>
      key([0, 'put', 'a', [0, 10]], [0, 'get', ['a'], [12, 15]], info, [0, 'get', [], [30, 40]])
    const deleted = rows([1, 'delete', null, [20, 20], 'info'])
    const rewritten = rows([1, 'put', 'a', [20, 20], 'info'])
    for (const lookahead of [true, false]) {
      assert.equal(searchSequential(deleted, DEFAULT_BUDGET, { lookahead }).verdict, 'valid')
      assert.equal(searchSequential(rewritten, DEFAULT_BUDGET, { lookahead }).verdict, 'invalid')
    }
    const outcome = searchSequential(rewritten, DEFAULT_BUDGET, { lookahead: false })
    assert.deepEqual(outcome.verdict === 'invalid' && outcome.deadEnd, { stuck: 3, prefix: [0, 1, 2], state: rewritten.a[0] })
  })

  test('a process reading a before its own write of a, the only one: the dead end places each op once', ({ assert }) => {
    const ops = key([1, 'get', ['a'], [0, 10]], [2, 'get', [], [0, 10]], [0, 'delete', null, [0, 10], 'info'], [1, 'put', 'a', [20, 30]])
    for (const lookahead of [true, false]) {
      const outcome = searchSequential(ops, DEFAULT_BUDGET, { lookahead })
      assert.deepEqual(outcome.verdict === 'invalid' && outcome.deadEnd, { stuck: 0, prefix: [1, 2], state: 0 })
    }
  })

  test("an info op does not hold its process back: it may take effect after the process's later ops, or before another's", ({ assert }) => {
    // Process 0 reads absent after its own timed-out write of a, which took effect later; process 1's timed-out cas then swapped a for b.
    const late = key(
      [0, 'put', 'a', [0, 0], 'info'],
      [0, 'get', [], [10, 20]],
      [1, 'cas', ['a', 'b'], [30, 30], 'info'],
      [0, 'get', ['b'], [40, 50]],
    )
    // Process 0's timed-out cas absent -> b took effect after both processes' reads of absent, before its own later write of c.
    const between = key(
      [2, 'get', ['b'], [0, 100]],
      [0, 'get', [], [10, 20]],
      [0, 'get', [], [30, 40]],
      [0, 'cas', [null, 'b'], [50, 50], 'info'],
      [1, 'get', [], [60, 70]],
      [0, 'put', 'c', [80, 90]],
      [1, 'get', [], [100, 110]],
    )
    // Process 1 reads absent, then b: process 0's write of a came after that read, its timed-out write of b after the write of a.
    const after = key([0, 'put', 'a', [0, 10]], [1, 'get', [], [5, 15]], [0, 'put', 'b', [20, 20], 'info'], [1, 'get', ['b'], [30, 40]])
    for (const ops of [late, between, after]) {
      for (const lookahead of [true, false]) assert.equal(searchSequential(ops, DEFAULT_BUDGET, { lookahead }).verdict, 'valid')
    }
  })

  test("an info op still comes after its process's earlier ok ops: reading its value, then the earlier write's, is invalid", ({
    assert,
  }) => {
    // Process 0 writes a, then times out writing b; process 1 reads b, then a. Writes of x and y by others give the search other ways to try.
    const ops = key(
      [2, 'put', 'x', [0, 1]],
      [0, 'put', 'a', [2, 10]],
      [3, 'put', 'y', [3, 10]],
      [0, 'put', 'b', [20, 20], 'info'],
      [1, 'get', ['b'], [30, 40]],
      [1, 'get', ['a'], [50, 60]],
    )
    for (const lookahead of [true, false]) assert.equal(searchSequential(ops, DEFAULT_BUDGET, { lookahead }).verdict, 'invalid')
  })

  test("a write whose state was explored already does not end the search: another process's delete may still come between", ({
    assert,
  }) => {
    // Process 1 reads absent, swaps absent for b, reads absent again: process 0's delete took effect between.
    const ops = key(
      [1, 'get', [], [10, 20]],
      [1, 'cas', [null, 'b'], [30, 40]],
      [0, 'delete', null, [0, 5]],
      [1, 'get', [], [50, 60]],
      [0, 'get', [], [70, 80]],
    )
    for (const lookahead of [true, false]) assert.equal(searchSequential(ops, DEFAULT_BUDGET, { lookahead }).verdict, 'valid')
  })

  test('which info ops are placed is part of the search state: the dead end is the longest prefix, with both placed', ({ assert }) => {
    // Process 0 reads a, then c (a timed-out cas swapped a timed-out write of b for c), then swaps a for d: a was gone.
    const ops = key(
      [2, 'put', 'b', [0, 0], 'info'],
      [3, 'cas', ['b', 'c'], [10, 10], 'info'],
      [2, 'put', 'a', [15, 20]],
      [0, 'get', ['a'], [30, 40]],
      [0, 'get', ['c'], [50, 60]],
      [0, 'cas', ['a', 'd'], [70, 80]],
    )
    const outcome = searchSequential(ops, DEFAULT_BUDGET, { lookahead: false })
    assert.deepEqual(outcome.verdict === 'invalid' && outcome.deadEnd, { stuck: 5, prefix: [2, 3, 0, 1, 4], state: ops.b[1] })
  })

  test('with the lookahead, the dead end names the earliest read the register refuses, else the earliest ok op, never an info op', ({
    assert,
  }) => {
    // Process 2 reads a, then absent, and nothing deletes: each write would strand the read of absent, so none is placed.
    const refused = key([0, 'put', 'b', [0, 10]], [2, 'get', ['a'], [1, 10]], [1, 'put', 'a', [2, 10]], [2, 'get', [], [20, 30]])
    // Two reads the register refuses in the initial state: the earlier one is named.
    const twoRefused = key(
      [2, 'get', ['a'], [0, 10]],
      [3, 'get', ['b'], [0, 10]],
      [0, 'put', 'a', [1, 10]],
      [1, 'put', 'b', [1, 10]],
      [2, 'get', [], [20, 30]],
    )
    // Only writes can go first (a timed-out one of b, which process 1 reads later), and the lookahead holds each back.
    const heldBack = key(
      [0, 'put', 'b', [0, 0], 'info'],
      [1, 'put', 'a', [1, 10]],
      [2, 'put', 'c', [2, 10]],
      [2, 'get', [], [20, 30]],
      [1, 'get', ['b'], [40, 50]],
    )
    const expected: [KeyOps, number][] = [
      [refused, 1],
      [twoRefused, 0],
      [heldBack, 1],
    ]
    for (const [ops, stuck] of expected) {
      const outcome = searchSequential(ops, DEFAULT_BUDGET)
      assert.deepEqual(outcome.verdict === 'invalid' && outcome.deadEnd, { stuck, prefix: [], state: 0 })
    }
  })

  test('a long key: 30 writes, each read by another process in turn, is valid; with the last read seeing an older value, invalid there', ({
    assert,
  }) => {
    const rows = (last: number) =>
      Array.from({ length: 30 }, (_, k): [number, RegisterOp['f'], unknown, [number, number]][] => [
        [0, 'put', k, [100 * k, 100 * k + 10]],
        [1, 'get', [k === 29 ? last : k], [100 * k + 20, 100 * k + 30]],
      ]).flat()
    // Process 1 reads 28, then 27: no order of process 0's writes explains it.
    const stale = key(...rows(27))
    for (const model of ['linearizable', 'sequential'] as const) {
      for (const lookahead of [true, false]) {
        assert.equal(SEARCHES[model](key(...rows(29)), DEFAULT_BUDGET, { lookahead }).verdict, 'valid')
        const outcome = SEARCHES[model](stale, DEFAULT_BUDGET, { lookahead })
        assert.equal(outcome.verdict, 'invalid')
        assert.isUndefined(badDeadEnd(model, stale, outcome.verdict === 'invalid' ? outcome.deadEnd : undefined))
        // Without the lookahead's pruning, the search gets as far as the stale read.
        if (!lookahead) assert.deepEqual(outcome.verdict === 'invalid' && outcome.deadEnd?.stuck, 59)
      }
    }
  })
})

test.group('search budgets', () => {
  // Ten concurrent writes, then a read no order explains: without lookahead, every subset of the writes is tried.
  const writes = Array.from({ length: 10 }, (_, i): [number, RegisterOp['f'], unknown, [number, number]] => [
    i + 1,
    'put',
    `v${i}`,
    [0, 100],
  ])
  const cases = {
    // Absent, read after every write completed.
    linearizable: key(...writes, [20, 'get', [], [200, 300]]),
    // Process 0 reads absent after its own write.
    sequential: key([0, 'put', 'mine', [0, 100]], ...writes, [0, 'get', [], [200, 300]]),
  }

  for (const model of ['linearizable', 'sequential'] as const) {
    test(`${model}: a search that would run past its budget is unknown, with the dead end reached so far`, ({ assert }) => {
      const ops = cases[model]
      const tight = SEARCHES[model](ops, { ...DEFAULT_BUDGET, steps: 1 }, { lookahead: false })
      assert.equal(tight.verdict, 'unknown')
      assert.match(tight.verdict === 'unknown' ? tight.reason : '', /budget of 1 steps ran out/)
      assert.isUndefined(badDeadEnd(model, ops, tight.verdict === 'unknown' ? tight.deadEnd : undefined))
      const full = SEARCHES[model](ops, DEFAULT_BUDGET, { lookahead: false })
      assert.equal(full.verdict, 'invalid')
      assert.isAbove(full.steps, tight.steps)
      // The lookahead sees at once that nothing writes the absent value again.
      const pruned = SEARCHES[model](ops, DEFAULT_BUDGET)
      assert.equal(pruned.verdict, 'invalid')
      assert.isBelow(pruned.steps, 1000)
    })
  }
})

test.group('register model', () => {
  test('step: a read needs its value, a cas its expected value, a write always takes effect', ({ assert }) => {
    assert.equal(step(2, READ, 2, 0), 2)
    assert.equal(step(2, READ, 3, 0), -1)
    assert.equal(step(2, CAS, 2, 5), 5)
    assert.equal(step(2, CAS, 3, 5), -1)
    assert.equal(step(2, WRITE, 7, 0), 7)
  })

  test('lookahead refuses moving off a value a required read still waits for and no op writes again; undo takes a step back', ({
    assert,
  }) => {
    // write a (0-10), write b (0-10), read a (20-30): placing b first strands the read of a.
    const ops = key([0, 'put', 'a', [0, 10]], [1, 'put', 'b', [0, 10]], [2, 'get', ['a'], [20, 30]])
    const [a, b] = [ops.a[0], ops.a[1]]
    const model = new RegisterModel(ops)
    assert.deepEqual([...model.must], [1, 1, 1])
    assert.equal(model.apply(0, 0), a)
    assert.equal(model.apply(a, 1), -1, 'b would strand the read of a')
    assert.equal(model.apply(a, 2), a)
    assert.equal(model.apply(a, 1), b, 'with the read placed, b may follow')
    model.undo(1)
    model.undo(2)
    assert.equal(model.apply(a, 1), -1, 'undo gave the read back')
    const plain = new RegisterModel(ops, { lookahead: false })
    assert.equal(plain.apply(0, 0), a)
    assert.equal(plain.apply(a, 1), b)
  })

  test('a value written again is not stranded: a second writer may still bring it back', ({ assert }) => {
    const ops = key([0, 'put', 'a', [0, 10]], [1, 'put', 'b', [0, 10]], [0, 'put', 'a', [20, 30]], [2, 'get', ['a'], [40, 50]])
    const model = new RegisterModel(ops)
    const [a, b] = [ops.a[0], ops.a[1]]
    assert.equal(model.apply(0, 0), a)
    assert.equal(model.apply(a, 1), b)
  })
})
