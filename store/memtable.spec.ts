import { test } from '@japa/runner'
import { applyWrites, byteOrder, decodeWrites, encodeWrites, type Memtable, REMOVED } from './memtable.ts'

test.group('memtable', (group) => {
  group.tap((t) => t.tags(['unit']))

  test('a record decodes to the writes encoded, removals included', ({ assert }) => {
    const writes: Memtable = new Map([
      ['objects', new Map<string, unknown>([['k', { context: { clock: { 'n1.a': 3 } }, siblings: [{ value: [1, 'two', null] }] }]])],
      ['hints', new Map<string, unknown>([['n2\u0000k', REMOVED]])],
      ['meta', new Map<string, unknown>([['counter', 2000]])],
    ])
    assert.deepEqual(decodeWrites(encodeWrites(writes)), writes)
  })

  test("one record of several transactions decodes to their writes applied in order: a later one's value wins", ({ assert }) => {
    const first: Memtable = new Map([
      [
        't',
        new Map<string, unknown>([
          ['a', 1],
          ['b', 2],
        ]),
      ],
    ])
    const second: Memtable = new Map([
      ['t', new Map<string, unknown>([['a', REMOVED]])],
      ['u', new Map<string, unknown>([['x', 'y']])],
    ])
    const third: Memtable = new Map([['t', new Map<string, unknown>([['b', 3]])]])
    // As lists: chai cannot order a map's entries whose values are symbols.
    const decoded = [...decodeWrites(encodeWrites(first, second, third))].map(([table, writes]) => [table, [...writes]])
    assert.deepEqual(decoded, [
      [
        't',
        [
          ['a', REMOVED],
          ['b', 3],
        ],
      ],
      ['u', [['x', 'y']]],
    ])
  })

  test('applying writes puts the newest value of each key on top and counts them', ({ assert }) => {
    const memtable: Memtable = new Map([
      [
        't',
        new Map<string, unknown>([
          ['a', 1],
          ['b', 2],
        ]),
      ],
    ])
    const count = applyWrites(
      memtable,
      new Map([
        [
          't',
          new Map<string, unknown>([
            ['b', REMOVED],
            ['c', 3],
          ]),
        ],
        ['u', new Map<string, unknown>([['x', 'y']])],
      ]),
    )
    assert.equal(count, 3)
    assert.deepEqual(
      [...memtable.get('t')!],
      [
        ['a', 1],
        ['b', REMOVED],
        ['c', 3],
      ],
    )
    assert.deepEqual([...memtable.get('u')!], [['x', 'y']])
  })

  test('keys are ordered by their UTF-8 bytes, as LMDB orders them, not by UTF-16 code units', ({ assert }) => {
    // U+FFFF is EF BF BF in UTF-8, below U+10000 (F0 90 80 80); in UTF-16, U+10000 (D800 DC00) sorts first.
    assert.isBelow(byteOrder('\uFFFF', '\u{10000}'), 0)
    assert.isTrue('\u{10000}' < '\uFFFF')
    assert.deepEqual(['b', 'é', 'a', 'ab'].sort(byteOrder), ['a', 'ab', 'b', 'é'])
    assert.equal(byteOrder('same', 'same'), 0)
  })

  test('key order agrees with comparing the UTF-8 bytes on random keys mixing ASCII, BMP and astral characters', ({ assert }) => {
    const pool = ['a', 'b', 'é', '\uD7FF', '\uE000', '\uFFFF', '\u{10000}', '\u{1F600}', 'ab', 'z']
    let seed = 7
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    const key = (): string => Array.from({ length: Math.floor(next() * 4) }, () => pool[Math.floor(next() * pool.length)]).join('')
    for (let i = 0; i < 5000; i++) {
      const [a, b] = [key(), key()]
      assert.equal(
        Math.sign(byteOrder(a, b)),
        Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))),
        `${JSON.stringify(a)} vs ${JSON.stringify(b)}`,
      )
    }
  })
})
