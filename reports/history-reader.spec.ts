/**
 * Reading history.jsonl: malformed and truncated lines are counted and skipped, byte
 * offsets find records again, ranges split on line boundaries, and a parallel scan builds
 * exactly the table a single-threaded one does (with 32-, 16- or 8-bit columns where every value fits).
 */
import { test } from '@japa/runner'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { HistoryReader, lineBoundaries, readRecordsAt } from './history-reader.ts'
import type { HistoryRecord } from '../common/contracts/history.ts'
import { narrowedInts } from './columns.ts'
import { fitsUint32, scanHistory } from './history-scan.ts'
import { tempDir } from './testing/analyse.ts'
import { HistoryBuilder } from './testing/history-builder.ts'
import { writeSyntheticHistory } from './testing/synthetic-history.ts'

function smallHistory(): HistoryBuilder {
  const h = new HistoryBuilder()
  h.put({ process: 0, value: 'é unicode ✓', dot: ['n1', 1], at: [0, 10] })
  h.get({ process: 1, values: ['é unicode ✓'], versions: [['n1', 1]], context: { n1: 1 }, at: [11, 12] })
  return h.end()
}

test.group('history reader', () => {
  test('counts and skips malformed lines, including a truncated last line, and CRLF endings', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const lines = smallHistory().jsonl().trimEnd().split('\n')
    const text = [lines[0], 'not json', '{"index": 1, "process": 0}', `${lines[1]}\r`, ...lines.slice(2), lines[2].slice(0, 20)].join('\n')
    const path = join(dir, 'history.jsonl')
    await writeFile(path, text)
    const reader = new HistoryReader(path)
    const seen: HistoryRecord[] = []
    await reader.read((record) => seen.push(record))
    assert.equal(seen.length, lines.length)
    assert.equal(reader.stats.malformed, 3)
    assert.deepEqual(
      reader.stats.malformedExamples.map((m) => m.line),
      [2, 3, lines.length + 3],
    )
    assert.match(reader.stats.malformedExamples[1].reason, /numeric "invoke"/)
  })

  test('byte offsets read the same records back, multi-byte characters included', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const path = join(await smallHistory().writeRun(dir), 'history.jsonl')
    const places: { offset: number; length: number }[] = []
    const seen: HistoryRecord[] = []
    await new HistoryReader(path, { chunkBytes: 64 }).read((record, offset, length) => {
      seen.push(record)
      places.push({ offset, length })
    })
    assert.deepEqual(await readRecordsAt(path, places), seen)
  })

  test('every chunk size reads the same records at the same offsets, lines cut across chunks included', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const lines = smallHistory().jsonl().trimEnd().split('\n')
    const path = join(dir, 'history.jsonl')
    await writeFile(path, [lines[0], 'not json', `${lines[1]}\r`, '', ...lines.slice(2), lines[2].slice(0, 20)].join('\n'))
    const readWith = async (chunkBytes: number) => {
      const reader = new HistoryReader(path, { chunkBytes })
      const seen: unknown[] = []
      await reader.read((record, offset, length) => seen.push({ record, offset, length }))
      return { seen, stats: reader.stats }
    }
    const whole = await readWith(1 << 20)
    assert.equal(whole.seen.length, lines.length)
    for (const chunkBytes of [1, 2, 3, 7, 64, 101, 257])
      assert.deepEqual(await readWith(chunkBytes), whole, `chunks of ${chunkBytes} bytes`)
  })

  test('line boundaries split a file into ranges that tile it and start on lines', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const path = join(dir, 'history.jsonl')
    await writeSyntheticHistory(path, { ops: 2_000, seed: 5 })
    const size = (await import('node:fs/promises').then((fs) => fs.stat(path))).size
    const ranges = await lineBoundaries(path, size, 3)
    assert.lengthOf(ranges, 3)
    assert.equal(ranges[0][0], 0)
    assert.equal(ranges[2][1], size)
    for (let i = 1; i < ranges.length; i++) assert.equal(ranges[i][0], ranges[i - 1][1])
    let records = 0
    for (const [start, end] of ranges) {
      const reader = new HistoryReader(path, { start, end })
      await reader.read(() => records++)
      assert.equal(reader.stats.malformed, 0, 'no range cuts a line')
    }
    assert.isAbove(records, 2_000)
  })

  test('a column is merged into 32 bits only when every value is held there as it is', ({ assert }) => {
    assert.isTrue(fitsUint32([]))
    assert.isTrue(fitsUint32([0, 1, 2 ** 32 - 1, 123_456_789]))
    for (const bad of [-0, -1, 0.5, 1e-9, 2 ** 32, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.isFalse(fitsUint32([1, bad, 2]), String(Object.is(bad, -0) ? '-0' : bad))
      assert.isFalse(Object.is(new Uint32Array([bad])[0], bad), 'a Uint32Array would change it')
    }
  })

  test('an integer column is merged into the fewest bits (8, 16, 32) that hold every value, in shared memory', ({ assert }) => {
    const cases: [number[], Int8ArrayConstructor | Int16ArrayConstructor | Int32ArrayConstructor][] = [
      [[], Int8Array],
      [[-128, 0, 127], Int8Array],
      [[-129], Int16Array],
      [[128], Int16Array],
      [[-32768, 32767], Int16Array],
      [[-32769], Int32Array],
      [[5, 32768], Int32Array],
      [[-(2 ** 31), 2 ** 31 - 1], Int32Array],
    ]
    for (const [values, Type] of cases) {
      const column = new Int32Array(new SharedArrayBuffer(values.length * 4))
      column.set(values)
      const narrowed = narrowedInts(column)
      assert.instanceOf(narrowed, Type, JSON.stringify(values))
      assert.deepEqual(Array.from(narrowed), values)
      assert.instanceOf(narrowed.buffer, SharedArrayBuffer)
    }
  })

  test('a parallel scan builds the same table as a single-threaded one', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const path = join(dir, 'history.jsonl')
    await writeSyntheticHistory(path, { ops: 3_000, seed: 9, r: 1, w: 1 })
    const serial = await scanHistory(path, { workers: 0 })
    const parallel = await scanHistory(path, { workers: 3 })
    assert.equal(parallel.table.length, serial.table.length)
    for (const name of [
      'key',
      'node',
      'dotNode',
      'ctxClock',
      'ctxLoose',
      'verNode',
      'verHash',
      'index',
      'intended',
      'invoke',
      'complete',
    ] as const) {
      assert.deepEqual(Array.from(parallel.table[name]), Array.from(serial.table[name]), name)
    }
    for (const name of [
      'offset',
      'dotCounter',
      'verCounter',
      'process',
      'coordinator',
      'error',
      'siblings',
      'element',
      'lineLength',
    ] as const) {
      assert.deepEqual(Array.from(parallel.table[name]), Array.from(serial.table[name]), name)
    }
    // 32 bits where every value is a whole number below 2^32 (line numbers, offsets, counters), else 64: the synthetic history's completion times have fractions.
    const whole = (values: ArrayLike<number>): boolean =>
      Array.from(values).every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32 && !Object.is(v, -0))
    for (const name of ['index', 'intended', 'invoke', 'complete', 'offset', 'dotCounter', 'ctxCounter', 'verCounter'] as const) {
      assert.instanceOf(parallel.table[name], whole(serial.table[name]) ? Uint32Array : Float64Array, name)
    }
    for (const name of ['index', 'offset', 'dotCounter', 'ctxCounter', 'verCounter'] as const)
      assert.instanceOf(parallel.table[name], Uint32Array, name)
    assert.instanceOf(parallel.table.complete, Float64Array)
    // Ids and small counts in 8 bits, line lengths in 16; pool offsets stay 32.
    const ints = Object.entries(parallel.table).filter(
      ([, column]) => column instanceof Int8Array || column instanceof Int16Array || column instanceof Int32Array,
    )
    const bits = (column: unknown): number => (column as Int8Array).BYTES_PER_ELEMENT * 8
    assert.deepEqual(Object.fromEntries(ints.map(([name, column]) => [name, bits(column)])), {
      process: 8,
      key: 8,
      node: 8,
      coordinator: 8,
      error: 8,
      siblings: 8,
      dotNode: 8,
      ctxStart: 32,
      ctxClock: 8,
      ctxLoose: 8,
      verStart: 32,
      element: 8,
      lineLength: 16,
      ctxNode: 8,
      verNode: 8,
    })
    // Context pools are laid out per range; the contexts they hold per op are the same.
    const contexts = (t: typeof serial.table): string[] =>
      Array.from(t.ctxStart, (start, r) =>
        start < 0
          ? String(start)
          : Array.from(
              { length: t.ctxClock[r] + t.ctxLoose[r] },
              (_, e) => `${t.actors.names[t.ctxNode[start + e]]}:${t.ctxCounter[start + e]}`,
            ).join(','),
      )
    assert.deepEqual(contexts(parallel.table), contexts(serial.table))
    assert.deepEqual(parallel.table.keys.names, serial.table.keys.names)
    assert.deepEqual(parallel.table.nodes.names, serial.table.nodes.names)
    assert.deepEqual(parallel.table.actors.names, serial.table.actors.names)
    assert.deepEqual(parallel.nemesis, serial.nemesis)
    assert.deepEqual(parallel.end, serial.end)
    assert.deepEqual(parallel.reader.records, serial.reader.records)
  })
})
