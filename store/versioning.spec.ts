import { createHmac } from 'node:crypto'
import { test } from '@japa/runner'
import {
  actorId,
  applyWrite,
  compareClocks,
  decodeContext,
  emptyObject,
  encodeContext,
  encodeStateContext,
  highestClaim,
  isEmptyObject,
  isVersionedObject,
  join,
  liveSiblings,
  merge,
  sameState,
  type Sibling,
  type VersionedObject,
  type WriteInput,
} from './versioning.ts'
import { covers, peekContext, type CausalContext, type Clock } from '../common/contracts/causal.ts'

const ctx = (clock: Clock, dots: CausalContext['dots'] = []): CausalContext => ({ clock, dots })

const write = (node: string, counter: number, context: CausalContext, value: unknown, ts = counter): WriteInput => ({
  node,
  counter,
  context,
  value,
  deleted: false,
  ts,
})

const values = (object: VersionedObject): unknown[] => liveSiblings(object).map((s) => s.value)

test.group('versioning: clocks', () => {
  test('covers, join and compare', ({ assert }) => {
    assert.isTrue(covers(ctx({ a: 3 }), { node: 'a', counter: 3 }))
    assert.isFalse(covers(ctx({ a: 3 }), { node: 'a', counter: 4 }))
    assert.isFalse(covers(ctx({}), { node: 'b', counter: 1 }))
    assert.isTrue(covers(ctx({ a: 3 }, [{ node: 'a', counter: 9 }]), { node: 'a', counter: 9 }))
    assert.isFalse(covers(ctx({ a: 3 }, [{ node: 'a', counter: 9 }]), { node: 'a', counter: 8 }))
    assert.deepEqual(join({ a: 1, b: 5 }, { a: 4, c: 2 }), { a: 4, b: 5, c: 2 })
    assert.equal(compareClocks({ a: 1 }, { a: 1 }), 'equal')
    assert.equal(compareClocks({ a: 1 }, { a: 2 }), 'before')
    assert.equal(compareClocks({ a: 2, b: 1 }, { a: 2 }), 'after')
    assert.equal(compareClocks({ a: 2 }, { b: 1 }), 'concurrent')
  })
})

