import { test } from '@japa/runner'
import { Random } from '../../common/helpers/random.ts'
import { PairIds } from '../columns.ts'
import { ReadFrontiers } from './read-frontiers.ts'

/** The same frontiers as plain arrays: what the arena must answer. */
type Plain = { session: number; pos: number[]; snapshots: number[][] }

const valuesOf = (frontiers: ReadFrontiers, f: number, i: number): number[] => {
  const { from, to } = frontiers.range(f, i)
  return [...frontiers.values().subarray(from, to)]
}

test.group('read frontiers', () => {
  test('snapshots appended to interleaved frontiers read back as appended, past every move', ({ assert }) => {
    const random = new Random(7)
    const frontiers = new ReadFrontiers()
    const plain: Plain[] = []
    for (let step = 0; step < 20_000; step++) {
      if (plain.length === 0 || random.float() < 0.05) {
        const session = random.int(0, 63)
        assert.equal(frontiers.create(session), plain.length)
        plain.push({ session, pos: [], snapshots: [] })
      }
      // Frontiers grow unevenly: a few get most snapshots, so their parts move many times.
      const f = random.float() < 0.5 ? random.int(0, Math.min(3, plain.length - 1)) : random.int(0, plain.length - 1)
      const values = Array.from({ length: random.float() < 0.8 ? 1 : random.int(0, 5) }, () => random.int(0, 1_000_000))
      const pos = (plain[f].pos.at(-1) ?? 0) + random.int(1, 3)
      frontiers.append(f, pos, values)
      plain[f].pos.push(pos)
      plain[f].snapshots.push(values)
    }
    for (const [f, p] of plain.entries()) {
      assert.equal(frontiers.session(f), p.session)
      assert.equal(frontiers.count(f), p.pos.length)
      for (let i = 0; i < p.pos.length; i++) assert.deepEqual(valuesOf(frontiers, f, i), p.snapshots[i], `frontier ${f}, snapshot ${i}`)
    }
    assert.isAbove(Math.max(...plain.map((p) => p.pos.length)), 1000)
    // The moves left enough behind for the arenas to be compacted, so the answers above cover it.
    assert.isAbove(frontiers.stats().compactions, 2)
  })

  test('frontiers growing in step: the arenas are compacted instead of doubled, and read back as appended', ({ assert }) => {
    // The shape of 1M ops over 16 keys: every frontier grows at about the same pace, so
    // about half of each arena is parts left behind whenever it fills.
    const random = new Random(11)
    const frontiers = new ReadFrontiers()
    const plain: number[][] = []
    for (let f = 0; f < 64; f++) {
      frontiers.create(f)
      plain.push([])
    }
    for (let pos = 1; pos <= 250_000; pos++) {
      const f = random.int(0, 63)
      const value = random.int(0, 1 << 30)
      frontiers.append(f, pos, [value])
      plain[f].push(value)
    }
    const { snapshotSlots, valueSlots } = frontiers.stats()
    // Doubling each arena as its parts were left behind took 2^20 slots of each here.
    assert.equal(valueSlots, 2 ** 19)
    assert.equal(snapshotSlots, 2 ** 19)
    for (const [f, p] of plain.entries()) {
      assert.equal(frontiers.count(f), p.length)
      const values = frontiers.values()
      for (let i = 0; i < p.length; i++) {
        const { from, to } = frontiers.range(f, i)
        assert.deepEqual([...values.subarray(from, to)], [p[i]], `frontier ${f}, snapshot ${i}`)
      }
    }
  })

  test('before(limit) is the last snapshot taken at a position below limit', ({ assert }) => {
    const frontiers = new ReadFrontiers()
    const f = frontiers.create(2)
    const empty = frontiers.create(3)
    for (const pos of [3, 5, 9, 10, 20]) frontiers.append(f, pos, [pos * 100])
    const expected: [number, number][] = [
      [0, -1],
      [3, -1],
      [4, 0],
      [5, 0],
      [6, 1],
      [10, 2],
      [11, 3],
      [20, 3],
      [21, 4],
      [1000, 4],
    ]
    for (const [limit, index] of expected) assert.equal(frontiers.before(f, limit), index, `before(${limit})`)
    assert.equal(frontiers.before(empty, 100), -1)
    assert.equal(frontiers.count(empty), 0)
    assert.deepEqual(valuesOf(frontiers, f, frontiers.before(f, 11)), [1000])
  })
})

test.group('frontier ids', () => {
  test('an array or a Map: the same answers, at the corners of the pairs, -1 for a pair with none', ({ assert }) => {
    const sessions = 5
    const keys = 7
    for (const limit of [sessions * keys, sessions * keys - 1]) {
      const ids = new PairIds(sessions, keys, limit)
      const set: [number, number, number][] = [
        [0, 0, 0],
        [sessions - 1, keys - 1, 1],
        [0, keys - 1, 2],
        [sessions - 1, 0, 3],
        [2, 3, 4],
      ]
      for (const [s, k, f] of set) ids.set(s, k, f)
      for (let s = 0; s < sessions; s++) {
        for (let k = 0; k < keys; k++) {
          const expected = set.find(([ss, kk]) => ss === s && kk === k)?.[2] ?? -1
          assert.equal(ids.get(s, k), expected, `limit ${limit}: (${s}, ${k})`)
        }
      }
      ids.set(2, 3, 9)
      assert.equal(ids.get(2, 3), 9)
      // No session (a final read's): no frontier, either way.
      assert.equal(ids.get(-1, 3), -1)
    }
  })
})
