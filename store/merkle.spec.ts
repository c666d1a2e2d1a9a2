import { test } from '@japa/runner'
import { MERKLE_DEPTH, MerkleIndex } from './merkle.ts'
import { Ring } from './ring.ts'
import { applyWrite, emptyObject, type VersionedObject } from './versioning.ts'
import { emptyContext } from '../common/contracts/causal.ts'

const ring = new Ring({ nodes: ['n1', 'n2', 'n3'], vnodes: 4 })
const objectOf = (value: unknown, counter = 1): VersionedObject =>
  applyWrite('dvv', emptyObject(), { node: 'n1', counter, context: emptyContext(), value, deleted: false, ts: 0 }).object

/** An index over an in-memory store, and a way to change a key in both. */
function indexWith(entries: [string, VersionedObject][]): MerkleIndex & { set(key: string, object: VersionedObject): void } {
  const store = new Map<string, VersionedObject>()
  const index = new MerkleIndex({ ring, load: (key) => store.get(key) })
  const set = (key: string, object: VersionedObject): void => {
    store.set(key, object)
    index.touch(key)
  }
  for (const [key, object] of entries) set(key, object)
  return Object.assign(index, { set })
}

const keys = Array.from({ length: 200 }, (_, i) => `k${i}`)

test.group('merkle index', () => {
  test('the same content gives the same roots whatever the insertion order', ({ assert }) => {
    const a = indexWith(keys.map((k) => [k, objectOf(k)]))
    const b = indexWith([...keys].reverse().map((k) => [k, objectOf(k)]))
    for (let arc = 0; arc < a.arcCount; arc++) assert.equal(a.root(arc), b.root(arc))
  })

  test('one differing key changes only its arc, and one path leads to its leaf', ({ assert }) => {
    const a = indexWith(keys.map((k) => [k, objectOf(k)]))
    const b = indexWith(keys.map((k) => [k, k === 'k42' ? objectOf('changed', 2) : objectOf(k)]))
    const arc = ring.arcOf('k42')
    for (let other = 0; other < a.arcCount; other++) {
      if (other === arc) assert.notEqual(a.root(other), b.root(other))
      else assert.equal(a.root(other), b.root(other))
    }
    let differing = [0]
    for (let level = 1; level <= MERKLE_DEPTH; level++) {
      differing = differing
        .flatMap((i) => [2 * i, 2 * i + 1])
        .filter((index) => a.hash({ arc, level, index }) !== b.hash({ arc, level, index }))
      assert.lengthOf(differing, 1)
    }
    const leafKeys = a.leafKeys(arc, differing[0]).map((k) => k.key)
    assert.include(leafKeys, 'k42')
    const theirs = new Map(b.leafKeys(arc, differing[0]).map((k) => [k.key, k.digest]))
    const diff = a.leafKeys(arc, differing[0]).filter((k) => theirs.get(k.key) !== k.digest)
    assert.deepEqual(
      diff.map((k) => k.key),
      ['k42'],
    )
  })

  test("every part of a key's state reaches its digest: replicas that differ in any one are told apart", ({ assert }) => {
    const base = (): VersionedObject => ({
      context: { clock: { n1: 2, n2: 1 }, dots: [{ node: 'n3', counter: 4 }] },
      siblings: [{ dot: { node: 'n1', counter: 2 }, clock: { n2: 1 }, value: { v: 'a' }, deleted: false, ts: 10 }],
    })
    const variants: Record<string, (o: VersionedObject) => void> = {
      "the context's clock": (o) => {
        o.context.clock.n2 = 2
      },
      "the context's loose dots": (o) => {
        o.context.dots = []
      },
      "a sibling's dot": (o) => {
        o.siblings[0].dot = { node: 'n2', counter: 2 }
      },
      "a sibling's clock": (o) => {
        o.siblings[0].clock = {}
      },
      "a sibling's value": (o) => {
        o.siblings[0].value = { v: 'b' }
      },
      'a tombstone': (o) => {
        o.siblings[0].deleted = true
      },
      "a sibling's time": (o) => {
        o.siblings[0].ts = 11
      },
      'another sibling': (o) => {
        o.siblings.push({ ...o.siblings[0], dot: { node: 'n3', counter: 4 } })
      },
    }
    const digestOf = (object: VersionedObject): string | undefined => {
      const index = indexWith([['k', object]])
      const arc = ring.arcOf('k')
      for (let leaf = 0; leaf < 2 ** MERKLE_DEPTH; leaf++) {
        const [found] = index.leafKeys(arc, leaf)
        if (found) return found.digest
      }
      return undefined
    }
    const original = digestOf(base())
    assert.isString(original)
    assert.equal(digestOf(base()), original)
    for (const [part, change] of Object.entries(variants)) {
      const changed = base()
      change(changed)
      assert.notEqual(digestOf(changed), original, part)
    }
  })

  test('updating back to the old state restores the old root', ({ assert }) => {
    const index = indexWith(keys.map((k) => [k, objectOf(k)]))
    const arc = ring.arcOf('k7')
    const before = index.root(arc)
    index.set('k7', objectOf('other', 3))
    assert.notEqual(index.root(arc), before)
    index.set('k7', objectOf('k7'))
    assert.equal(index.root(arc), before)
    assert.equal(index.keyCount(arc), keys.filter((k) => ring.arcOf(k) === arc).length)
  })

  test("a leaf's hash is the XOR of its keys' digests, byte for byte", ({ assert }) => {
    const index = indexWith(keys.map((k) => [k, objectOf(k)]))
    let checked = 0
    for (let arc = 0; arc < index.arcCount; arc++) {
      for (let leaf = 0; leaf < 2 ** MERKLE_DEPTH; leaf++) {
        const expected = Buffer.alloc(16)
        for (const { digest } of index.leafKeys(arc, leaf)) {
          const bytes = Buffer.from(digest, 'hex')
          for (let i = 0; i < 16; i++) expected[i] ^= bytes[i]
        }
        assert.equal(index.hash({ arc, level: MERKLE_DEPTH, index: leaf }), expected.toString('hex'))
        checked += index.leafKeys(arc, leaf).length
      }
    }
    assert.equal(checked, keys.length)
  })

  test('hashes kept between changes agree with an index built afresh from the same content', ({ assert }) => {
    const content = new Map<string, VersionedObject>(keys.map((k) => [k, objectOf(k)]))
    const kept = indexWith([...content])
    const everyNode = (index: MerkleIndex): string[] =>
      Array.from({ length: index.arcCount }, (_, arc) =>
        Array.from({ length: MERKLE_DEPTH + 1 }, (_, level) =>
          Array.from({ length: 2 ** level }, (_, i) => index.hash({ arc, level, index: i })),
        ),
      ).flat(2)
    // Walks (some nodes asked, as anti-entropy does level by level) interleaved with changes, some to the same leaf.
    for (let step = 0; step < 40; step++) {
      const arc = step % kept.arcCount
      kept.hash({ arc, level: step % (MERKLE_DEPTH + 1), index: 0 })
      const key = keys[(step * 37) % keys.length]
      const object = objectOf(`step ${step}`, step + 2)
      content.set(key, object)
      kept.set(key, object)
      if (step % 5 === 0) assert.deepEqual(everyNode(kept), everyNode(indexWith([...content])), `after step ${step}`)
    }
    assert.deepEqual(everyNode(kept), everyNode(indexWith([...content])))
  })

  test('a refreshed key is hashed at once from its stored state, and not read back when a tree is looked at', ({ assert }) => {
    const store = new Map<string, VersionedObject>(keys.map((k) => [k, objectOf(k)]))
    const loads: string[] = []
    const index = new MerkleIndex({
      ring,
      load: (key) => {
        loads.push(key)
        return store.get(key)
      },
    })
    for (const key of keys) index.touch(key)
    const arc = ring.arcOf('k7')
    index.root(arc)
    assert.lengthOf(loads, keys.length, 'keys only touched are read when a tree is first looked at')
    loads.length = 0
    store.set('k7', objectOf('changed', 9))
    index.refresh('k7')
    assert.deepEqual(loads, ['k7'])
    const fresh = indexWith([...store])
    assert.equal(index.digestOf('k7'), fresh.digestOf('k7'))
    assert.equal(index.root(arc), fresh.root(arc))
    assert.deepEqual(loads, ['k7'], 'nothing read back later')
  })

  test('keys that go and come back leave every node, leaf list and count as an index built afresh', ({ assert }) => {
    // More keys than the index starts with room for, so its arrays grow while keys go and come.
    const many = Array.from({ length: 3000 }, (_, i) => `m${i}`)
    const content = new Map<string, VersionedObject>(many.map((k) => [k, objectOf(k)]))
    const store = new Map(content)
    const kept = new MerkleIndex({ ring, load: (key) => store.get(key) })
    for (const key of many) kept.refresh(key)
    const gone = many.filter((_, i) => i % 3 === 0)
    for (const key of gone) {
      store.delete(key)
      content.delete(key)
      kept.refresh(key)
    }
    const back = gone.filter((_, i) => i % 2 === 0)
    for (const [i, key] of back.entries()) {
      const object = objectOf(`back ${i}`, 5)
      store.set(key, object)
      content.set(key, object)
      kept.refresh(key)
    }
    const fresh = indexWith([...content])
    for (let arc = 0; arc < kept.arcCount; arc++) {
      assert.equal(kept.root(arc), fresh.root(arc))
      assert.equal(kept.keyCount(arc), fresh.keyCount(arc))
      for (let leaf = 0; leaf < 2 ** MERKLE_DEPTH; leaf++) assert.deepEqual(kept.leafKeys(arc, leaf), fresh.leafKeys(arc, leaf))
    }
    assert.isUndefined(kept.digestOf(gone[1]))
    assert.equal(kept.digestOf(back[0]), fresh.digestOf(back[0]))
  })

  test('tree node validation', ({ assert }) => {
    assert.isTrue(MerkleIndex.isValidNode({ arc: 0, level: MERKLE_DEPTH, index: 2 ** MERKLE_DEPTH - 1 }, 12))
    assert.isFalse(MerkleIndex.isValidNode({ arc: 12, level: 0, index: 0 }, 12))
    assert.isFalse(MerkleIndex.isValidNode({ arc: 0, level: 1, index: 2 }, 12))
    assert.isFalse(MerkleIndex.isValidNode({ arc: 0, level: MERKLE_DEPTH + 1, index: 0 }, 12))
    assert.isFalse(MerkleIndex.isValidNode({ arc: 0.5, level: 0, index: 0 }, 12))
  })
})