test.group('versioning: dvv', () => {
  test('a write with the read context replaces what was read', ({ assert }) => {
    const first = applyWrite('dvv', emptyObject(), write('a', 1, ctx({}), 'x')).object
    const second = applyWrite('dvv', first, write('a', 2, first.context, 'y')).object
    assert.deepEqual(values(second), ['y'])
    assert.deepEqual(second.context, { clock: { a: 2 }, dots: [] })
  })

  test('two blind writes through one coordinator both survive', ({ assert }) => {
    const first = applyWrite('dvv', emptyObject(), write('a', 1, ctx({}), 'x')).object
    const second = applyWrite('dvv', first, write('a', 2, ctx({}), 'y')).object
    assert.sameMembers(values(second), ['x', 'y'])
  })

  test('writes with the same stale context on two coordinators merge into siblings', ({ assert }) => {
    const base = applyWrite('dvv', emptyObject(), write('a', 1, ctx({}), 'base')).object
    const onA = applyWrite('dvv', base, write('a', 2, base.context, 'from-a')).object
    const onB = applyWrite('dvv', base, write('b', 1, base.context, 'from-b')).object
    const merged = merge('dvv', onA, onB)
    assert.sameMembers(values(merged), ['from-a', 'from-b'])
    const collapsed = applyWrite('dvv', merged, write('c', 1, merged.context, 'resolved')).object
    assert.deepEqual(values(collapsed), ['resolved'])
  })

  test('a write keeps siblings its context has not seen', ({ assert }) => {
    const x = applyWrite('dvv', emptyObject(), write('a', 1, ctx({}), 'x')).object
    const readContext = x.context
    const y = applyWrite('dvv', x, write('a', 2, ctx({}), 'y')).object
    const z = applyWrite('dvv', y, write('a', 3, readContext, 'z')).object
    assert.sameMembers(values(z), ['y', 'z'])
  })

  test('a replica that already discarded a version does not take it back', ({ assert }) => {
    const x = applyWrite('dvv', emptyObject(), write('a', 1, ctx({}), 'x')).object
    const replaced = applyWrite('dvv', x, write('a', 2, x.context, 'y')).object
    assert.deepEqual(values(merge('dvv', replaced, x)), ['y'])
    assert.deepEqual(values(merge('dvv', x, replaced)), ['y'])
  })

  test("a write's answer covers what it read and its own dot, not siblings it never saw", ({ assert }) => {
    const world = applyWrite('dvv', emptyObject(), write('a', 1, ctx({}), 'world')).object
    const blind = applyWrite('dvv', world, write('a', 2, ctx({}), 'blind'))
    assert.isFalse(covers(blind.context, world.siblings[0].dot))
    const next = applyWrite('dvv', blind.object, write('a', 3, blind.context, 'next')).object
    assert.sameMembers(values(next), ['world', 'next'])
  })

  test('a loose dot from a write answer supersedes that write when it arrives later', ({ assert }) => {
    // c holds c:3, unseen by the writer of c:5: the answer's clock stops below it and c:5 stays loose.
    const first = applyWrite('dvv', emptyObject(), write('c', 3, ctx({}), 'first-via-c')).object
    const onC = applyWrite('dvv', first, write('c', 5, ctx({}), 'via-c'))
    assert.deepEqual(onC.context, ctx({ c: 2 }, [{ node: 'c', counter: 5 }]))
    const onA = applyWrite('dvv', emptyObject(), write('a', 1, onC.context, 'via-a')).object
    assert.deepEqual(onA.context.dots, [{ node: 'c', counter: 5 }])
    assert.sameMembers(values(merge('dvv', onA, onC.object)), ['first-via-c', 'via-a'])
    assert.sameMembers(values(merge('dvv', onC.object, onA)), ['first-via-c', 'via-a'])
  })

  test("a write's answer folds its own dot into the clock unless a sibling of the coordinator's is unseen", ({ assert }) => {
    // The coordinator's dots below 7 are for other keys, seen, or superseded: the clock may cover them.
    const alone = applyWrite('dvv', emptyObject(), write('a', 7, ctx({ b: 2 }), 'x'))
    assert.deepEqual(alone.context, ctx({ a: 7, b: 2 }))
    // Another node's unseen sibling is no gap in a's dots.
    const fromB = applyWrite('dvv', emptyObject(), write('b', 3, ctx({}), 'from-b')).object
    const chained = applyWrite('dvv', merge('dvv', alone.object, fromB), write('a', 9, alone.context, 'y'))
    assert.deepEqual(chained.context, ctx({ a: 9, b: 2 }))
    // An unseen sibling of a's own (a:9 here, for a writer who saw only b:2) is a gap.
    const stale = applyWrite('dvv', chained.object, write('a', 12, ctx({ b: 2 }), 'w'))
    assert.deepEqual(stale.context, ctx({ a: 8, b: 2 }, [{ node: 'a', counter: 12 }]))
    assert.isFalse(covers(stale.context, { node: 'a', counter: 9 }))
  })

  test('a delete leaves a tombstone that hides the value but keeps the clock', ({ assert }) => {
    const x = applyWrite('dvv', emptyObject(), write('a', 1, ctx({}), 'x')).object
    const deleted = applyWrite('dvv', x, { ...write('a', 2, x.context, null), deleted: true }).object
    assert.deepEqual(values(deleted), [])
    assert.lengthOf(deleted.siblings, 1)
    assert.deepEqual(deleted.context.clock, { a: 2 })
  })
})

