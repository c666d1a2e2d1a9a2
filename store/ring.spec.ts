import { test } from '@japa/runner'
import { Ring, ringPosition } from './ring.ts'

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5']

test.group('ring', () => {
  test('positions are MD5 as 32 hex digits', ({ assert }) => {
    assert.match(ringPosition('anything'), /^[0-9a-f]{32}$/)
    assert.equal(ringPosition(''), 'd41d8cd98f00b204e9800998ecf8427e')
  })

  test('each node owns vnodes tokens', ({ assert }) => {
    const ring = new Ring({ nodes, vnodes: 8 })
    assert.lengthOf(ring.tokens, 40)
    for (const n of nodes)
      assert.lengthOf(
        ring.tokens.filter((t) => t.node === n),
        8,
      )
    for (let i = 1; i < ring.tokens.length; i++) assert.isTrue(ring.tokens[i - 1].position < ring.tokens[i].position)
  })

  test('a preference list holds every node once and starts at the first token clockwise', ({ assert }) => {
    const ring = new Ring({ nodes })
    for (let i = 0; i < 200; i++) {
      const key = `key-${i}`
      const list = ring.preferenceList(key)
      assert.sameMembers([...list], nodes)
      const position = ringPosition(key)
      const first = ring.tokens.find((t) => t.position >= position) ?? ring.tokens[0]
      assert.equal(list[0], first.node)
      assert.deepEqual(ring.homeReplicas(key, 3), list.slice(0, 3))
    }
  })

  test('the ring does not depend on the order nodes are given in', ({ assert }) => {
    const a = new Ring({ nodes })
    const b = new Ring({ nodes: [...nodes].reverse() })
    for (let i = 0; i < 50; i++) assert.deepEqual(a.preferenceList(`k${i}`), b.preferenceList(`k${i}`))
  })

  test('virtual nodes spread keys: each node is first for a fair share', ({ assert }) => {
    const ring = new Ring({ nodes: ['n1', 'n2', 'n3'], vnodes: 64 })
    const firsts = new Map<string, number>()
    const keys = 30_000
    for (let i = 0; i < keys; i++) {
      const first = ring.preferenceList(`k${i}`)[0]
      firsts.set(first, (firsts.get(first) ?? 0) + 1)
    }
    for (const count of firsts.values()) assert.isAbove(count / keys, 0.2)
  })

  test('adding a node moves only the keys it takes over', ({ assert }) => {
    const before = new Ring({ nodes: ['n1', 'n2', 'n3'] })
    const after = new Ring({ nodes: ['n1', 'n2', 'n3', 'n4'] })
    for (let i = 0; i < 500; i++) {
      const owner = after.preferenceList(`k${i}`)[0]
      if (owner !== 'n4') assert.equal(owner, before.preferenceList(`k${i}`)[0])
    }
  })

  test('keys of one arc share a preference list and fall inside the arc', ({ assert }) => {
    const ring = new Ring({ nodes })
    for (let i = 0; i < 300; i++) {
      const key = `arc-${i}`
      const arc = ring.arcOf(key)
      assert.deepEqual(ring.arcPreferenceList(arc), ring.preferenceList(key))
      const { start, end } = ring.arcRange(arc)
      const position = ringPosition(key)
      const inside = start < end ? position > start && position <= end : position > start || position <= end
      assert.isTrue(inside, key)
    }
  })

  test('the arcs tile the circle: each starts where the one before ends, arc 0 where the last ends', ({ assert }) => {
    const ring = new Ring({ nodes, vnodes: 4 })
    const count = ring.tokens.length
    for (let arc = 0; arc < count; arc++) {
      assert.equal(ring.arcRange(arc).start, ring.arcRange((arc + count - 1) % count).end, `arc ${arc}`)
      assert.equal(ring.arcRange(arc).end, ring.tokens[arc].position)
    }
  })

  test('a key exactly at a token position belongs to the arc that token ends (arcs are (start, end])', ({ assert }) => {
    const ring = new Ring({ nodes, vnodes: 4 })
    // A token sits at MD5("<node>#<i>"), so the key "<node>#<i>" hashes onto it.
    for (const node of nodes) {
      for (let i = 0; i < 4; i++) {
        const key = `${node}#${i}`
        const arc = ring.tokens.findIndex((t) => t.position === ringPosition(key))
        assert.isAtLeast(arc, 0)
        assert.equal(ring.arcOf(key), arc, key)
        assert.equal(ring.preferenceList(key)[0], node)
      }
    }
  })

  test('nodes are kept sorted, whatever order they are given in', ({ assert }) => {
    assert.deepEqual(new Ring({ nodes: ['n3', 'n1', 'n2'] }).nodes, ['n1', 'n2', 'n3'])
  })

  test('bad options are refused', ({ assert }) => {
    assert.throws(() => new Ring({ nodes: [] }), /at least one node/)
    assert.throws(() => new Ring({ nodes: ['a', 'a'] }), /distinct/)
    assert.throws(() => new Ring({ nodes: ['a'], vnodes: 0 }), /vnodes/)
    assert.throws(() => new Ring({ nodes: ['a'], vnodes: 1.5 }), /vnodes/)
    assert.lengthOf(new Ring({ nodes: ['a', 'b'], vnodes: 1 }).tokens, 2)
  })
})
