/**
 * `quorumlab matrix` as a user runs it: bad axes and invalid cells refused before anything
 * runs, naming the flag; `--dry-run`; a 2×2×2 matrix with `--repeat 2` end to end (every
 * run carries its cell's flags and its repeat's seed; the table, matrix.json, matrix.csv
 * and the page); Ctrl-C in the middle of a cell stops it cleanly and still writes the page.
 */
import { EXIT } from '../../common/contracts/exit-codes.ts'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { isProcessAlive } from '../../common/helpers/pid.ts'
import type { MatrixData } from '../../reports/index.ts'
import type { RunSummary } from '../../reports/summary.ts'
import { eventually } from '../cluster/testing.ts'
import { QUORUMLAB_BIN } from '../stores/quorumlab/index.ts'

/** Store and run settings that make short runs converge in a second or two. */
const FAST = ['--gossip-interval', '200', '--anti-entropy-interval', '1000', '--replica-timeout', '500', '--hint-interval', '200']
const SHORT = ['--warmup', '0', '--nemesis-interval', '1', '--rate', '50', '--concurrency', '3', '--keys', '20', '--no-progress', ...FAST]

const matrix = (...args: string[]) => spawnSync(process.execPath, [QUORUMLAB_BIN, 'matrix', ...args], { encoding: 'utf8', timeout: 60_000 })

async function tempOut(cleanup: (handler: () => Promise<void>) => void): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'quorumlab-matrix-'))
  cleanup(() => rm(out, { recursive: true, force: true }))
  return out
}

const matrixDir = (out: string): string | undefined => {
  const name = readdirSync(out).find((n) => n.startsWith('matrix-'))
  return name && join(out, name)
}

