import { test } from '@japa/runner'
import { Random } from '../../common/helpers/random.ts'
import type { Clocks } from './causal-graph.ts'
import { SPARSE_LIMIT, WriteClocks } from './write-clocks.ts'

const u16 = (length: number): Clocks => new Uint16Array(length)
const i32 = (length: number): Clocks => new Int32Array(length)

/** How one session's running clock moves between two of its writes. */
type Move = (clock: number[], random: Random) => void

/** Stores `writes` snapshots of interleaved sessions' running clocks moved by `move`; returns what each write's clock must read back as. */
function storeRandom(
  clocks: WriteClocks,
  sessions: number,
  writes: number,
  move: Move,
  random: Random,
  max: number,
): Map<number, number[]> {
  const running = Array.from({ length: sessions }, () => new Array<number>(sessions).fill(0))
  const expected = new Map<number, number[]>()
  const flat = new Int32Array(sessions)
  for (let id = 0; id < writes; id++) {
    const s = random.int(0, sessions - 1)
    move(running[s], random)
    for (let j = 0; j < sessions; j++) running[s][j] = Math.min(running[s][j], max)
    flat.set(running[s])
    // Snapshots sit at any base of the caller's array.
    const base = random.int(0, 3) * sessions
    const view = new Int32Array(4 * sessions)
    view.set(flat, base)
    clocks.store(id, s, view, base)
    expected.set(id, [...running[s]])
  }
  return expected
}

/** Asserts every stored clock reads back entry by entry, copied, and joined into another clock. */
function assertReadsBack(
  assert: { deepEqual: (a: unknown, b: unknown, m?: string) => void },
  clocks: WriteClocks,
  expected: Map<number, number[]>,
  make: (n: number) => Clocks,
): void {
  for (const [id, clock] of expected) {
    const S = clock.length
    assert.deepEqual(
      clock.map((_, q) => clocks.entry(id, q)),
      clock,
      `entries of write ${id}`,
    )
    const copy = make(2 * S).fill(7)
    clocks.copyTo(id, copy, S)
    assert.deepEqual([...copy.subarray(S)], clock, `copy of write ${id}`)
    assert.deepEqual([...copy.subarray(0, S)], new Array(S).fill(7), `copy of write ${id} stays in its place`)
    const other = clock.map((_, q) => (q * 37 + id) % 300)
    const joined = make(S)
    joined.set(other)
    clocks.joinInto(id, joined, 0)
    assert.deepEqual(
      [...joined],
      clock.map((v, q) => Math.max(v, other[q])),
      `join of write ${id}`,
    )
  }
}

/** A few entries move, most writes change none (as on 10,000 keys): sparse writes. */
const few: Move = (clock, random) => {
  if (random.float() < 0.7) return
  for (let k = random.int(1, 4); k > 0; k--) clock[random.int(0, clock.length - 1)] += random.int(1, 40)
}
/** Many entries move a little: dense writes. */
const many: Move = (clock, random) => {
  for (let q = 0; q < clock.length; q++) if (random.float() < 0.5) clock[q] += random.int(1, 6)
}
/** Some entries jump far (past a byte over the checkpoint): new checkpoints. */
const jumps: Move = (clock, random) => {
  for (let q = 0; q < clock.length; q++) if (random.float() < 0.4) clock[q] += random.int(1, 2000)
}
/** Any of the three, so the kinds of writes follow one another in every order. */
const mixed: Move = (clock, random) => [few, many, jumps][random.int(0, 2)](clock, random)

