/**
 * `quorumlab workload` as a user runs it: help and bad flags, and Ctrl-C in the middle of
 * a run leaving no process or port behind and a readable history.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { isProcessAlive } from '../../common/helpers/pid.ts'
import { QUORUMLAB_BIN } from '../stores/quorumlab/index.ts'
import { eventually } from '../cluster/testing.ts'
import type { HistoryRecord } from '../../common/contracts/history.ts'
import { EXIT } from '../../common/contracts/exit-codes.ts'

const run = (...args: string[]) => spawnSync(process.execPath, [QUORUMLAB_BIN, 'workload', ...args], { encoding: 'utf8', timeout: 30_000 })

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })

test.group('workload command', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('--help lists every flag with its default', ({ assert }) => {
    const result = run('--help')
    assert.equal(result.status, 0)
    for (const flag of [
      '--workload',
      '--time',
      '--rate',
      '--concurrency',
      '--seed',
      '--routing',
      '--nemesis',
      '--nemesis-interval',
      '--nemesis-schedule',
      '--latency',
      '--drop',
      '--partition',
      '--cluster',
      '--strict',
      '--versioning',
    ]) {
      assert.include(result.stdout, flag)
    }
    const flat = result.stdout.replace(/\s+/g, ' ')
    assert.include(flat, '(default: "distributed")')
    assert.include(flat, '(default: "crash,partition")')
    assert.include(flat, 'rotate (one per fault window, in the order given) | together (all in every window) (default: "rotate")')
    assert.include(flat, 'random | coordinator')
    assert.include(flat, '100..600000 ms')
  })

  test('--help sorts the flags into groups, each flag in its own, and ends with examples and exit codes', ({ assert }) => {
    const { stdout, status } = run('--help')
    assert.equal(status, 0)
    const headings = ['Workload:', 'Load and clients:', 'Nemesis:', 'Cluster:', 'Store settings (the local nodes):', 'Output and verdict:']
    const at = headings.map((h) => stdout.indexOf(`\n${h}\n`))
    assert.notInclude(at, -1, 'every group is shown')
    assert.deepEqual(
      [...at].sort((a, b) => a - b),
      at,
      'in this order',
    )
    const groupOf = (flag: string): string => {
      const where = stdout.indexOf(`  ${flag} `)
      return headings.filter((_, i) => at[i] < where).at(-1) ?? 'none'
    }
    assert.equal(groupOf('--keys'), 'Workload:')
    assert.equal(groupOf('--request-timeout'), 'Load and clients:')
    assert.equal(groupOf('--nemesis'), 'Nemesis:')
    assert.equal(groupOf('--targets'), 'Nemesis:')
    assert.equal(groupOf('--cluster'), 'Cluster:')
    assert.equal(groupOf('--versioning'), 'Store settings (the local nodes):')
    assert.equal(groupOf('--fail-on'), 'Output and verdict:')
    assert.isBelow(stdout.indexOf('\nExamples:\n'), stdout.indexOf('\nExit codes:\n'))
    assert.isAbove(stdout.indexOf('\nExamples:\n'), at.at(-1)!)
  })

  test('bad flags, workloads, folders and cluster files exit 254 naming the problem, fast', async ({ assert, cleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-flags-'))
    cleanup(() => rm(dir, { recursive: true, force: true }))
    const { writeFileSync } = await import('node:fs')
    writeFileSync(join(dir, 'bad-workload.json'), JSON.stringify({ keys: -1, colour: 'red' }))
    writeFileSync(join(dir, 'bad-cluster.json'), JSON.stringify({ nodes: [{ id: 'n1', address: 'nowhere' }], control: { type: 'ssh' } }))
    writeFileSync(join(dir, 'malformed.json'), '{\n  "keys": 8,\n  "kind": set\n}\n')
    const cases: [string[], RegExp][] = [
      [['--nemesis', 'meteor'], /unknown nemesis "meteor"/],
      [['--rate', '-5'], /--rate.*from 0/],
      [['--partition', 'thirds'], /expected one of random, isolate/],
      [['--workload', 'nope'], /neither a preset/],
      [['--workload', join(dir, 'bad-workload.json')], /unknown field "colour"[\s\S]*keys must be/],
      [['--r', '4'], /r=4 must be from 1 to n=3/],
      [['--cluster', join(dir, 'bad-cluster.json'), '--time', '1'], /nodes\[0\]\.address[\s\S]*control\.type/],
      [['--cluster', join(dir, 'missing.json'), '--time', '1'], /cannot read it/],
      [['--nemesis', 'none,crash'], /"none" means no faults and cannot be combined with crash/],
      [['--nemesis-schedule', 'sometimes'], /--nemesis-schedule.*sometimes.*rotate.*together/],
      [['--nemesis', 'crash', '--targets', '5'], /--targets 5: the crash nemesis can hit at most the cluster's 3 nodes/],
      [['--nemesis', 'power', '--targets', 'most'], /--targets.*expected an integer, got "most"/],
      [['--nemesis', 'power', '--cluster', join(dir, 'missing.json')], /--nemesis power .* cannot be used with --cluster/],
      [['--nemesis', 'power', '--network', 'netns'], /--nemesis power runs on --network proxy only/],
      [['--workload', join(dir, 'missing.json')], /missing\.json: no such file/],
      [['--workload', join(dir, 'malformed.json')], /malformed\.json:3:11: /],
      [['--workload', join(dir, 'w.yaml')], /nor a workload file \(\.json, \.ts, \.mts, \.js, \.mjs\)/],
      [['--request-timeout', '5'], /--request-timeout.*got "5" \(a plain number counts ms; add a unit, e\.g\. 5s/],
      [['--nemesis-interval', '10x'], /--nemesis-interval.*expected a duration/],
      [['--fail-on', 'no-lost-writes,fast'], /--fail-on.*expected one of no-lost-writes.*got "fast"/],
      [['--time', '1', '--out', '/proc/quorumlab-no-such-folder'], /--out \/proc\/quorumlab-no-such-folder: cannot create the folder/],
    ]
    for (const [args, message] of cases) {
      const result = run(...args, ...(args.includes('--out') ? [] : ['--out', dir]))
      assert.equal(result.status, EXIT.usage, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, message, args.join(' '))
    }
  })

  test('Ctrl-C mid-run heals, stops every process and leaves a readable history', async ({ assert, cleanup }) => {
    const out = await mkdtemp(join(tmpdir(), 'quorumlab-sigint-'))
    const child = spawn(
      process.execPath,
      [QUORUMLAB_BIN, 'workload', '--time', '60', '--nemesis', 'partition', '--nemesis-interval', '2', '--out', out, '--no-progress'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    cleanup(async () => {
      child.kill('SIGKILL')
      await rm(out, { recursive: true, force: true })
    })

    const history = await eventually(
      'the run to record ops during a fault',
      () => {
        const runs = readdirSync(out).filter((name) => name !== 'latest')
        const file = runs.length > 0 ? join(out, runs[0], 'history.jsonl') : ''
        return file && existsSync(file) && readFileSync(file, 'utf8').includes('"nemesis":"partition"') ? file : undefined
      },
      { timeoutMs: 30_000 },
    )
    const logs = join(history, '..', 'nodes')
    const nodes = readdirSync(logs)
      .filter((f) => f.endsWith('.log'))
      .map((f) => /listening on http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)/.exec(readFileSync(join(logs, f), 'utf8')))
      .map((m) => ({ port: Number(m![1]), pid: Number(m![2]) }))
    assert.lengthOf(nodes, 3)

    child.kill('SIGINT')
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('hung'), 30_000))])
    assert.equal(code, 2, output)
    for (const { pid, port } of nodes) {
      assert.isFalse(isProcessAlive(pid), `node pid ${pid} is gone`)
      assert.isFalse(await listening(port), `port ${port} is free`)
    }
    const records = readFileSync(history, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as HistoryRecord)
    const end = records.at(-1)!
    assert.equal(end.process, 'harness')
    assert.deepInclude(end as object, { f: 'end' })
    assert.deepInclude((end as { value: object }).value, { completed: false, interrupted: true })
    const starts = records.filter((r) => r.process === 'nemesis' && r.f === 'start').length
    const stops = records.filter((r) => r.process === 'nemesis' && r.f === 'stop').length
    assert.equal(starts, stops, 'every fault started was healed')
    if (process.env.TOXIPROXY_URL) {
      const proxies = (await (await fetch(`${process.env.TOXIPROXY_URL}/proxies`)).json()) as Record<string, unknown>
      assert.notProperty(proxies, 'c-n1', 'the run removed its links from the real Toxiproxy')
    }
  })
})
