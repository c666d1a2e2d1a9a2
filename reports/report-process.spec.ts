/**
 * reportRun in a process of its own: started with glibc's mmap threshold fixed (a user's
 * own threshold kept), it writes and answers what reportRun here does, and it ends with
 * the process that started it.
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { cp, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { isProcessAlive } from '../common/helpers/pid.ts'
import { analysisEnv, analysisFlags, reportRunInProcess } from './report-process.ts'
import { reportRun } from './report-run.ts'
import { tempDir } from './testing/analyse.ts'
import { faultyRun } from './testing/faulty-run.ts'
import { writeSyntheticHistory } from './testing/synthetic-history.ts'

/** A report without what differs from one analysis or folder to the next (timings, the folder's name and path). */
const comparable = (report: Awaited<ReturnType<typeof reportRun>>) => {
  if (report.kind !== 'analysed') return report
  const { timings, analysisSeconds, generatedAt, name, history, ...rest } = report.summary
  return { exitCode: report.exitCode, files: report.files, summary: { ...rest, history: { ...history, path: '' } } }
}

/** A child process of `pid` (from /proc: the fourth field of a process's stat is its parent), or 0. */
function childOf(pid: number): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === pid) return Number(entry)
    } catch {
      // Gone since the listing.
    }
  }
  return 0
}

/** A process's resident memory, MiB (0 once it is gone). */
function rssMiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024
  } catch {
    return 0
  }
}

/** Polls `ok` every 50 ms until it holds or `ms` have passed; whether it held. */
async function within(ms: number, ok: () => boolean): Promise<boolean> {
  const deadline = performance.now() + ms
  while (performance.now() < deadline) {
    if (ok()) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return ok()
}

test.group('analysis environment', () => {
  test('adds the mmap threshold to glibc tunables, beside any others, and keeps a threshold the user set', ({ assert }) => {
    assert.equal(analysisEnv({}).GLIBC_TUNABLES, 'glibc.malloc.mmap_threshold=1048576')
    assert.equal(analysisEnv({ GLIBC_TUNABLES: '' }).GLIBC_TUNABLES, 'glibc.malloc.mmap_threshold=1048576')
    assert.equal(
      analysisEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES,
      'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=1048576',
    )
    const own = { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65536', PATH: '/bin' }
    assert.deepEqual(analysisEnv(own), own)
    assert.equal(analysisEnv({ PATH: '/usr/bin' }).PATH, '/usr/bin')
  })

  test('passes on Node flags but those that load modules or run code of their own, and adds a small young generation', ({ assert }) => {
    const flags = [
      '--import',
      'tsx',
      '--max-old-space-size=4096',
      '-e',
      'run()',
      '--input-type=module',
      '--cpu-prof',
      '-p',
      '1',
      '--eval=x',
      '--test',
      '--expose-gc',
    ]
    assert.deepEqual(analysisFlags(flags), ['--max-old-space-size=4096', '--cpu-prof', '--expose-gc', '--max-semi-space-size=4'])
    assert.deepEqual(analysisFlags(['--max-semi-space-size=32']), ['--max-semi-space-size=32'], "the user's own size is kept")
  })
})

test.group('reportRun in a process of its own', (group) => {
  group.tap((t) => t.tags(['integration']))

  test('writes and answers what reportRun in this process does', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const [here, there] = [join(dir, 'here'), join(dir, 'there')]
    await faultyRun().writeRun(here)
    await cp(here, there, { recursive: true })

    const expected = await reportRun(here, { quiet: true, workers: 0 })
    const report = await reportRunInProcess(there, { quiet: true, workers: 0 })
    assert.equal(report.kind, 'analysed')
    assert.equal(report.exitCode, expected.exitCode)
    assert.deepEqual(comparable(report), comparable(expected))

    const missing = join(dir, 'empty')
    await mkdir(missing)
    assert.deepEqual(await reportRunInProcess(missing, { quiet: true }), await reportRun(missing, { quiet: true }))
  }).timeout(60_000)

  test('ends when the process that started it is killed mid-analysis', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    await writeSyntheticHistory(join(dir, 'history.jsonl'), {
      ops: 300_000,
      rate: 5_000,
      seed: 1,
      keys: 16,
      nodes: 3,
      n: 3,
      r: 1,
      w: 1,
      concurrency: 16,
    })
    const script = `import { reportRunInProcess } from ${JSON.stringify(new URL('./report-process.ts', import.meta.url).href)}
      await reportRunInProcess(${JSON.stringify(dir)}, { quiet: true })`
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'ignore' })
    let child = 0
    cleanup(() => {
      for (const pid of [parent.pid, child]) if (pid && isProcessAlive(pid)) process.kill(pid, 'SIGKILL')
    })
    const started = await within(20_000, () => {
      child = childOf(parent.pid!)
      return child > 0
    })
    assert.isTrue(started, 'the analysis process started')
    assert.isTrue(await within(30_000, () => rssMiB(child) > 150), 'the analysis is under way')
    parent.kill('SIGKILL')
    // It ends at its next event turn (a step of the analysis may hold one for a second or
    // two), before the report's files: the analysis did not run on to its end.
    assert.isTrue(await within(30_000, () => !isProcessAlive(child)), 'the analysis process ended')
    assert.isFalse(existsSync(join(dir, 'summary.json')), 'the analysis was cut short, not finished')
  }).timeout(60_000)
})
