/**
 * Workload files from anywhere on disk (a temp folder, outside any package): every
 * supported type loads, and a wrong extension, a missing file or malformed JSON is named
 * in words, JSON errors with line:column.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { jsonErrorAt } from '../common/helpers/json-position.ts'
import { loadWorkload, WORKLOAD_FILE_TYPES } from './load.ts'
import { WorkloadError } from './workload.ts'

const ESM = "const workload = { preset: 'clustered', keys: 8, readFraction: 0.25 }\nexport default workload\n"
const TYPED =
  "type W = { preset: string; keys: number; readFraction: number }\nconst workload: W = { preset: 'clustered', keys: 8, readFraction: 0.25 }\nexport default workload\n"

async function problemOf(file: string): Promise<string> {
  try {
    await loadWorkload(file)
  } catch (error) {
    if (error instanceof WorkloadError) return error.problems.join('\n')
    throw error
  }
  throw new Error(`${file} loaded`)
}

test.group('workload files', (group) => {
  let dir = ''
  group.each.setup(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quorumlab-workload-'))
    return () => rm(dir, { recursive: true, force: true })
  })

  test('{$self} outside the repository loads, preset and overrides applied')
    .with(['.ts', '.mts', '.js', '.mjs', '.json'])
    .run(async ({ assert }, ext) => {
      const file = join(dir, `good${ext}`)
      const text = ext === '.json' ? '{"preset": "clustered", "keys": 8, "readFraction": 0.25}' : ext.endsWith('ts') ? TYPED : ESM
      await writeFile(file, text)
      const workload = await loadWorkload(file)
      assert.equal(workload.keys, 8)
      assert.equal(workload.readFraction, 0.25)
      assert.equal(workload.placement, 'colocated', 'from the clustered preset')
    })

  test('a module may import a helper beside it, and CommonJS works too', async ({ assert }) => {
    await writeFile(join(dir, 'keys.ts'), 'export const KEYS: number = 12\n')
    await writeFile(join(dir, 'main.ts'), "import { KEYS } from './keys.ts'\nexport default { keys: KEYS }\n")
    assert.equal((await loadWorkload(join(dir, 'main.ts'))).keys, 12)
    await writeFile(join(dir, 'old.js'), 'module.exports = { keys: 13 }\n')
    assert.equal((await loadWorkload(join(dir, 'old.js'))).keys, 13)
  })

  test('an unsupported extension names the supported ones; a missing file says so', async ({ assert }) => {
    await writeFile(join(dir, 'w.yaml'), 'keys: 3\n')
    assert.include(await problemOf(join(dir, 'w.yaml')), `nor a workload file (${WORKLOAD_FILE_TYPES.join(', ')})`)
    assert.equal(await problemOf(join(dir, 'gone.json')), `${join(dir, 'gone.json')}: no such file`)
    assert.equal(await problemOf(dir.concat('.json')), `${dir}.json: no such file`)
  })

  test('malformed JSON is placed at line:column; a module without a default export says what it needs', async ({ assert }) => {
    await writeFile(join(dir, 'bad.json'), '{\n  "keys": 8,\n}\n')
    assert.match(await problemOf(join(dir, 'bad.json')), /bad\.json:3:1: /)
    await writeFile(join(dir, 'none.ts'), 'export const keys = 3\n')
    assert.match(await problemOf(join(dir, 'none.ts')), /default export \(export default/)
    await writeFile(join(dir, 'broken.ts'), 'export default { keys: \n')
    assert.match(await problemOf(join(dir, 'broken.ts')), /broken\.ts: /)
  })

  test('jsonErrorAt points at the first bad character, lines and columns from 1', ({ assert }) => {
    const at = (text: string): string => {
      try {
        JSON.parse(text)
      } catch (error) {
        return jsonErrorAt(text, (error as Error).message)
      }
      return 'parsed'
    }
    assert.match(at('{\n  "a": x}'), /^2:8: Unexpected token/)
    assert.match(at('{\n  "a": 1,\n}'), /^3:1: /)
    assert.match(at('{"a": "b\\q"}'), /^1:10: /)
    assert.match(at('[1, 2'), /^1:6: /)
    assert.match(at('{"a": 1} x'), /^1:10: /)
    assert.equal(at('{"a": [1, -2.5e3, true, null, "\\u00e9"]}'), 'parsed')
  })
})
