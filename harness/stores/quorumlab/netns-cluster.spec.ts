/**
 * The reference store on the netns network, with real node processes in real namespaces:
 * each node lives in its own namespace on its own address and node control signals the
 * node itself (not the `ip netns exec` that started it); partitions cut exactly the pairs
 * asked, as the nodes' own per-peer failure counts show; a one-way drop loses packets on
 * that link only. Every test removes the cluster and its network and checks nothing is left.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import type { PeerCallCounts, StatsSnapshot } from '../../../store/stats.ts'
import type { Cluster } from '../../adapter/index.ts'
import { call, eventually, TEST_SETTINGS } from '../../cluster/testing.ts'
import type { NetnsNetwork } from '../../network/index.ts'
import { leftoversOf, netnsSkipReason } from '../../network/netns/testing.ts'
import { startNetnsCluster } from './netns-cluster.ts'

type Cleanup = (handler: () => Promise<void> | void) => void
type NetnsCluster = Cluster & { network: NetnsNetwork }

/** Timeouts long enough that a loaded machine fails no call on a link that is not cut. */
const SETTINGS = { ...TEST_SETTINGS, replicaTimeoutMs: 2000, gossipIntervalMs: 1000 }

async function startCluster(cleanup: Cleanup): Promise<NetnsCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'quorumlab-netns-'))
  let cluster: NetnsCluster | undefined
  cleanup(async () => {
    await cluster?.teardown()
    await rm(dir, { recursive: true, force: true })
    const left = cluster ? await leftoversOf(cluster.network.names.id) : []
    if (left.length > 0) throw new Error(`the test left ${left.join(', ')}`)
  })
  cluster = await startNetnsCluster({ nodes: 3, settings: SETTINGS, dataDir: dir })
  return cluster
}

const url = (cluster: Cluster, node: string): string => {
  const { host, port } = cluster.nodes.find((n) => n.id === node)!
  return `http://${host}:${port}`
}

/** The pids in a node's namespace. */
const pidsIn = (cluster: NetnsCluster, node: string): number[] =>
  execFileSync('ip', ['netns', 'pids', cluster.network.namespace(node)], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map(Number)

const processState = (pid: number): string => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0]

/** Each node's calls to each peer so far, as `from-to`. */
async function peerCounts(cluster: Cluster): Promise<Map<string, PeerCallCounts>> {
  const counts = new Map<string, PeerCallCounts>()
  for (const { id } of cluster.nodes) {
    const stats: StatsSnapshot = (await call(`${url(cluster, id)}/admin/stats`)).body
    for (const [peer, c] of Object.entries(stats.peers)) counts.set(`${id}-${peer}`, c)
  }
  return counts
}

const since = (
  before: Map<string, PeerCallCounts>,
  after: Map<string, PeerCallCounts>,
  link: string,
): Pick<PeerCallCounts, 'calls' | 'failures'> => ({
  calls: (after.get(link)?.calls ?? 0) - (before.get(link)?.calls ?? 0),
  failures: (after.get(link)?.failures ?? 0) - (before.get(link)?.failures ?? 0),
})

/** `count` writes, round-robin over the nodes, one at a time; each must be acknowledged. */
async function write(cluster: Cluster, count: number, prefix: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    const node = cluster.nodes[i % cluster.nodes.length].id
    const { status } = await call(`${url(cluster, node)}/kv/${prefix}${i}`, 'PUT', { value: i })
    if (status !== 200) throw new Error(`write ${prefix}${i} through ${node} answered ${status}`)
  }
}

const LINKS = ['n1-n2', 'n1-n3', 'n2-n1', 'n2-n3', 'n3-n1', 'n3-n2']

