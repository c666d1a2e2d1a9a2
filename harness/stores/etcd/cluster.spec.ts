import { spawn } from 'node:child_process'
import { access, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from '@japa/runner'
import { isProcessAlive } from '../../../common/helpers/pid.ts'
import type { Client } from '../../adapter/index.ts'
import { freePorts } from '../../cluster/ports.ts'
import { eventually } from '../../cluster/testing.ts'
import { EtcdClient, EtcdCluster, type EtcdClusterOptions, type EtcdOutcome, ensureEtcd, etcdUnavailableReason } from './index.ts'

const unavailable = await etcdUnavailableReason()
const skipped = unavailable !== undefined

type Cleanup = (handler: () => Promise<void> | void) => void

/** A started cluster and a client on it; both, and the folder, are gone when the test ends, passed or failed. */
async function startEtcd(cleanup: Cleanup, options: Partial<EtcdClusterOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'quorumlab-etcd-'))
  let cluster: EtcdCluster | undefined
  let client: EtcdClient | undefined
  cleanup(async () => {
    await client?.close()
    await cluster?.stop(2000)
    await rm(dir, { recursive: true, force: true })
  })
  cluster = await EtcdCluster.create({ binary: await ensureEtcd(), nodes: 3, dataDir: dir, ...options })
  await cluster.start()
  client = new EtcdClient({ nodes: cluster.nodes, timeoutMs: 3000 })
  return { cluster, client, dir }
}

