/**
 * `quorumlab report` and `quorumlab serve` as a user runs them: help with defaults, usage
 * errors exit 254, report's exit code is the run's verdict, serve serves until SIGTERM.
 */
import { test } from '@japa/runner'
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { QUORUMLAB_BIN } from '../harness/stores/quorumlab/index.ts'
import { tempDir } from './testing/analyse.ts'
import { HistoryBuilder } from './testing/history-builder.ts'

const run = (...args: string[]) => spawnSync(process.execPath, [QUORUMLAB_BIN, ...args], { encoding: 'utf8', timeout: 60_000 })

test.group('cli: report and serve', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.each.timeout(60_000)

  test('--help lists every flag with its default', ({ assert }) => {
    const report = run('report', '--help')
    assert.equal(report.status, 0)
    for (const text of ['[dir]', 'matrix folder', '"runs/latest"', '--quiet', '--workers']) assert.include(report.stdout, text)
    const serve = run('serve', '--help')
    assert.equal(serve.status, 0)
    for (const text of ['--host', '"127.0.0.1"', '--port', '(default: 8080)', '--dir', '"runs"']) assert.include(serve.stdout, text)
  })

  test('bad flags and values exit 254 with a message naming the problem', ({ assert }) => {
    const cases: [string[], RegExp][] = [
      [['report', '--bogus'], /unknown option '--bogus'/],
      [['report', '--workers', 'many'], /--workers.*expected an integer/],
      [['report', 'a', 'b'], /too many arguments/],
      [['serve', '--port', '70000'], /--port.*from 0 to 65535/],
      [['serve', '--port'], /argument missing/],
    ]
    for (const [args, message] of cases) {
      const result = run(...args)
      assert.equal(result.status, 254, args.join(' '))
      assert.match(result.stderr, message, args.join(' '))
    }
  })

  test("report exits with the run's verdict: 1 for a dvv lost write; 254, saying why, for a folder without a history", async ({
    assert,
    cleanup,
  }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const h = new HistoryBuilder({ versioning: 'dvv' })
    h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
    h.put({ process: 1, value: 'b', dot: ['n2', 1], at: [0, 10] })
    h.get({ process: 5, values: ['b'], versions: [['n2', 1]], context: { n1: 1, n2: 1 }, phase: 'final', at: [50, 51] })
    await h.end().writeRun(join(dir, 'lost'))
    const lost = run('report', join(dir, 'lost'))
    assert.equal(lost.status, 1)
    assert.include(lost.stdout, 'exit 1: promised guarantee violated: no-lost-writes (1)')
    assert.include(lost.stdout, join(dir, 'lost', 'index.html'))
    const missing = run('report', join(dir, 'nothing-here'), '--quiet')
    assert.equal(missing.status, 254)
    assert.equal(missing.stdout, '')
    assert.equal(missing.stderr, `error: ${join(dir, 'nothing-here')}: no such folder\n`)
  })

  test('serve answers on the address it prints and stops on SIGTERM', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const child = spawn(process.execPath, [QUORUMLAB_BIN, 'serve', '--port', '0', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    cleanup(() => {
      child.kill('SIGKILL')
    })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 30_000)
      child.stdout.on('data', () => {
        const found = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(output)
        if (found) {
          clearTimeout(timer)
          resolve(found[1])
        }
      })
      child.once('exit', () => reject(new Error(`serve exited:\n${output}`)))
    })
    const index = await fetch(`${url}/`)
    assert.equal(index.status, 200)
    assert.include(await index.text(), 'quorumlab runs')
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    assert.equal(await exited, 0)
  })
})