test.group('write clocks', () => {
  for (const [name, move] of Object.entries({ few, many, jumps, mixed })) {
    test(`clocks whose entries move as in "${name}" read back as stored (16-bit and 32-bit entries)`, ({ assert }) => {
      for (const [make, max] of [
        [u16, 0xfffe],
        [i32, 0x7ffffffe],
      ] as const) {
        const random = new Random(name.length * 31 + max)
        const clocks = new WriteClocks(3000, 24, make === i32)
        const expected = storeRandom(clocks, 24, 3000, move, random, max)
        assertReadsBack(assert, clocks, expected, make)
      }
    })
  }

  test('small moves take less room than dense clocks, large jumps about as much', ({ assert }) => {
    const dense = 4000 * 64 * 2
    const room = (move: Move): number => {
      const clocks = new WriteClocks(4000, 64, false)
      storeRandom(clocks, 64, 4000, move, new Random(3), 0xfffe)
      return clocks.bytes
    }
    assert.isBelow(room(few), dense / 3)
    assert.isBelow(room(many), (dense * 2) / 3)
    assert.isBelow(room(jumps), dense * 1.1)
  })

  test('a write never stored reads as zeros and joins nothing', ({ assert }) => {
    const clocks = new WriteClocks(3, 4, false)
    clocks.store(1, 0, Uint16Array.from([5, 6, 7, 8]), 0)
    assert.deepEqual(
      [0, 1, 2, 3].map((q) => clocks.entry(0, q)),
      [0, 0, 0, 0],
    )
    const clock = Uint16Array.from([1, 2, 3, 4])
    clocks.joinInto(2, clock, 0)
    assert.deepEqual([...clock], [1, 2, 3, 4])
    clocks.copyTo(0, clock, 0)
    assert.deepEqual([...clock], [0, 0, 0, 0])
  })

  test('sparse up to the limit of differing entries, else dense or a new checkpoint; a snapshot below its checkpoint starts a new one', ({
    assert,
  }) => {
    const S = 40
    const clocks = new WriteClocks(8, S, false)
    const expected = new Map<number, number[]>()
    /** Stores a write's clock; returns the bytes it added. */
    const store = (id: number, clock: number[]): number => {
      const before = clocks.bytes
      clocks.store(id, 1, Uint16Array.from(clock), 0)
      expected.set(id, clock)
      return clocks.bytes - before
    }
    const start = Array.from({ length: S }, (_, q) => 1000 + q)
    assert.equal(store(0, start), 2 * S, 'the first write of a session is a checkpoint')
    // One entry more than the limit differs, each by at most a byte, and the checkpoint served no sparse write: dense.
    assert.equal(
      store(
        1,
        start.map((v, q) => (q <= SPARSE_LIMIT ? v + 255 : v)),
      ),
      S,
    )
    // Exactly the limit differ: sparse, a byte for the session and two for the value.
    assert.equal(
      store(
        2,
        start.map((v, q) => (q < SPARSE_LIMIT ? v + 300 : v)),
      ),
      3 * SPARSE_LIMIT,
    )
    // Past the limit again, once the checkpoint served a sparse write: a new checkpoint.
    assert.equal(
      store(
        3,
        start.map((v, q) => (q <= SPARSE_LIMIT ? v + 1 : v)),
      ),
      2 * S,
    )
    assert.equal(
      store(
        4,
        start.map((v, q) => (q <= SPARSE_LIMIT ? v + 1 : v)),
      ),
      0,
      'the same as its checkpoint',
    )
    // Below the checkpoint in one entry (the caller broke its promise): a new checkpoint, read back all the same.
    assert.equal(
      store(
        5,
        start.map((v, q) => (q === 5 ? v - 1 : v + 1)),
      ),
      2 * S,
    )
    // Entries at the 16-bit top, and one of them back to 0.
    store(6, new Array(S).fill(0xfffe))
    store(
      7,
      new Array(S).fill(0xfffe).map((v, q) => (q === 3 ? 0 : v)),
    )
    assertReadsBack(assert, clocks, expected, u16)
  })

  test('a write is stored once: a second store of it throws (the buffer has room for one each)', ({ assert }) => {
    const clocks = new WriteClocks(2, 3, false)
    clocks.store(0, 0, Uint16Array.from([1, 2, 3]), 0)
    assert.throws(() => clocks.store(0, 0, Uint16Array.from([1, 2, 4]), 0), /stored twice/)
    assert.deepEqual(
      [0, 1, 2].map((q) => clocks.entry(0, q)),
      [1, 2, 3],
    )
  })

  test('more than 256 sessions: entries name their session in 16 bits', ({ assert }) => {
    const random = new Random(11)
    const clocks = new WriteClocks(400, 300, true)
    const expected = storeRandom(clocks, 300, 400, few, random, 0x7ffffffe)
    assertReadsBack(assert, clocks, expected, i32)
  })
})