function ok<T extends { type: string }>(outcome: T): Extract<T, { type: 'ok' }> {
  if (outcome.type !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`)
  return outcome as Extract<T, { type: 'ok' }>
}

/** Retries a write until etcd takes it (a new leader is being elected meanwhile). */
const eventuallyOk = <T extends EtcdOutcome>(what: string, attempt: () => Promise<T>) =>
  eventually(what, async () => {
    const outcome = await attempt()
    return outcome.type === 'ok' ? outcome : false
  })

test.group('etcd cluster and client (real processes)', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.each.timeout(120_000)
  group.setup(async () => {
    // The first build takes a minute or more; later tests find it cached.
    if (!skipped) await ensureEtcd()
  })

  test('3 members start healthy, agree on a leader, log to their files, restart, and stop leaving no process', async ({
    assert,
    cleanup,
  }) => {
    const { cluster } = await startEtcd(cleanup)
    assert.deepEqual(cluster.ids, ['n1', 'n2', 'n3'])
    assert.equal(new Set(cluster.nodes.map((e) => e.port)).size, 3)
    assert.oneOf(await cluster.leader(), cluster.ids)
    for (const member of cluster.members) {
      assert.match(await readFile(member.logFile, 'utf8'), /"msg":"serving client traffic insecurely/)
      await access(join(member.dataDir, 'member'))
    }
    // A running member restarts gracefully (stop, then start from its data dir) as a new process.
    const before = cluster.pid('n2')
    await cluster.restart('n2')
    assert.isTrue(cluster.running('n2'))
    assert.notEqual(cluster.pid('n2'), before)
    assert.isFalse(isProcessAlive(before!))
    await cluster.ready()
    const pids = cluster.ids.map((id) => cluster.pid(id)!)
    await cluster.stop()
    assert.deepEqual(
      pids.map((pid) => isProcessAlive(pid)),
      [false, false, false],
    )
  }).skip(skipped, unavailable)

  test('members bind where they are told and start through a launcher (what a namespace mode needs)', async ({ assert, cleanup }) => {
    const [client, peer] = await freePorts(2, '127.0.0.2')
    const { cluster, client: etcd } = await startEtcd(cleanup, {
      nodes: 1,
      addresses: [{ client: { host: '127.0.0.2', port: client }, peer: { host: '127.0.0.2', port: peer } }],
      launcher: (id) => ['env', `QUORUMLAB_LAUNCHED_AS=${id}`],
    })
    assert.equal(cluster.clientUrl('n1'), `http://127.0.0.2:${client}`)
    assert.include(await readFile(`/proc/${cluster.pid('n1')}/environ`, 'latin1'), 'QUORUMLAB_LAUNCHED_AS=n1')
    ok(await etcd.put('n1', 'k', 'v'))
    assert.deepEqual(ok(await etcd.get('n1', 'k')).values, ['v'])
  }).skip(skipped, unavailable)

  test('a bad layout is refused before anything starts', async ({ assert }) => {
    const refusal = (options: Partial<EtcdClusterOptions>) =>
      EtcdCluster.create({ binary: '/nowhere', nodes: 3, dataDir: '/nowhere', ...options }).then(
        () => 'accepted',
        (error: Error) => error.message,
      )
    assert.match(await refusal({ nodes: 0 }), /nodes must be an integer from 1 to 9, got 0/)
    assert.match(await refusal({ nodes: 2.5 }), /got 2\.5/)
    assert.match(await refusal({ addresses: [] }), /3 nodes need 3 addresses, got 0/)
  })

  test('put, get, delete and cas round trips through different members', async ({ assert, cleanup }) => {
    const { client } = await startEtcd(cleanup)
    const value = { n: 1, tags: ['a', 'é'] }
    const put = ok(await client.put('n1', 'k', value))
    assert.deepEqual(ok(await client.get('n2', 'k')).values, [value])
    assert.deepEqual(ok(await client.get('n3', 'missing')).values, [])

    const lost = ok(await client.cas('n2', 'k', { n: 0 }, 'never'))
    assert.isFalse(lost.succeeded)
    assert.deepEqual(ok(await client.get('n3', 'k')).values, [value])
    const won = ok(await client.cas('n3', 'k', value, 2))
    assert.isTrue(won.succeeded)
    assert.isAbove(won.revision, put.revision)
    assert.deepEqual(ok(await client.get('n1', 'k')).values, [2])
    assert.isFalse(ok(await client.cas('n1', 'absent', null, 1)).succeeded)

    assert.equal(ok(await client.delete('n1', 'k')).deleted, 1)
    assert.deepEqual(ok(await client.get('n2', 'k')).values, [])
    assert.equal(ok(await client.delete('n2', 'k')).deleted, 0)
    assert.deepEqual(ok(await client.invoke({ f: 'put', key: 'k', node: 'n3', value: 'via invoke' })).revision > won.revision, true)
    // The client is the adapter seam's Client as it is.
    const seam: Client = client
    assert.deepEqual(ok(await seam.invoke({ f: 'get', key: 'k', node: 'n1' })).values, ['via invoke'])

    // Never sent: certainly did not happen.
    assert.deepEqual(await client.put('n1', '', 1), { type: 'fail', error: 'invalid_key', detail: 'etcd keys are non-empty strings' })
    assert.equal((await client.put('n1', 'k', undefined)).type, 'fail')
    assert.equal((await client.get('n9', 'k')).type, 'fail')
  }).skip(skipped, unavailable)

  test('the read flag is honoured: with the majority paused, a serializable read answers, a linearizable one does not', async ({
    assert,
    cleanup,
  }) => {
    const { cluster, client } = await startEtcd(cleanup)
    ok(await client.put('n1', 'k', 'before'))
    // n1 has applied the put once a linearizable read through it sees it.
    assert.deepEqual(ok(await client.get('n1', 'k')).values, ['before'])
    await cluster.pause('n2')
    await cluster.pause('n3')
    const serializable = ok(await client.get('n1', 'k', { reads: 'serializable' }))
    assert.deepEqual(serializable.values, ['before'])
    const linearizable = await client.get('n1', 'k', { timeoutMs: 2500 })
    assert.equal(linearizable.type, 'fail', JSON.stringify(linearizable))
    // A client made for serializable reads sends the flag without being asked each time.
    const local = new EtcdClient({ nodes: cluster.nodes, timeoutMs: 2500, reads: 'serializable' })
    cleanup(() => local.close())
    assert.deepEqual(ok(await local.get('n1', 'k')).values, ['before'])
    await cluster.resume('n2')
    await cluster.resume('n3')
    await cluster.ready()
    assert.deepEqual(ok(await client.get('n1', 'k')).values, ['before'])
  }).skip(skipped, unavailable)

  test('kill -9 the leader: the others keep serving, and it restarts from its data and catches up', async ({ assert, cleanup }) => {
    const { cluster, client } = await startEtcd(cleanup)
    ok(await client.put('n1', 'k', 1))
    const leader = (await cluster.leader())!
    const survivors = cluster.ids.filter((id) => id !== leader)
    await cluster.kill(leader)
    assert.isFalse(cluster.running(leader))
    // Nothing listens on its port now: refused before sending, certainly did not happen.
    const refused = await client.put(leader, 'k', 'lost')
    assert.deepEqual([refused.type, refused.type === 'ok' ? '' : refused.error], ['fail', 'connection_refused'])
    assert.equal((await client.get(leader, 'k')).type, 'fail')

    await eventuallyOk('a write through a survivor', () => client.put(survivors[0], 'k', 2))
    const successor = await cluster.leader()
    assert.oneOf(successor, survivors)
    assert.deepEqual(ok(await client.get(survivors[1], 'k')).values, [2])

    await cluster.restart(leader)
    await cluster.ready()
    // It rejoined as the same member (a fresh one would not have been let in) and caught up on the write it missed.
    await eventually('the restarted member to catch up', async () => {
      const read = await client.get(leader, 'k', { reads: 'serializable' })
      return read.type === 'ok' && read.values[0] === 2
    })
    assert.deepEqual(ok(await client.get(leader, 'k')).values, [2])
    ok(await client.put(leader, 'k', 3))
    assert.deepEqual(ok(await client.get(survivors[0], 'k')).values, [3])
  }).skip(skipped, unavailable)

  test('pause a member: what is sent to it times out, as info for writes and fail for reads; it serves again after resume', async ({
    assert,
    cleanup,
  }) => {
    const { cluster, client } = await startEtcd(cleanup)
    ok(await client.put('n2', 'k', 'v'))
    // Through the adapter seam's node control, as the pause nemesis will.
    assert.deepEqual(cluster.control.can, { kill: true, pause: true })
    await cluster.control.pause('n2')
    const options = { timeoutMs: 400 }
    const outcomes = [
      await client.put('n2', 'k', 'w', options),
      await client.cas('n2', 'k', 'v', 'w', options),
      await client.delete('n2', 'k', options),
      await client.get('n2', 'k', options),
      await client.get('n2', 'k', { ...options, reads: 'serializable' }),
    ]
    assert.deepEqual(
      outcomes.map((o) => [o.type, o.type === 'ok' ? '' : o.error]),
      [
        ['info', 'timeout'],
        ['info', 'timeout'],
        ['info', 'timeout'],
        ['fail', 'timeout'],
        ['fail', 'timeout'],
      ],
    )
    await cluster.control.resume('n2')
    await cluster.ready()
    const after = ok(await client.get('n2', 'k'))
    // The timed-out writes may or may not have happened (that is why they are info); the value is one of them.
    assert.oneOf(JSON.stringify(after.values), ['["v"]', '["w"]', '[]'])
  }).skip(skipped, unavailable)

  test("etcd's own refusals: a too-large value is a fail; a write the member cannot commit is an info", async ({ assert, cleanup }) => {
    const { cluster, client } = await startEtcd(cleanup)
    // Over gRPC's 2 MiB message limit: the gateway's 429, refused before anything was proposed.
    const tooLarge = await client.put('n1', 'big', 'x'.repeat(2 * 1024 * 1024))
    assert.deepEqual([tooLarge.type, tooLarge.type === 'ok' ? '' : tooLarge.error], ['fail', 'resource_exhausted'])
    assert.deepEqual(ok(await client.get('n1', 'big')).values, [])

    const leader = (await cluster.leader())!
    for (const id of cluster.ids) if (id !== leader) await cluster.pause(id)
    // The leader proposes, cannot commit, and after its request timeout (5 s + 2 elections) says so.
    const uncommitted = await client.put(leader, 'k', 1, { timeoutMs: 20_000 })
    assert.equal(uncommitted.type, 'info', JSON.stringify(uncommitted))
    // etcd answered (503 `request timed out`, or 504 `context deadline exceeded`) before our own deadline.
    assert.oneOf(uncommitted.type === 'ok' ? '' : uncommitted.error, ['unavailable', 'deadline_exceeded'])
  }).skip(skipped, unavailable)
})

