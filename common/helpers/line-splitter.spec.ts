/** The line splitter: the same lines however the bytes are cut into chunks, characters split across chunks included. */
import { test } from '@japa/runner'
import { LineSplitter, LineTooLongError } from './line-splitter.ts'
import { Random } from './random.ts'

/** `text`'s bytes cut at random places, each cut fed to a fresh splitter; every line it gave back. */
function splitAtRandom(text: string, seed: number): string[] {
  const bytes = Buffer.from(text)
  const random = new Random(seed, 'cuts')
  const splitter = new LineSplitter(1024)
  const lines: string[] = []
  let at = 0
  while (at < bytes.length) {
    const next = Math.min(bytes.length, at + random.int(1, 12))
    lines.push(...splitter.push(bytes.subarray(at, next)))
    at = next
  }
  return lines
}

test.group('line splitter', () => {
  test('gives each complete line once, however the bytes were cut', ({ assert }) => {
    const lines = ['1 {"ops":[]}', '', 'ünïcode ✓ 𝄞 and more', '22 {"a":"b\\nc"}', 'x'.repeat(300)]
    const text = `${lines.join('\n')}\n`
    for (let seed = 1; seed <= 200; seed++) assert.deepEqual(splitAtRandom(text, seed), lines, `seed ${seed}`)
  })

  test('keeps what follows the last newline for the next chunk', ({ assert }) => {
    const splitter = new LineSplitter(100)
    assert.deepEqual(splitter.push(Buffer.from('a\nb')), ['a'])
    assert.deepEqual(splitter.push(Buffer.from('c')), [])
    assert.deepEqual(splitter.push(Buffer.from('\n\nd\n')), ['bc', '', 'd'])
  })

  test('refuses a line longer than its limit before it ends', ({ assert }) => {
    const splitter = new LineSplitter(8)
    assert.deepEqual(splitter.push(Buffer.from('12345')), [])
    assert.throws(() => splitter.push(Buffer.from('6789')), LineTooLongError as never)
  })
})
