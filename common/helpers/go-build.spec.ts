import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { buildGoProgram, findGo, goSourceDigest } from './go-build.ts'

const go = findGo()

/** A Go program in a fresh folder, removed when the test ends. */
function program(cleanup: (handler: () => void) => void, main: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'quorumlab-go-'))
  cleanup(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'go.mod'), 'module example.com/hello\n\ngo 1.21\n')
  writeFileSync(join(dir, 'main.go'), main)
  return dir
}

const HELLO = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from go") }\n'

test.group('go build helper', () => {
  test('the digest follows the Go sources and the extra text, and nothing else', ({ assert, cleanup }) => {
    const dir = program(cleanup, HELLO)
    const digest = goSourceDigest(dir)
    assert.match(digest, /^[0-9a-f]{16}$/)
    writeFileSync(join(dir, 'README.md'), 'not a source')
    assert.equal(goSourceDigest(dir), digest)
    assert.notEqual(goSourceDigest(dir, 'go1.99'), digest)
    writeFileSync(join(dir, 'extra.go'), 'package main\n')
    assert.notEqual(goSourceDigest(dir), digest)
  })

  test('no go on the PATH: none found', ({ assert }) => {
    assert.isUndefined(findGo({ PATH: '/nonexistent' }))
  })
})

test.group('go build helper: building', (group) => {
  group.tap((t) => t.tags(['integration']))

  test('builds a program into place, and a broken one fails with the compiler output and leaves no partial file', async ({
    assert,
    cleanup,
  }) => {
    const dir = program(cleanup, HELLO)
    const output = join(dir, 'out', 'hello')
    await buildGoProgram({ go: go!, dir, output })
    assert.equal(execFileSync(output, { encoding: 'utf8' }), 'hello from go\n')

    writeFileSync(join(dir, 'main.go'), 'package main\n\nfunc main() { undefinedThing() }\n')
    const broken = join(dir, 'out', 'broken')
    await assert.rejects(() => buildGoProgram({ go: go!, dir, output: broken }), /go build in .* failed:\n[\s\S]*undefined: undefinedThing/)
    assert.isFalse(existsSync(broken))
    assert.deepEqual(readdirSync(join(dir, 'out')), ['hello'])
  })
    .skip(!go, 'no Go toolchain on the PATH')
    .timeout(120_000)
})