test.group('etcd members never outlive the harness', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.each.timeout(120_000)

  for (const ending of ['throws', 'is killed with SIGKILL'] as const) {
    const how = ending === 'throws' ? 'its exit hook' : 'the parent-death signal of our etcd build'
    test(`a harness that ${ending} takes its members with it (${how})`, async ({ assert, cleanup }) => {
      const dir = await mkdtemp(join(tmpdir(), 'quorumlab-etcd-orphan-'))
      cleanup(() => rm(dir, { recursive: true, force: true }))
      const index = fileURLToPath(new URL('./index.ts', import.meta.url))
      const script = `
        const { EtcdCluster } = await import(${JSON.stringify(index)})
        const cluster = await EtcdCluster.create({
          binary: ${JSON.stringify(await ensureEtcd())},
          nodes: 1,
          dataDir: ${JSON.stringify(dir)},
          // Without the parent pid our etcd cannot ask to die with the harness: only the exit hook can stop it.
          ${ending === 'throws' ? "launcher: () => ['env', '-u', 'QUORUMLAB_PARENT_PID']," : ''}
        })
        await cluster.start()
        console.log(JSON.stringify({ pid: cluster.pid('n1') }))
        ${ending === 'throws' ? "throw new Error('the harness crashed')" : 'setInterval(() => {}, 1000)'}
      `
      const harness = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let member: number | undefined
      cleanup(() => {
        harness.kill('SIGKILL')
        if (member && isProcessAlive(member)) process.kill(member, 'SIGKILL')
      })
      let output = ''
      harness.stderr.on('data', (chunk) => (output += chunk))
      member = await new Promise<number>((resolve, reject) => {
        harness.stdout.on('data', (chunk: Buffer) => {
          const match = /"pid":(\d+)/.exec(chunk.toString())
          if (match) resolve(Number(match[1]))
        })
        harness.once('exit', () => reject(new Error(`the harness exited before starting etcd:\n${output}`)))
      })
      assert.isTrue(isProcessAlive(member) || ending === 'throws')
      if (ending === 'is killed with SIGKILL') harness.kill('SIGKILL')
      await eventually('the member to be gone', () => !isProcessAlive(member!), { timeoutMs: 10_000 })
    }).skip(skipped, unavailable)
  }
})
