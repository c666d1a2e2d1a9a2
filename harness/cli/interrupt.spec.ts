/**
 * Stopping a run however it was started, with real processes: Ctrl-C through a pipe (the
 * terminal's SIGINT reaches `tee` too, and `tee` dies first), a reader that exits early,
 * `npm run workload` (a signal to npm alone, and to npm's whole process group as a
 * terminal sends it), and a CI runner's SIGTERM. Each time the history ends with the
 * interrupted end record, the report is written, and the exit code is 2 (README, "Exit
 * codes"); a reader going away never costs the run.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Assert } from '@japa/assert'
import { test } from '@japa/runner'
import { EXIT } from '../../common/contracts/exit-codes.ts'
import type { HistoryRecord } from '../../common/contracts/history.ts'
import { eventually } from '../cluster/testing.ts'
import { QUORUMLAB_BIN } from '../stores/quorumlab/index.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** A run long enough to be interrupted, light on a shared machine. */
const LONG_RUN = [
  '--time',
  '60',
  '--warmup',
  '0',
  '--rate',
  '50',
  '--concurrency',
  '4',
  '--nemesis',
  'partition',
  '--nemesis-interval',
  '1',
]

const quote = (arg: string): string => `'${arg.replaceAll("'", "'\\''")}'`

type Started = { child: ChildProcess; out: string; exited: Promise<number | null>; output: () => string }

/** Starts `command` in its own process group (as a terminal runs a job), cleaned up whatever happens. */
async function start(cleanup: (fn: () => Promise<void>) => void, command: string, args: string[], out: string): Promise<Started> {
  const child = spawn(command, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  cleanup(async () => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // the group is gone
    }
    await rm(out, { recursive: true, force: true })
  })
  return { child, out, exited, output: () => output }
}

/** The run's history once it holds ops recorded during a fault. */
function faultedHistory(out: string): Promise<string> {
  return eventually(
    'the run to record ops during a fault',
    () => {
      const runs = existsSync(out) ? readdirSync(out).filter((name) => name !== 'latest' && !name.startsWith('.')) : []
      const file = runs.length > 0 ? join(out, runs[0], 'history.jsonl') : ''
      return file && existsSync(file) && readFileSync(file, 'utf8').includes('"phase":"fault"') ? file : undefined
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  )
}

const within = <T>(promise: Promise<T>, ms: number): Promise<T | 'hung'> =>
  Promise.race([promise, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms))])

/** The history ends with the interrupted end record, and the report files are next to it. */
function assertInterruptedAndReported(assert: Assert, history: string): void {
  const records = readFileSync(history, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as HistoryRecord)
  const end = records.at(-1) as { process: string; f: string; value: object }
  assert.deepInclude(end, { process: 'harness', f: 'end' })
  assert.deepInclude(end.value, { completed: false, interrupted: true })
  for (const file of ['summary.json', 'index.html', 'ops.csv']) assert.isTrue(existsSync(join(history, '..', file)), `${file} written`)
  const summary = JSON.parse(readFileSync(join(history, '..', 'summary.json'), 'utf8')) as { history: { source: string } }
  assert.equal(summary.history.source, 'history.table', 'the report read the op table recorded as the history was written')
}

