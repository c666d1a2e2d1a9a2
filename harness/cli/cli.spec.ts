/**
 * The `quorumlab` CLI as a user runs it: help, bad flags, and `cluster` end to end
 * (start, serve, stop every node on SIGTERM).
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { isProcessAlive } from '../../common/helpers/pid.ts'
import { QUORUMLAB_BIN } from '../stores/quorumlab/index.ts'
import { freePorts } from '../cluster/ports.ts'
import { call } from '../cluster/testing.ts'

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

  test('bad flags and values exit 2 with a message naming the problem', ({ assert }) => {
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
      [['nonsense'], /unknown command 'nonsense'/],
    ]
    for (const [args, message] of cases) {
      const result = run(...args)
      assert.equal(result.status, 2, args.join(' '))
      assert.match(result.stderr, message, args.join(' '))
    }
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
