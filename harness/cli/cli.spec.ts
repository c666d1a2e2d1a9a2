/**
 * The `quorumlab` CLI as a user runs it: help, bad flags, the exit-code table of every
 * subcommand, and `cluster` end to end (start, serve, stop every node on SIGTERM; a port
 * in use is a bad argument).
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { isProcessAlive } from '../../common/helpers/pid.ts'
import { HistoryBuilder } from '../../reports/testing/history-builder.ts'
import { QUORUMLAB_BIN } from '../stores/quorumlab/index.ts'
import { freePorts } from '../cluster/ports.ts'
import { call } from '../cluster/testing.ts'
import { EXIT } from '../../common/contracts/exit-codes.ts'

const run = (...args: string[]) => spawnSync(process.execPath, [QUORUMLAB_BIN, ...args], { encoding: 'utf8', timeout: 30_000 })

test.group('cli', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('--help of {$self} lists every flag with its default')
    .with(['store', 'cluster'])
    .run(({ assert }, command) => {
      const result = run(command, '--help')
      assert.equal(result.status, 0)
      for (const flag of ['--n', '--r', '--w', '--versioning', '--token', '--vnodes', '--replica-timeout', '--max-value-bytes']) {
        assert.include(result.stdout, flag)
      }
      const optionLines = result.stdout.split('\n').filter((l) => l.trim().startsWith('--') && !l.includes('--help'))
      assert.isAbove(optionLines.length, 8)
      assert.include(result.stdout, '(default: 3)')
    })

  test('bad flags and values exit 254 with a message naming the problem', ({ assert }) => {
    const cases: [string[], RegExp][] = [
      [['store', '--id', 'n1', '--bogus'], /unknown option '--bogus'/],
      [['store', '--id', 'n1', '--port', 'seventy'], /--port.*expected an integer/],
      [['store', '--id', 'n1', '--versioning', 'crdt'], /expected one of dvv, vv, lww/],
      [['store', '--id', 'n1', '--peer', 'n2'], /expected <id>=<host>:<port>/],
      [['store', '--id', 'n1', '--peer', 'n2=127.0.0.1:99999'], /port from 1 to 65535/],
      [['store', '--id', 'n1', '--r', '3', '--n', '1'], /n=1.*\n?.*r=3|r=3 must be from 1 to n=1/],
      [['store', '--id', 'bad id!'], /node id "bad id!"/],
      [['store'], /required option '--id <id>'/],
      [['cluster', '--nodes', '0'], /--nodes.*from 1 to 64/],
      [['cluster', '--nodes', '2', '--n', '3'], /n=3 must be from 1 to the number of nodes/],
      [
        ['store', '--id', 'n1'],
        /n=3 must be from 1 to the number of nodes \(1\)\n.*no cluster secret[^\n]*\n.*name the other members with --peer ID=HOST:PORT/,
      ],
      [['store', '--id', 'n1', '--replica-timeout', '2x'], /--replica-timeout.*expected a duration/],
      [['serve', '--dir', 'no-such-runs-folder'], /--dir no-such-runs-folder: no such folder/],
      [['report', 'runs/nope'], /runs\/nope: no such folder/],
      [['run', '--bogus'], /unknown option '--bogus'/],
      [['bench', '--write', '--quick'], /--write replaces the committed figures: only a full run/],
      [['bench', '--only', 'nope'], /no benchmark named "nope"; there are: .*proxy/],
      [['nonsense'], /unknown command 'nonsense'/],
    ]
    for (const [args, message] of cases) {
      const result = run(...args)
      assert.equal(result.status, EXIT.usage, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, message, args.join(' '))
    }
  })

  test('consistency: compose passes it to every node with what the mode sets, said once; what a mode refuses is named', ({ assert }) => {
    const composed = run('compose', '--consistency', 'linearizable')
    assert.equal(composed.status, 0, composed.stderr)
    const nodes = composed.stdout.split('\n').filter((line) => line.includes('command: [ store'))
    assert.lengthOf(nodes, 3)
    for (const line of nodes) {
      assert.include(line, '--consistency, linearizable')
      assert.include(line, '--strict')
      assert.include(line, '--no-read-repair')
    }
    const notes = composed.stderr.split('\n').filter((line) => line.startsWith('note: --consistency linearizable sets'))
    assert.deepEqual(
      notes.map((line) => line.split(' (')[0]),
      ['note: --consistency linearizable sets strict=true', 'note: --consistency linearizable sets readRepair=false'],
    )
    const cases: [string[], RegExp][] = [
      [['compose', '--consistency', 'causal', '--versioning', 'lww'], /versioning="lww" must be dvv with consistency=causal/],
      [['cluster', '--nodes', '4', '--consistency', 'sequential'], /n=3 must equal the number of nodes \(4\) with consistency=sequential/],
      [['workload', '--consistency', 'strong'], /--consistency.*expected one of eventual, causal, sequential, linearizable/],
    ]
    for (const [args, message] of cases) {
      const result = run(...args)
      assert.equal(result.status, EXIT.usage, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, message, args.join(' '))
    }
  })

  test('every subcommand prints the exit-code table in --help and exits 254 on a bad flag', ({ assert }) => {
    const help = run('--help')
    assert.equal(help.status, EXIT.valid)
    const commands = [...help.stdout.slice(help.stdout.indexOf('Commands:')).matchAll(/^ {2}([a-z]+)[| ]/gm)]
      .map((m) => m[1])
      .filter((name) => name !== 'help')
    assert.includeMembers(commands, ['store', 'cluster', 'toxiproxy', 'workload', 'report', 'serve', 'predict', 'bench'])
    for (const command of commands) {
      const shown = run(command, '--help')
      assert.equal(shown.status, EXIT.valid, command)
      for (const code of ['0', '1', '2', '254', '255'])
        assert.match(shown.stdout, new RegExp(`^ +${code}  \\S`, 'm'), `${command}: ${code}`)
      const bad = run(command, '--no-such-flag')
      assert.equal(bad.status, EXIT.usage, `${command}: ${bad.stderr}`)
      // Commands with a required option name it first, before the unknown one.
      assert.match(bad.stderr, /^error: (unknown option '--no-such-flag'|required option)/)
    }
    const version = run('--version')
    assert.equal(version.status, EXIT.valid)
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/)
  })

  test('report: 0, 1 and 2 by verdict (1 also by --fail-on), 254 for a folder that is no run, and nothing written into it', async ({
    assert,
    cleanup,
  }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-report-codes-'))
    cleanup(() => rm(dir, { recursive: true, force: true }))
    const lostWrite = (versioning: 'dvv' | 'lww') => {
      const h = new HistoryBuilder({ versioning })
      h.put({ process: 0, value: 'a', dot: ['n1', 1], at: [0, 10] })
      h.put({ process: 1, value: 'b', dot: ['n2', 1], at: [0, 10] })
      h.get({ process: 5, values: ['b'], versions: [['n2', 1]], context: { n1: 1, n2: 1 }, phase: 'final', at: [50, 51] })
      return h
    }
    const cases: [string, HistoryBuilder, string[], number][] = [
      ['lww', lostWrite('lww').end(), [], EXIT.valid],
      ['lww-fail-on', lostWrite('lww').end(), ['--fail-on', 'no-lost-writes'], EXIT.invalid],
      ['dvv', lostWrite('dvv').end(), [], EXIT.invalid],
      ['cut', lostWrite('dvv'), [], EXIT.unknown],
    ]
    for (const [name, history, flags, code] of cases) {
      await history.writeRun(join(dir, name))
      const result = run('report', join(dir, name), '--quiet', '--workers', '0', ...flags)
      assert.equal(result.status, code, `${name}: ${result.stderr}`)
    }
    const notARun = join(dir, 'photos')
    await mkdir(notARun)
    await writeFile(join(notARun, 'history.jsonl'), '{"some": "other jsonl"}\n')
    const refused = run('report', notARun)
    assert.equal(refused.status, EXIT.usage)
    assert.match(refused.stderr, /is not a quorumlab run/)
    assert.deepEqual(await readdir(notARun), ['history.jsonl'])
  }).timeout(120_000)

  test('cluster: a port in use is a bad argument (254) naming the node and the address, and no node is left running', async ({
    assert,
    cleanup,
  }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-cli-port-'))
    const [basePort] = await freePorts(1)
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(basePort + 1, '127.0.0.1', resolve))
    cleanup(async () => {
      blocker.close()
      await rm(dir, { recursive: true, force: true })
    })
    const result = run('cluster', '--nodes', '3', '--base-port', String(basePort), '--data-dir', dir)
    assert.equal(result.status, EXIT.usage, result.stderr)
    assert.match(result.stderr, new RegExp(`error: n2: 127\\.0\\.0\\.1:${basePort + 1} is already in use`))
    for (const m of result.stdout.matchAll(/pid (\d+)/g)) assert.isFalse(isProcessAlive(Number(m[1])), `pid ${m[1]} is gone`)
  })

  test('cluster starts every node, serves, and stops them all on SIGTERM', async ({ assert, cleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-cli-'))
    const [basePort] = await freePorts(1)
    const child = spawn(process.execPath, [QUORUMLAB_BIN, 'cluster', '--nodes', '3', '--base-port', String(basePort), '--data-dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    cleanup(async () => {
      child.kill('SIGKILL')
      await rm(dir, { recursive: true, force: true })
    })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cluster did not come up:\n${output}`)), 30_000)
      child.stdout.on('data', () => {
        if (output.includes('nodes up')) {
          clearTimeout(timer)
          resolve()
        }
      })
      child.once('exit', () => reject(new Error(`cluster exited:\n${output}`)))
    })
    const pids = [...output.matchAll(/^(n\d)\s+(http:\S+)\s+pid (\d+)$/gm)].map((m) => ({ id: m[1], url: m[2], pid: Number(m[3]) }))
    assert.deepEqual(
      pids.map((p) => p.id),
      ['n1', 'n2', 'n3'],
    )
    assert.equal(pids[1].url, `http://127.0.0.1:${basePort + 1}`)
    const put = await call(`${pids[0].url}/kv/cli`, 'PUT', { value: 'through n1' })
    assert.equal(put.status, 200)
    const get = await call(`${pids[2].url}/kv/cli`)
    assert.deepEqual(get.body.values, ['through n1'])

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    assert.equal(await exited, 0)
    for (const { pid } of pids) assert.isFalse(isProcessAlive(pid), `node pid ${pid} is gone`)
  })
})