test.group('versioning: vv', () => {
  test('two blind writes through one coordinator get equal clocks and one is lost', ({ assert }) => {
    const first = applyWrite('vv', emptyObject(), write('a', 1, ctx({}), 'x', 1))
    const second = applyWrite('vv', first.object, write('a', 2, ctx({}), 'y', 2))
    assert.deepEqual(first.sibling.clock, second.sibling.clock)
    assert.deepEqual(values(second.object), ['y'])
  })

  test('writes through different coordinators are concurrent siblings', ({ assert }) => {
    const onA = applyWrite('vv', emptyObject(), write('a', 1, ctx({}), 'x')).object
    const onB = applyWrite('vv', emptyObject(), write('b', 1, ctx({}), 'y')).object
    assert.sameMembers(values(merge('vv', onA, onB)), ['x', 'y'])
  })

  test('the dot is the incremented entry of the given context', ({ assert }) => {
    const { sibling } = applyWrite('vv', emptyObject(), write('a', 99, ctx({ a: 4, b: 2 }), 'x'))
    assert.deepEqual(sibling.dot, { node: 'a', counter: 5 })
    assert.deepEqual(sibling.clock, { a: 5, b: 2 })
  })
})

test.group('versioning: lww', () => {
  test('concurrent writes keep only the latest timestamp', ({ assert }) => {
    const onA = applyWrite('lww', emptyObject(), write('a', 1, ctx({}), 'early', 100)).object
    const onB = applyWrite('lww', emptyObject(), write('b', 1, ctx({}), 'late', 200)).object
    const merged = merge('lww', onA, onB)
    assert.deepEqual(values(merged), ['late'])
    // A reader of the winner did not see the dropped write.
    assert.isFalse(covers(merged.context, { node: 'a', counter: 1 }))
    assert.isTrue(covers(merged.context, { node: 'b', counter: 1 }))
  })

  test('a write stamped behind the stored one is dropped at once (clock skew)', ({ assert }) => {
    const ahead = applyWrite('lww', emptyObject(), write('a', 1, ctx({}), 'from-the-future', 5_000)).object
    const behind = applyWrite('lww', ahead, write('a', 2, ahead.context, 'now', 1_000)).object
    assert.deepEqual(values(behind), ['from-the-future'])
  })
})

const seal = { secret: 'secret', key: 'k' }