test.group('matrix command', (group) => {
  group.tap((t) => t.tags(['integration']))

  test('bad axes, clashing flags and invalid cells exit 2 before anything runs, naming the flag', async ({ assert, cleanup }) => {
    const out = await tempOut(cleanup)
    const cases: [string[], RegExp][] = [
      [['--vary', 'r=x'], /--vary r: "x" is not a value of --r: expected an integer/],
      [['--vary', 'bogus=1,2'], /--vary bogus: quorumlab workload has no flag --bogus/],
      [['--vary', 'nemesis=none,meteor'], /cells are invalid:\n {2}nemesis=meteor: --nemesis: unknown nemesis "meteor"/],
      [['--vary', 'r=1,2', '--r', '2'], /--r is set and varied \(--vary r\)/],
      [['--vary', 'r=1,2', '--vary', 'r=3'], /--vary r: the axis is given twice/],
      [['--vary', 'r=1,4'], /1 of 2 cells are invalid:\n {2}r=4: r=4 must be from 1 to n=3\nfix the axes, or pass --skip-invalid/],
      [['--repeat', '0'], /--repeat.*from 1/],
      [['--preset', 'nope'], /expected one of quorums, consistency, versioning/],
    ]
    for (const [args, message] of cases) {
      const result = matrix(...args, '--out', out)
      assert.equal(result.status, EXIT.usage, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, message, args.join(' '))
    }
    assert.deepEqual(readdirSync(out), [], 'nothing ran')
  })

  test('--dry-run lists the cells, the skipped ones, the seeds and the estimated time', async ({ assert, cleanup }) => {
    const out = await tempOut(cleanup)
    const result = matrix(
      ...['--vary', 'r=1,2,4', '--vary', 'w=1,2', '--vary', 'nemesis=none,partition', '--repeat', '3', '--skip-invalid'],
      ...['--time', '10', '--warmup', '1', '--seed', '5', '--dry-run', '--out', out],
    )
    assert.equal(result.status, 0, result.stderr)
    const lines = result.stdout.trim().split('\n')
    assert.equal(lines[0], 'c01  r=1 w=1 nemesis=none')
    assert.equal(lines[7], 'c08  r=2 w=2 nemesis=partition')
    assert.lengthOf(
      lines.filter((l) => l.startsWith('skip r=4')),
      4,
    )
    assert.include(result.stdout, '8 cells x 3 repeats = 24 runs, seeds 5 to 7')
    // 24 runs x (1 s warm-up + 10 s + 6 s) = 408 s
    assert.include(result.stdout, 'estimated time: about 6 min 48 s')
    assert.deepEqual(readdirSync(out), [], 'nothing ran')
  })

  test('a 2x2x2 matrix with --repeat 2 runs every cell twice with its flags and seeds, and compares them', async ({ assert, cleanup }) => {
    const out = await tempOut(cleanup)
    const axes = ['--vary', 'r=1,2', '--vary', 'w=1,2', '--vary', 'nemesis=none,partition']
    const result = spawnSync(
      process.execPath,
      [QUORUMLAB_BIN, 'matrix', ...axes, '--repeat', '2', '--time', '1', '--seed', '11', ...SHORT, '--out', out],
      {
        encoding: 'utf8',
        timeout: 300_000,
      },
    )
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`)
    const table = result.stdout.split('\n')
    assert.match(table[0], /^cell +r +w +nemesis +status +stale/)
    assert.lengthOf(
      table.filter((l) => /^c0\d /.test(l)),
      8,
    )
    // Every line but the last, which names the matrix folder.
    for (const line of table.filter((l) => !l.startsWith('matrix of'))) assert.isAtMost(line.length, 100, line)

    const dir = matrixDir(out)!
    const data = JSON.parse(readFileSync(join(dir, 'matrix.json'), 'utf8')) as MatrixData
    assert.deepEqual(
      data.cells.map((c) => Object.values(c.config).join(' ')),
      ['1 1 none', '1 1 partition', '1 2 none', '1 2 partition', '2 1 none', '2 1 partition', '2 2 none', '2 2 partition'],
    )
    for (const cell of data.cells) {
      assert.deepEqual(
        cell.runs.map((r) => [r.repeat, r.seed, r.status]),
        [
          [1, 11, 'passed'],
          [2, 12, 'passed'],
        ],
        cell.id,
      )
      assert.equal(cell.measures.ops?.runs, 2)
      for (const run of cell.runs) {
        const summary = JSON.parse(readFileSync(join(dir, run.folder!, 'summary.json'), 'utf8')) as RunSummary
        assert.deepInclude(summary.run!, { r: Number(cell.config.r), w: Number(cell.config.w), seed: run.seed, timeS: 1 }, run.folder!)
        assert.deepEqual(summary.run!.nemeses, cell.config.nemesis === 'none' ? [] : ['partition'])
      }
    }
    const csv = readFileSync(join(dir, 'matrix.csv'), 'utf8').trim().split('\n')
    assert.lengthOf(csv, 1 + 16 + 8)
    assert.match(csv[0], /^row,cell,r,w,nemesis,repeat,seed,status,/)
    assert.match(csv[3], /^cell,c01,1,1,none,,,passed,,2,/)
    assert.isTrue(existsSync(join(dir, 'index.html')))
  }).timeout(300_000)

  test('Ctrl-C in the middle of a cell stops it cleanly and still writes the page for what finished', async ({ assert, cleanup }) => {
    const out = await tempOut(cleanup)
    const args = ['matrix', '--vary', 'time=1,60', '--nemesis', 'partition', ...SHORT, '--out', out]
    const child = spawn(process.execPath, [QUORUMLAB_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    cleanup(async () => {
      child.kill('SIGKILL')
    })

    // The long cell is under way once its history has client ops.
    const history = await eventually(
      'the second cell to record ops',
      () => {
        const dir = matrixDir(out)
        const file = dir ? join(dir, 'c02-time=60-rep1', 'history.jsonl') : ''
        return file && existsSync(file) && readFileSync(file, 'utf8').includes('"process":0') ? file : undefined
      },
      { timeoutMs: 60_000 },
    )
    const logs = join(history, '..', 'nodes')
    const pids = readdirSync(logs)
      .filter((f) => f.endsWith('.log'))
      .map((f) => Number(/\(pid (\d+)/.exec(readFileSync(join(logs, f), 'utf8'))?.[1]))
    assert.lengthOf(pids, 3)

    child.kill('SIGINT')
    const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('hung'), 30_000).unref())])
    assert.equal(code, 2, output)
    for (const pid of pids) assert.isFalse(isProcessAlive(pid), `node pid ${pid} is gone`)
    const dir = matrixDir(out)!
    const data = JSON.parse(readFileSync(join(dir, 'matrix.json'), 'utf8')) as MatrixData
    assert.isTrue(data.interrupted)
    assert.deepEqual(
      data.cells.map((c) => c.status),
      ['passed', 'interrupted'],
    )
    assert.isNotNull(data.cells[1].runs[0].report, 'the interrupted run was analysed as far as it went')
    const page = readFileSync(join(dir, 'index.html'), 'utf8')
    assert.include(page, '"interrupted":true')
    assert.match(output, /^cell +time +status/m, 'the table is printed for what finished')
  }).timeout(120_000)
})
