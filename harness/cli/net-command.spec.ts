/**
 * `--network netns` and `quorumlab net` as a user runs them, with real namespaces: a
 * short partition and crash run completes with exit 0 and leaves nothing behind; a user
 * without root, latency without netem, and `--cluster` are refused before anything
 * starts; `net --cleanup` removes what a killed run left and what was planted for a dead
 * owner, and keeps a live run's.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import type { HistoryRecord } from '../../common/contracts/history.ts'
import { isProcessAlive } from '../../common/helpers/pid.ts'
import { eventually } from '../cluster/testing.ts'
import { leftoversOf, netnsSkipReason } from '../network/netns/testing.ts'
import { QUORUMLAB_BIN } from '../stores/quorumlab/index.ts'
import { EXIT } from '../../common/contracts/exit-codes.ts'

type Cleanup = (handler: () => Promise<void> | void) => void

const cli = (args: string[], prefix: string[] = []) => {
  const [command, ...rest] = [...prefix, process.execPath, QUORUMLAB_BIN, ...args]
  return spawnSync(command, rest, { encoding: 'utf8', timeout: 180_000 })
}

/** A run folder's parent that `cleanup` removes. */
async function outDir(cleanup: Cleanup): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'quorumlab-netns-cli-'))
  cleanup(() => rm(out, { recursive: true, force: true }))
  return out
}

/** The netns run id a run's log names. */
const runId = (log: string): string | undefined => /network namespaces qln([0-9a-f]{6})-n1/.exec(log)?.[1]

/** Removes run `id`'s namespaces and links whatever the test did, then fails it if any is still there. */
function removeAtEnd(cleanup: Cleanup, id: () => string | undefined): void {
  cleanup(async () => {
    const run = id()
    if (!run) return
    const left = await leftoversOf(run)
    if (left.length === 0) return
    spawnSync('ip', ['-force', '-batch', '-'], {
      input: left.map((name) => (name.includes('-n') ? `netns del ${name}` : `link del ${name}`)).join('\n'),
    })
    throw new Error(`run qln${run} left ${left.join(', ')}`)
  })
}

/** Plants what a netns run of `nodes` nodes owned by `owner` leaves: a bridge naming it, namespaces, veths. */
function plant(id: string, owner: number, nodes: number): void {
  const stem = `qln${id}`
  const lines = [`link add ${stem}-br type bridge`, `link set ${stem}-br alias quorumlab-pid-${owner}`]
  for (let i = 1; i <= nodes; i++) {
    lines.push(
      `netns add ${stem}-n${i}`,
      `link add ${stem}-v${i} type veth peer name eth0 netns ${stem}-n${i}`,
      `link set ${stem}-v${i} master ${stem}-br`,
    )
  }
  execFileSync('ip', ['-batch', '-'], { input: `${lines.join('\n')}\n` })
}

