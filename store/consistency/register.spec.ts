/**
 * Single-valued registers: the higher tag wins, merges are commutative, associative and
 * idempotent (so replicas converge whatever order states arrive in), and contexts stay a
 * clock however many writes a key had.
 */
import { test } from '@japa/runner'
import fc from 'fast-check'
import { emptyObject, sameState, type VersionedObject } from '../versioning.ts'
import { compareTags, joinContexts, mergeRegisters, registerAfter, tagOf } from './register.ts'

const NO_CONTEXT = { clock: {}, dots: [] }

/** A state: one write (what a dot names is the same everywhere: its value and its tag), with whatever else its replica has seen. */
const stateArb: fc.Arbitrary<VersionedObject> = fc.oneof(
  fc.constant(emptyObject()),
  fc
    .record({
      node: fc.constantFrom('n1', 'n2', 'n3'),
      counter: fc.integer({ min: 1, max: 6 }),
      seen: fc.dictionary(fc.constantFrom('n1', 'n2', 'n3'), fc.integer({ min: 1, max: 6 })),
    })
    .map(({ node, counter, seen }) => {
      const write = registerAfter({
        value: `${node}:${counter}`,
        deleted: counter % 3 === 0,
        dot: { node, counter },
        n: (counter % 4) + 1,
        after: NO_CONTEXT,
        ts: 0,
      })
      return { ...write, context: joinContexts(write.context, { clock: seen, dots: [] }) }
    }),
)

test.group('registers', () => {
  test('the higher tag wins; equal n is settled by the dot; no tag is lowest', ({ assert }) => {
    const a = registerAfter({ value: 'a', deleted: false, dot: { node: 'n1', counter: 9 }, n: 2, after: NO_CONTEXT, ts: 0 })
    const b = registerAfter({ value: 'b', deleted: false, dot: { node: 'n2', counter: 1 }, n: 2, after: NO_CONTEXT, ts: 0 })
    const c = registerAfter({ value: 'c', deleted: false, dot: { node: 'n1', counter: 1 }, n: 3, after: NO_CONTEXT, ts: 0 })
    assert.equal(mergeRegisters(a, b).siblings[0].value, 'b')
    assert.equal(mergeRegisters(c, mergeRegisters(a, b)).siblings[0].value, 'c')
    assert.isBelow(compareTags(undefined, tagOf(a)), 0)
    assert.equal(mergeRegisters(emptyObject(), a).siblings[0].value, 'a')
    assert.isUndefined(tagOf({ ...emptyObject(), tag: { n: 'x' } } as VersionedObject), 'a malformed tag is no tag')
  })

  test('merge is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(stateArb, stateArb, stateArb, (a, b, c) => {
        const same = (x: VersionedObject, y: VersionedObject): boolean => sameState(x, y) && compareTags(tagOf(x), tagOf(y)) === 0
        return (
          same(mergeRegisters(a, b), mergeRegisters(b, a)) &&
          same(mergeRegisters(mergeRegisters(a, b), c), mergeRegisters(a, mergeRegisters(b, c))) &&
          same(mergeRegisters(a, a), mergeRegisters(a, emptyObject()))
        )
      }),
      { numRuns: 500 },
    )
  })

  test('a context covers every earlier write as one clock entry per actor, however many writes the key had', ({ assert }) => {
    let state: VersionedObject = emptyObject()
    for (let i = 1; i <= 100; i++) {
      const next = registerAfter({ value: i, deleted: false, dot: { node: 'n1', counter: i * 3 }, n: i, after: state.context, ts: 0 })
      state = mergeRegisters(state, next)
    }
    assert.deepEqual(state.context, { clock: { n1: 300 }, dots: [] })
    assert.deepEqual(joinContexts({ clock: { a: 1 }, dots: [{ node: 'b', counter: 4 }] }, { clock: { b: 2 }, dots: [] }), {
      clock: { a: 1, b: 4 },
      dots: [],
    })
  })
})