test.group('interrupting a run', (group) => {
  group.tap((t) => t.tags(['integration']).timeout(150_000))

  test('Ctrl-C through a pipe: tee dies first, the run still heals, reports and exits 2', async ({ assert, cleanup }) => {
    const out = await mkdtemp(join(tmpdir(), 'quorumlab-pipe-'))
    const code = join(out, 'code')
    const run = [process.execPath, QUORUMLAB_BIN, 'workload', ...LONG_RUN, '--out', out].map(quote).join(' ')
    const script = `(${run}; echo $? > ${quote(code)}) 2>&1 | tee ${quote(join(out, 'log'))} > /dev/null`
    const shell = await start(cleanup, 'bash', ['-c', script], out)
    const history = await faultedHistory(out)
    process.kill(-shell.child.pid!, 'SIGINT')
    await within(shell.exited, 60_000)
    const written = await eventually('node to write its exit code', () => existsSync(code) && readFileSync(code, 'utf8').trim(), {
      timeoutMs: 60_000,
    })
    assert.equal(Number(written), EXIT.unknown, shell.output())
    assertInterruptedAndReported(assert, history)
  })

  test('a reader that exits early (| head -n 1) does not cost the run: it completes and reports', async ({ assert, cleanup }) => {
    const out = await mkdtemp(join(tmpdir(), 'quorumlab-head-'))
    const code = join(out, 'code')
    const short = ['--time', '3', '--warmup', '0', '--rate', '50', '--concurrency', '4', '--nemesis', 'none']
    const run = [process.execPath, QUORUMLAB_BIN, 'workload', ...short, '--out', out].map(quote).join(' ')
    const shell = await start(cleanup, 'bash', ['-c', `(${run}; echo $? > ${quote(code)}) 2>&1 | head -n 1 > /dev/null`], out)
    assert.notEqual(await within(shell.exited, 120_000), 'hung')
    assert.equal(readFileSync(code, 'utf8').trim(), String(EXIT.valid), shell.output())
    const dir = join(out, 'latest')
    assert.isTrue(existsSync(join(dir, 'summary.json')))
    const end = JSON.parse(readFileSync(join(dir, 'history.jsonl'), 'utf8').trim().split('\n').at(-1)!)
    assert.deepInclude(end.value, { completed: true })
  })

  test('npm run workload: SIGINT to {$self} reaches node once; npm exits with node code 2')
    .with(['npm alone', 'its process group'])
    .run(async ({ assert, cleanup }, target) => {
      const out = await mkdtemp(join(tmpdir(), 'quorumlab-npm-'))
      const npm = await start(cleanup, 'npm', ['run', '--silent', 'workload', '--', ...LONG_RUN, '--out', out], out)
      const history = await faultedHistory(out)
      process.kill(target === 'npm alone' ? npm.child.pid! : -npm.child.pid!, 'SIGINT')
      assert.equal(await within(npm.exited, 60_000), EXIT.unknown, npm.output())
      assertInterruptedAndReported(assert, history)
      assert.notInclude(npm.output(), 'again: exiting now', 'the copy npm forwards is not a second Ctrl-C')
    })

  test("a CI runner's SIGTERM: heals, reports, exits 2; harness.log and nodes/ keep what the harness and each node said", async ({
    assert,
    cleanup,
  }) => {
    const out = await mkdtemp(join(tmpdir(), 'quorumlab-term-'))
    const node = await start(cleanup, process.execPath, [QUORUMLAB_BIN, 'workload', ...LONG_RUN, '--out', out], out)
    const history = await faultedHistory(out)
    node.child.kill('SIGTERM')
    assert.equal(await within(node.exited, 60_000), EXIT.unknown, node.output())
    assert.include(node.output(), 'interrupted (SIGTERM)')
    assertInterruptedAndReported(assert, history)
    // The run folder keeps the harness's own log and every node's output, token left out.
    const harnessLog = readFileSync(join(history, '..', 'harness.log'), 'utf8')
      .trim()
      .split('\n')
    assert.match(harnessLog[0], /^\d{4}-\d\d-\d\dT\S+Z run \S+: seed \d+; starting/)
    assert.isTrue(harnessLog.some((line) => / nemesis partition start /.test(line)))
    assert.isTrue(harnessLog.some((line) => / interrupted \(Ctrl-C, SIGTERM or SIGHUP\)/.test(line)))
    assert.match(harnessLog.at(-1)!, / end: interrupted; \d+ history records$/)
    for (const id of ['n1', 'n2', 'n3']) {
      const log = readFileSync(join(history, '..', 'nodes', `${id}.log`), 'utf8')
      assert.match(log, new RegExp(`^--- \\S+ ${id} started \\(pid \\d+\\): quorumlab store --id ${id} `))
      assert.include(log, `${id} listening on http://127.0.0.1:`)
      assert.include(log, '--token (secret)')
      assert.notInclude(log, '--token quorumlab')
      assert.match(log, new RegExp(`--- \\S+ ${id} exited \\(code 0\\)\\n$`))
    }
  })
})