const historyOf = (out: string): HistoryRecord[] => {
  const [run] = readdirSync(out).filter((name) => name !== 'latest')
  return readFileSync(join(out, run, 'history.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as HistoryRecord)
}

test.group('workload --network netns', (group) => {
  group.tap((t) => t.tags(['integration']))

  test('a short partition and crash run completes with exit 0 and removes everything it made', async ({ assert, cleanup }) => {
    const out = await outDir(cleanup)
    let id: string | undefined
    removeAtEnd(cleanup, () => id)
    const args = ['workload', '--network', 'netns', '--nemesis', 'partition,crash', '--time', '8', '--nemesis-interval', '2']
    const result = cli([...args, '--rate', '100', '--concurrency', '5', '--seed', '5', '--out', out, '--no-progress'])
    id = runId(result.stderr)
    assert.equal(result.status, 0, result.stderr)
    assert.isDefined(id, result.stderr)
    assert.deepEqual(await leftoversOf(id!), [])
    const history = historyOf(out)
    const run = history.find((r) => r.process === 'harness' && r.f === 'run')!
    assert.deepInclude(run.value as object, { network: 'netns', nemeses: ['partition', 'crash'] })
    const starts = history.filter((r) => r.process === 'nemesis' && r.f === 'start')
    assert.isTrue(starts.some((r) => r.process === 'nemesis' && r.nemesis === 'partition' && (r.value.cut as string[]).length > 0))
    assert.isTrue(starts.some((r) => r.process === 'nemesis' && r.nemesis === 'crash' && !r.value.error))
  })
    // A whole run: on a loaded 2-core machine it takes longer than the default 30 s.
    .timeout(120_000)
    .skip(!!netnsSkipReason, netnsSkipReason)

  test('Ctrl-C mid-run heals, stops the nodes and removes the network', async ({ assert, cleanup }) => {
    const out = await outDir(cleanup)
    let id: string | undefined
    removeAtEnd(cleanup, () => id)
    const args = ['workload', '--network', 'netns', '--time', '60', '--nemesis', 'partition', '--nemesis-interval', '2']
    const child = spawn(process.execPath, [QUORUMLAB_BIN, ...args, '--out', out, '--no-progress'], { stdio: ['ignore', 'ignore', 'pipe'] })
    let log = ''
    child.stderr.on('data', (chunk) => (log += chunk))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    cleanup(() => {
      child.kill('SIGKILL')
    })
    id = await eventually('the cluster up', () => /cluster up/.test(log) && runId(log), { timeoutMs: 60_000 })
    await eventually('a partition recorded', () => historyOf(out).some((r) => r.process === 'nemesis' && r.nemesis === 'partition'), {
      timeoutMs: 30_000,
    })
    const nodes = [1, 2, 3].flatMap((i) =>
      execFileSync('ip', ['netns', 'pids', `qln${id}-n${i}`], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map(Number),
    )
    child.kill('SIGINT')
    assert.equal(await exited, 2, log)
    assert.deepEqual(await leftoversOf(id!), [])
    for (const pid of nodes) assert.isFalse(isProcessAlive(pid), `node pid ${pid} is gone`)
  })
    .timeout(120_000)
    .skip(!!netnsSkipReason, netnsSkipReason)

  test('without root it stops before starting anything, with the usage-error status', async ({ assert, cleanup }) => {
    const out = await outDir(cleanup)
    const asRoot = process.getuid?.() === 0
    const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find(existsSync)
    const prefix = asRoot && setpriv ? [setpriv, '--reuid=65534', '--regid=65534', '--clear-groups'] : []
    const result = cli(['workload', '--network', 'netns', '--time', '1', '--out', join(out, 'runs')], prefix)
    assert.equal(result.status, EXIT.usage, result.stderr)
    assert.match(result.stderr, /--network netns needs (root|Linux)/)
    assert.isFalse(existsSync(join(out, 'runs')), 'no run folder was made')
  }).skip(process.getuid?.() === 0 && !['/usr/bin/setpriv', '/bin/setpriv'].some(existsSync), 'no setpriv to run the CLI without root')

  test('latency, and an external cluster, are refused before anything starts', async ({ assert, cleanup }) => {
    const out = await outDir(cleanup)
    const latency = cli(['workload', '--network', 'netns', '--nemesis', 'latency,partition', '--out', join(out, 'runs')])
    assert.equal(latency.status, EXIT.usage, latency.stderr)
    assert.match(latency.stderr, /cannot run every nemesis asked for: latency: --network netns (cannot|does not) add latency/)
    const external = cli(['workload', '--network', 'netns', '--cluster', join(out, 'cluster.json'), '--out', join(out, 'runs')])
    assert.equal(external.status, EXIT.usage, external.stderr)
    assert.match(external.stderr, /--network netns starts its own nodes: it cannot be used with --cluster/)
    assert.isFalse(existsSync(join(out, 'runs')))
  })
    // Real processes and namespaces: slow on a loaded 2-core machine.
    .timeout(60_000)
    .skip(!!netnsSkipReason, netnsSkipReason)
})

test.group('net --cleanup', (group) => {
  group.tap((t) => t.tags(['integration']))

  test("removes a dead owner's leftovers and keeps a live owner's", async ({ assert, cleanup }) => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!
    const [gone, live] = [randomBytes(3).toString('hex'), randomBytes(3).toString('hex')]
    removeAtEnd(cleanup, () => gone)
    cleanup(() => {
      spawnSync('ip', ['-force', '-batch', '-'], { input: `netns del qln${live}-n1\nlink del qln${live}-v1\nlink del qln${live}-br\n` })
    })
    plant(gone, dead, 2)
    plant(live, process.pid, 1)
    assert.lengthOf(await leftoversOf(gone), 5)

    const listed = cli(['net'])
    assert.equal(listed.status, 0, listed.stderr)
    assert.include(listed.stdout, `qln${gone}: 2 namespaces, 3 links (owner pid ${dead} gone)`)
    assert.include(listed.stdout, `qln${live}: 1 namespaces, 2 links (owner pid ${process.pid} running)`)

    const cleaned = cli(['net', '--cleanup'])
    assert.equal(cleaned.status, 0, cleaned.stderr)
    assert.include(cleaned.stdout, `removed qln${gone}`)
    assert.include(cleaned.stdout, `kept qln${live}`)
    assert.deepEqual(await leftoversOf(gone), [])
    assert.lengthOf(await leftoversOf(live), 3, "a live run's network is not touched")
    assert.equal(cli(['net', '--force']).status, EXIT.usage, '--force needs --cleanup')
  })
    // Real processes and namespaces: slow on a loaded 2-core machine.
    .timeout(60_000)
    .skip(!!netnsSkipReason, netnsSkipReason)

  test('removes what a run killed with SIGKILL left, nodes included', async ({ assert, cleanup }) => {
    const out = await outDir(cleanup)
    let id: string | undefined
    removeAtEnd(cleanup, () => id)
    const child = spawn(
      process.execPath,
      [QUORUMLAB_BIN, 'workload', '--network', 'netns', '--time', '60', '--nemesis', 'none', '--out', out, '--no-progress'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    let log = ''
    child.stderr.on('data', (chunk) => (log += chunk))
    cleanup(() => {
      child.kill('SIGKILL')
    })
    id = await eventually('the cluster up', () => /cluster up/.test(log) && runId(log), { timeoutMs: 60_000 })
    const nodes = [1, 2, 3].flatMap((i) =>
      execFileSync('ip', ['netns', 'pids', `qln${id}-n${i}`], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map(Number),
    )
    assert.lengthOf(nodes, 3)
    // A stopped node cannot notice its harness is gone: only the cleanup can end it.
    process.kill(nodes[0], 'SIGSTOP')
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
    assert.isNotEmpty(await leftoversOf(id!), 'a killed run cannot clean up')

    const cleaned = cli(['net', '--cleanup'])
    assert.equal(cleaned.status, 0, cleaned.stderr)
    assert.include(cleaned.stdout, `removed qln${id}`)
    assert.deepEqual(await leftoversOf(id!), [])
    await eventually('every node gone', () => nodes.every((pid) => !isProcessAlive(pid)))
  })
    // A whole run: on a loaded 2-core machine it takes longer than the default 30 s.
    .timeout(120_000)
    .skip(!!netnsSkipReason, netnsSkipReason)
})