test.group('versioning: contexts', () => {
  test('round trip', ({ assert }) => {
    const context = encodeContext(
      ctx({ n2: 7, n1: 3 }, [
        { node: 'n1', counter: 9 },
        { node: 'n1', counter: 2 },
      ]),
      seal,
    )
    assert.match(context, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
    const expected = ctx({ n1: 3, n2: 7 }, [{ node: 'n1', counter: 9 }])
    assert.deepEqual(decodeContext(context, seal), { ok: true, context: expected })
    assert.deepEqual(peekContext(context), expected)
  })

  test('the signature is the first 16 bytes of HMAC-SHA256 of [key, payload], as createHmac computes it', ({ assert }) => {
    const secrets = ['s', 'a secret of exactly sixty-four bytes, padded to the block size..', 'é'.repeat(40), 'x'.repeat(200)]
    const keys = ['k', 'ключ-ü', 'a'.repeat(5000), '']
    let checked = 0
    for (const secret of secrets) {
      for (const key of keys) {
        for (const context of [ctx({}), ctx({ n1: 3, n2: 2 ** 40 }, [{ node: 'n1', counter: 9 }])]) {
          const [payload, signature] = encodeContext(context, { secret, key }).split('.')
          const expected = createHmac('sha256', secret)
            .update(JSON.stringify([key, payload]))
            .digest()
            .subarray(0, 16)
          assert.equal(signature, expected.toString('base64url'), `${secret.length} ${key.length}`)
          checked += 1
        }
      }
    }
    assert.equal(checked, 32)
  })

  test("a stored state's context is encoded as encodeContext encodes it, for each key and secret it is sealed with", ({ assert }) => {
    const state = ctx({ n2: 7, n1: 3 }, [{ node: 'n1', counter: 9 }])
    const seals = [seal, { ...seal, key: 'another-key' }, { ...seal, secret: 'other' }, seal]
    for (const s of seals) {
      assert.equal(encodeStateContext(state, s), encodeContext(state, s), JSON.stringify(s))
      assert.equal(encodeStateContext(state, s), encodeContext(ctx({ n1: 3, n2: 7 }, [{ node: 'n1', counter: 9 }]), s))
    }
    assert.notEqual(encodeStateContext(state, seals[0]), encodeStateContext(state, seals[1]))
    assert.notEqual(encodeStateContext(state, seals[0]), encodeStateContext(state, seals[2]))
  })

  test('forged, foreign (other cluster or other key) and malformed contexts are refused', ({ assert }) => {
    const real = encodeContext(ctx({ n1: 3 }), seal)
    const forgedPayload = Buffer.from(JSON.stringify({ clock: { n1: 1_000_000 } })).toString('base64url')
    const forged = `${forgedPayload}.${real.split('.')[1]}`
    for (const bad of [
      forged,
      encodeContext(ctx({ n1: 3 }), { ...seal, secret: 'other' }),
      encodeContext(ctx({ n1: 3 }), { ...seal, key: 'another-key' }),
      'garbage',
      '.',
      '',
      'e30.',
      `${real}x`,
    ]) {
      assert.isFalse(decodeContext(bad, seal).ok, bad)
    }
  })

  test('a context signed for one key never verifies for another, whatever the keys hold', ({ assert }) => {
    const donor = encodeContext(ctx({ n1: 2 ** 50 }), { ...seal, key: 'acct\u0000ICAg' })
    const [payload, signature] = donor.split('.')
    assert.isFalse(decodeContext(`ICAg\u0000${payload}.${signature}`, { ...seal, key: 'acct' }).ok)
    assert.isFalse(decodeContext(`ICAg${payload}.${signature}`, { ...seal, key: 'acct' }).ok)
    const quoted = encodeContext(ctx({ n1: 1 }), { ...seal, key: 'a","b' })
    assert.isFalse(decodeContext(quoted, { ...seal, key: 'a' }).ok)
  })

  test('only canonical base64url is accepted', ({ assert }) => {
    const real = encodeContext(ctx({ n1: 3 }), seal)
    const [payload, signature] = real.split('.')
    assert.isTrue(decodeContext(real, seal).ok)
    for (const bad of [
      `${payload}=.${signature}`,
      `${payload}.${signature}==`,
      `${payload}\u0000.${signature}`,
      `${payload} .${signature}`,
    ]) {
      const decoded = decodeContext(bad, seal)
      assert.deepEqual(decoded, { ok: false, reason: 'context is not canonical base64url (as a read or write returned it)' }, bad)
    }
    // The last character carries bits beyond the payload's bytes: another spelling of the same bytes.
    const last = signature.at(-1)!
    const twin = `${signature.slice(0, -1)}${String.fromCharCode(last.charCodeAt(0) + 1)}`
    assert.deepEqual(Buffer.from(twin, 'base64url'), Buffer.from(signature, 'base64url'))
    assert.isFalse(decodeContext(`${payload}.${twin}`, seal).ok)
  })

  test('a signed payload that is not a clock is refused', ({ assert }) => {
    assert.isTrue(decodeContext(encodeContext(ctx({}), seal), seal).ok)
    const notClock = encodeContext(ctx({ n1: -1 }), seal)
    assert.isFalse(decodeContext(notClock, seal).ok)
  })
})

test.group('versioning: deterministic choices', () => {
  test('a state has one serialisation whatever order its parts came in (the Merkle digest hashes its JSON)', ({ assert }) => {
    for (const mode of ['dvv', 'vv', 'lww'] as const) {
      // Clocks and contexts built with their nodes in opposite insertion orders.
      const a = applyWrite(mode, emptyObject(), write('c', 3, ctx({ z: 2, b: 1 }, [{ node: 'y', counter: 9 }]), 'from c')).object
      const b = applyWrite(mode, emptyObject(), write('a', 5, ctx({ b: 1, z: 2 }), 'from a')).object
      const one = JSON.stringify(merge(mode, a, b))
      assert.equal(JSON.stringify(merge(mode, b, a)), one, mode)
      assert.equal(JSON.stringify(merge(mode, merge(mode, b, a), a)), one, mode)
      const clock = (JSON.parse(one) as VersionedObject).context.clock
      assert.deepEqual(Object.keys(clock), Object.keys(clock).sort(), `${mode}: the context's clock is sorted`)
    }
  })

  test('vv: of two writes with equal clocks the later timestamp wins, at equal times the larger value, and a value beats a tombstone', ({
    assert,
  }) => {
    const blind = (value: unknown, ts: number, deleted = false) =>
      applyWrite('vv', emptyObject(), { ...write('a', 1, ctx({}), value, ts), deleted }).object
    for (const [x, y, winner] of [
      [blind('z', 1), blind('a', 2), 'a'],
      [blind('a', 1), blind('b', 1), 'b'],
      [blind('b', 1), blind('a', 1), 'b'],
    ] as const) {
      for (const merged of [merge('vv', x, y), merge('vv', y, x)]) {
        assert.lengthOf(merged.siblings, 1)
        assert.deepEqual(values(merged), [winner])
      }
    }
    const tombstone = blind('x', 1, true)
    const value = blind('x', 1)
    for (const merged of [merge('vv', tombstone, value), merge('vv', value, tombstone)]) {
      assert.deepEqual(
        merged.siblings.map((s) => s.deleted),
        [false],
      )
    }
  })

  test('lww: at equal timestamps the higher dot wins, whatever the values', ({ assert }) => {
    const onA = applyWrite('lww', emptyObject(), write('a', 1, ctx({}), 'z', 100)).object
    const onB = applyWrite('lww', emptyObject(), write('b', 1, ctx({}), 'a', 100)).object
    for (const merged of [merge('lww', onA, onB), merge('lww', onB, onA)]) {
      assert.deepEqual(values(merged), ['a'])
      // The winner's context: its writer's clock and its own dot, no loose dots.
      assert.deepEqual(merged.context, ctx({ b: 1 }))
    }
  })

  test('dvv: siblings are kept in dot order, whichever replica merges', ({ assert }) => {
    const onB = applyWrite('dvv', emptyObject(), write('b', 1, ctx({}), 'from-b')).object
    const onA = applyWrite('dvv', emptyObject(), write('a', 2, ctx({}), 'from-a')).object
    const onC = applyWrite('dvv', emptyObject(), write('c', 1, ctx({}), 'from-c')).object
    for (const merged of [merge('dvv', merge('dvv', onC, onB), onA), merge('dvv', onB, merge('dvv', onA, onC))]) {
      assert.deepEqual(values(merged), ['from-a', 'from-b', 'from-c'])
    }
  })

  test('a sibling carries loose dots only when its writer had some', ({ assert }) => {
    const blind = applyWrite('dvv', emptyObject(), write('a', 1, ctx({}), 'x')).sibling
    assert.notProperty(blind, 'dots')
    const after = applyWrite('dvv', emptyObject(), write('a', 2, ctx({}, [{ node: 'b', counter: 4 }]), 'y')).sibling
    assert.deepEqual(after.dots, [{ node: 'b', counter: 4 }])
  })
})

test.group('versioning: state helpers', () => {
  const dot = (node: string, counter: number) => ({ node, counter })
  const sibling = (d: { node: string; counter: number }, extra: Partial<Sibling> = {}): Sibling => ({
    dot: d,
    clock: {},
    value: 'v',
    deleted: false,
    ts: 1,
    ...extra,
  })

  test('actorId joins node and incarnation with a dot', ({ assert }) => {
    assert.equal(actorId('n1', 'k3x'), 'n1.k3x')
  })

  test("highestClaim: the highest counter of the actor in a context's clock and dots, and in siblings' clocks, dots and own dots", ({
    assert,
  }) => {
    const context = ctx({ a: 3, b: 50 }, [dot('a', 5), dot('b', 60)])
    assert.equal(highestClaim('a', context), 5)
    assert.equal(highestClaim('a', ctx({ a: 3 }, [dot('a', 2)])), 3)
    assert.equal(highestClaim('a', context, [sibling(dot('b', 70), { clock: { a: 7 } })]), 7)
    assert.equal(highestClaim('a', context, [sibling(dot('b', 70), { dots: [dot('a', 8), dot('b', 90)] })]), 8)
    assert.equal(highestClaim('a', context, [sibling(dot('b', 70)), sibling(dot('a', 10))]), 10)
    assert.equal(highestClaim('c', context, [sibling(dot('a', 10))]), 0)
  })

  test('isEmptyObject: nothing stored and nothing seen', ({ assert }) => {
    assert.isTrue(isEmptyObject(emptyObject()))
    assert.isFalse(isEmptyObject({ context: ctx({}), siblings: [sibling(dot('a', 1))] }))
    assert.isFalse(isEmptyObject({ context: ctx({ a: 1 }), siblings: [] }))
    assert.isFalse(isEmptyObject({ context: ctx({}, [dot('a', 1)]), siblings: [] }))
  })

  test('sameState: same versions and context, and each difference spotted', ({ assert }) => {
    const state = (over: Partial<VersionedObject> = {}): VersionedObject => ({
      context: ctx({ a: 2 }, [dot('b', 5), dot('c', 6)]),
      siblings: [sibling(dot('a', 1)), sibling(dot('a', 2), { value: 'w' })],
      ...over,
    })
    assert.isTrue(sameState(state(), state()))
    const different = [
      state({ siblings: [sibling(dot('a', 1))] }),
      state({ siblings: [sibling(dot('a', 1)), sibling(dot('a', 2), { value: 'other' })] }),
      state({ context: ctx({ a: 3 }, [dot('b', 5), dot('c', 6)]) }),
      state({ context: ctx({ a: 2 }, [dot('b', 5)]) }),
      state({ context: ctx({ a: 2 }, [dot('b', 5), dot('c', 7)]) }),
    ]
    for (const other of different) {
      assert.isFalse(sameState(state(), other), JSON.stringify(other))
      assert.isFalse(sameState(other, state()), JSON.stringify(other))
    }
  })

  test('isVersionedObject: the shape a peer must send, and each way to miss it', ({ assert }) => {
    const good = { context: ctx({ a: 1 }), siblings: [sibling(dot('a', 1)), sibling(dot('a', 2), { dots: [dot('b', 1)] })] }
    assert.isTrue(isVersionedObject(good))
    assert.isTrue(isVersionedObject({ context: ctx({}), siblings: [] }))
    const bad: unknown[] = [
      null,
      'state',
      { context: { clock: { a: -1 }, dots: [] }, siblings: [] },
      { context: ctx({}), siblings: 'none' },
      { context: ctx({}), siblings: [null] },
      { context: ctx({}), siblings: ['s'] },
      { context: ctx({}), siblings: [{ ...sibling(dot('a', 1)), dot: { node: 'a' } }] },
      { context: ctx({}), siblings: [{ ...sibling(dot('a', 1)), clock: { a: 'x' } }] },
      { context: ctx({}), siblings: [{ ...sibling(dot('a', 1)), dots: 'x' }] },
      { context: ctx({}), siblings: [sibling(dot('a', 1), { dots: [dot('b', 1), { node: 'c' } as never] })] },
      { context: ctx({}), siblings: [{ dot: dot('a', 1), clock: {}, deleted: false, ts: 1 }] },
      { context: ctx({}), siblings: [{ ...sibling(dot('a', 1)), deleted: 'no' }] },
      { context: ctx({}), siblings: [{ ...sibling(dot('a', 1)), ts: Number.NaN }] },
      { context: ctx({}), siblings: [sibling(dot('a', 1)), { ...sibling(dot('a', 2)), ts: 'x' }] },
    ]
    for (const value of bad) assert.isFalse(isVersionedObject(value), JSON.stringify(value))
  })

  test('an encoded context without loose dots carries only its clock; the refusals name their reason', ({ assert }) => {
    const [payload] = encodeContext(ctx({ n1: 3 }), seal).split('.')
    assert.equal(Buffer.from(payload, 'base64url').toString(), '{"clock":{"n1":3}}')
    const signature = encodeContext(ctx({}), seal).split('.')[1]
    for (const bad of ['garbage', `.${signature}`]) {
      assert.deepEqual(decodeContext(bad, seal), { ok: false, reason: 'context is not of the form <payload>.<signature>' }, bad)
    }
  })
})