test.group('quorumlab on the netns network', (group) => {
  group.tap((t) => t.tags(['integration']))

  test('each node runs in its namespace on its address; pause, kill and start reach the node itself', async ({ assert, cleanup }) => {
    const cluster = await startCluster(cleanup)
    for (const { id, host } of cluster.nodes) {
      assert.equal(host, cluster.network.address(id))
      const [pid, ...others] = pidsIn(cluster, id)
      assert.lengthOf(others, 0, `only the node runs in ${id}'s namespace`)
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      assert.equal(args[0], process.execPath, 'the process is node itself, not ip')
      assert.includeMembers(args, ['store', '--id', id, '--host', host])
    }
    const [paused] = pidsIn(cluster, 'n1')
    await cluster.control.pause('n1')
    // A signal is delivered, not obeyed, by the time kill() returns: the state follows shortly.
    await eventually('n1 stopped', () => processState(paused) === 'T')
    await cluster.control.resume('n1')
    await eventually('n1 running again', () => processState(paused) !== 'T')

    const [killed] = pidsIn(cluster, 'n2')
    await cluster.control.kill('n2')
    assert.deepEqual(pidsIn(cluster, 'n2'), [])
    await cluster.control.start('n2')
    const [restarted] = pidsIn(cluster, 'n2')
    assert.notEqual(restarted, killed)
    assert.equal((await call(`${url(cluster, 'n2')}/health`)).status, 200)
  })
    // Real processes and namespaces: slow on a loaded 2-core machine.
    .timeout(60_000)
    .skip(!!netnsSkipReason, netnsSkipReason)

  test("partitions cut exactly the pairs asked, by the nodes' own per-peer failure counts; heal ends it", async ({ assert, cleanup }) => {
    const cluster = await startCluster(cleanup)
    // Warm: pooled peer connections exist before the cut, and must be cut too.
    await write(cluster, 6, 'warm')
    const before = await peerCounts(cluster)
    const cut: [string, string][] = [
      ['n1', 'n2'],
      ['n3', 'n1'],
    ]
    assert.deepEqual(await cluster.network.cut(cut), { links: ['n1-n2', 'n3-n1'] })
    // Every key lives on all 3 nodes, so each write's coordinator calls both others; W=2 still acknowledges it.
    await write(cluster, 30, 'cut')
    const during = await eventually('10 failed calls on each cut link', async () => {
      const now = await peerCounts(cluster)
      return ['n1-n2', 'n3-n1'].every((link) => since(before, now, link).failures >= 10) && now
    })
    for (const link of LINKS) {
      const { calls, failures } = since(before, during, link)
      if (link === 'n1-n2' || link === 'n3-n1') {
        // A call still waiting for its timeout has no failure yet: at most a couple.
        assert.isAtLeast(failures, calls - 2, `${link}: ${failures} of ${calls} calls failed`)
      } else {
        assert.isAtLeast(calls, 10, `${link} carried calls`)
        assert.equal(failures, 0, `${link} is not cut: ${failures} of ${calls} calls failed`)
      }
    }

    assert.deepEqual(await cluster.network.heal(), { links: ['n1-n2', 'n3-n1'] })
    const healed = await peerCounts(cluster)
    await write(cluster, 12, 'healed')
    await eventually('calls over the healed links answered', async () => {
      const now = await peerCounts(cluster)
      return ['n1-n2', 'n3-n1'].every((link) => {
        const { calls, failures } = since(healed, now, link)
        return calls - failures >= 3
      })
    })
  })
    // Real processes and namespaces: slow on a loaded 2-core machine.
    .timeout(60_000)
    .skip(!!netnsSkipReason, netnsSkipReason)

  test('a one-way drop loses packets on that link only, and counts them', async ({ assert, cleanup }) => {
    const cluster = await startCluster(cleanup)
    // Warm: the peers' connections exist before the drop (a lost SYN would hold a new one back for a second).
    await write(cluster, 6, 'warm')
    const before = await peerCounts(cluster)
    assert.deepEqual(await cluster.network.drop({ pairs: [['n1', 'n2']], probability: 0.5 }), { links: ['n1-n2'] })
    // A call n1 got answered crossed the link: each left at least one packet there to count.
    let round = 0
    const crossed = await eventually(
      '10 calls from n1 answered by n2 through the lossy link',
      async () => {
        await write(cluster, 3, `lossy${round++}-`)
        const { calls, failures } = since(before, await peerCounts(cluster), 'n1-n2')
        return calls - failures >= 10 && calls - failures
      },
      { timeoutMs: 40_000 },
    )
    const { links, loss, error } = await cluster.network.stopDrop()
    assert.isUndefined(error)
    assert.deepEqual(links, ['n1-n2'])
    assert.deepEqual(Object.keys(loss!.byLink), ['n1-n2'])
    assert.isAtLeast(loss!.seen, crossed)
    assert.isAbove(loss!.dropped, 0)
    assert.isBelow(loss!.dropped, loss!.seen)
    assert.deepEqual(await cluster.network.stopDrop(), { links: [] }, 'nothing left to stop')
  })
    // Real processes and namespaces: slow on a loaded 2-core machine.
    .timeout(60_000)
    .skip(!!netnsSkipReason, netnsSkipReason)
})
