/** Files of measured latencies for empirical(FILE): the formats read and the mistakes named. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { parseSamples, readSamplesFile } from './samples-file.ts'

test.group('pbs samples file', () => {
  test('reads {name}')
    .with([
      { name: 'one per line', text: '1\n2.5\n3\n', expected: [1, 2.5, 3] },
      { name: 'a header, CRLF', text: 'ms\r\n1\r\n2\r\n', expected: [1, 2] },
      { name: 'comments and blank lines first', text: '# from run 7\n\nwrite_ms\n4\n', expected: [4] },
      { name: 'commas and spaces', text: '1, 2,3 4\n5', expected: [1, 2, 3, 4, 5] },
      { name: 'exponents (not a header)', text: '1e1\n2E-1\n', expected: [10, 0.2] },
    ])
    .run(({ assert }, { text, expected }) => {
      assert.deepEqual(parseSamples(text, 'x.csv'), expected)
    })

  test('refuses {name}')
    .with([
      { name: 'a word after the first line', text: '1\nabc\n', message: 'x.csv line 2: "abc" is not a number (latencies in ms)' },
      { name: 'a negative latency', text: 'ms\n1\n-3\n', message: 'x.csv line 3: -3 is negative (latencies are >= 0 ms)' },
      { name: 'an empty file', text: '', message: 'x.csv: no samples' },
      { name: 'only a header', text: 'latency\n', message: 'x.csv: no samples' },
    ])
    .run(({ assert }, { text, message }) => {
      assert.throws(() => parseSamples(text, 'x.csv'), message)
    })

  test('a missing file or a folder is named with the reason', async ({ assert, cleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-pbs-'))
    cleanup(() => rm(dir, { recursive: true, force: true }))
    assert.throws(() => readSamplesFile(join(dir, 'none.csv')), `cannot read samples from ${join(dir, 'none.csv')}: no such file`)
    assert.throws(() => readSamplesFile(dir), `cannot read samples from ${dir}: is a folder, expected a file`)
  })
})
