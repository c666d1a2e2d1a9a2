import { mkdtemp, open, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import csvWriter from 'csv-writer/dist/index.js'
import { Random } from '../common/helpers/random.ts'
import { CsvLines, encodeFields } from './csv-lines.ts'

type Cell = number | string | null

/** The rows written through CsvLines (strings as already-quoted CSV text, null as empty), read back. */
async function throughLines(rows: Cell[][], flushAtBytes: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'quorumlab-csv-lines-'))
  try {
    const file = await open(join(dir, 'rows.csv'), 'w')
    const lines = new CsvLines(file, flushAtBytes)
    for (const row of rows) {
      for (const cell of row) {
        if (cell === null) lines.empty()
        else if (typeof cell === 'number') lines.number(cell)
        else if (cell.length % 2 === 0) lines.field(encodeFields([cell])[0])
        else lines.text(cell)
      }
      if (lines.endRow()) await lines.flush()
    }
    await lines.flush()
    await file.close()
    return await readFile(join(dir, 'rows.csv'), 'utf8')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The same rows as csv-writer writes them. */
function throughCsvWriter(rows: Cell[][]): string {
  const stringifier = csvWriter.createArrayCsvStringifier({ header: [] })
  return rows.length === 0 ? '' : stringifier.stringifyRecords(rows.map((row) => row.map((cell) => (cell === null ? '' : cell))))
}

const quoted = (text: string): string =>
  csvWriter
    .createArrayCsvStringifier({ header: [] })
    .stringifyRecords([[text]])
    .slice(0, -1)

test.group('CsvLines: rows as bytes, the same as csv-writer writes them', () => {
  test('numbers at every edge: 0, digit-count boundaries, int32 max and past it, negatives, -0, fractions, NaN, huge', async ({
    assert,
  }) => {
    // Each power of ten and the number before it: every digit-count boundary of an int32.
    const boundaries = Array.from({ length: 10 }, (_, i) => [10 ** i - 1, 10 ** i]).flat()
    const numbers = [...boundaries, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1, -1, -(2 ** 31), -0, 0.5, 1.25, -3.75]
    const odd = [Number.NaN, Number.POSITIVE_INFINITY, 1e21, 123456789012345680000]
    const rows = [...numbers, ...odd].map((n) => [n, n])
    assert.equal(await throughLines(rows, 1 << 10), throughCsvWriter(rows))
  })

  test('a number in the field just written (a dot: `n1:` then its counter) at every edge', async ({ assert }) => {
    const numbers = [0, 9, 10, 2 ** 31 - 1, 2 ** 31, -1, -0, 0.5, Number.NaN, 1e21]
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-csv-lines-'))
    try {
      const file = await open(join(dir, 'dots.csv'), 'w')
      const lines = new CsvLines(file, 1 << 10)
      const [prefix] = encodeFields(['n1:'])
      for (const n of numbers) lines.number(n).field(prefix).numberInField(n).endRow()
      await lines.flush()
      await file.close()
      const expected = throughCsvWriter(numbers.map((n) => [n, `n1:${n}`]))
      assert.equal(await readFile(join(dir, 'dots.csv'), 'utf8'), expected)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('names with commas, quotes, newlines and non-ASCII, pre-quoted; empty fields anywhere', async ({ assert }) => {
    const names = ['k1', 'k,with "comma"', 'line\nbreak', 'κλειδί', '', 'n1:7']
    const rows: Cell[][] = [names.map(quoted), [null, quoted('a'), null], [null], [quoted('x'), 12, null, 34]]
    const expected = throughCsvWriter([names, ['', 'a', ''], [''], ['x', 12, '', 34]])
    assert.equal(await throughLines(rows, 1 << 10), expected)
  })

  test('random rows through a small buffer: flushed at every fill, grown for a row longer than the buffer', async ({ assert }) => {
    const random = new Random(7)
    const names = Array.from({ length: 20 }, (_, i) => (i % 5 === 0 ? `key,${i}` : `k${i}`))
    const cell = (): Cell => {
      const pick = random.int(0, 3)
      if (pick === 0) return null
      if (pick === 1) return names[random.int(0, names.length - 1)]
      if (pick === 2) return random.int(0, 2 ** 31)
      return Math.round((random.float() - 0.5) * 1e12)
    }
    const rows = Array.from({ length: 3000 }, () => Array.from({ length: random.int(1, 16) }, cell))
    rows.push(['x'.repeat(5000), 1])
    const expected = throughCsvWriter(rows)
    const asLines = rows.map((row) => row.map((c) => (typeof c === 'string' ? quoted(c) : c)))
    assert.equal(await throughLines(asLines, 256), expected)
  })
})
