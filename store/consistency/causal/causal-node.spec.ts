/**
 * The causal mode on real storage, with the peer links replaced by handing logs over by
 * hand: writes wait for their dependencies, a request waits for its context (then a 503
 * naming what is missing), concurrent writes converge as siblings, and what a node applied
 * survives its restart.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import type { CausalContext, Clock } from '../../../common/contracts/causal.ts'
import { ApiError } from '../../errors.ts'
import { Replica } from '../../replica.ts'
import { Storage } from '../../storage.ts'
import { liveSiblings, sameState } from '../../versioning.ts'
import { CausalNode } from './causal-node.ts'
import type { LogEntry } from './delivery.ts'
import { Shipper } from './shipper.ts'

type TestNode = { id: string; dir: string; storage: Storage; node: CausalNode }

function open(id: string, dir: string, onLocalWrite?: () => void): TestNode {
  const storage = Storage.open({ dir })
  const replica = new Replica({ node: id, mode: 'dvv', storage })
  const node = new CausalNode({
    replica,
    state: storage.table<Clock>('causal-state'),
    log: storage.table<LogEntry>('causal-log'),
    dependencyTimeoutMs: 150,
    onLocalWrite,
  })
  return { id, dir, storage, node }
}

/** Every entry of `from`'s log, as its shipper would send them. */
const logOf = (from: TestNode): LogEntry[] => [...from.storage.table<LogEntry>('causal-log').entries()].map(([, entry]) => entry)

/** Hands `from`'s whole log to `to`. */
const ship = (from: TestNode, to: TestNode): Promise<Clock> => to.node.receive(from.id, logOf(from))

const blind = (value: unknown, context: CausalContext = { clock: {}, dots: [] }) => ({ value, deleted: false, context })
const EMPTY: CausalContext = { clock: {}, dots: [] }
const values = async (at: TestNode, key: string): Promise<unknown[]> =>
  liveSiblings((await at.node.read(key, EMPTY)).object).map((s) => s.value)

test.group('causal: a node', (group) => {
  let nodes: TestNode[] = []
  let root = ''
  group.each.setup(() => {
    root = mkdtempSync(join(tmpdir(), 'quorumlab-causal-'))
    nodes = ['n1', 'n2', 'n3'].map((id) => open(id, join(root, id)))
  })
  group.each.teardown(async () => {
    for (const n of nodes) await n.storage.close().catch(() => {})
    rmSync(root, { recursive: true, force: true })
  })

  test('a write is not shown before the write it depends on, even when it arrives first', async ({ assert }) => {
    const [n1, n2, n3] = nodes
    await n1.node.write('x', blind('x1'))
    await ship(n1, n2)
    // n2 took y after applying x1: y depends on it.
    await n2.node.write('y', blind('y after x1'))
    assert.deepEqual(await ship(n2, n3), {}, 'n3 holds y back')
    assert.deepEqual(await values(n3, 'y'), [], 'y is not shown without x1')
    assert.equal(n3.node.buffered, 1)
    const applied = await ship(n1, n3)
    assert.deepEqual(applied, { n1: 1, n2: 1 })
    assert.deepEqual(await values(n3, 'x'), ['x1'])
    assert.deepEqual(await values(n3, 'y'), ['y after x1'])
  })

  test('a request waits until the node has what its context covers', async ({ assert }) => {
    const [n1, n2] = nodes
    const written = await n1.node.write('x', blind('v'))
    const reading = n2.node.read('x', written.context)
    await ship(n1, n2)
    const read = await reading
    assert.deepEqual(
      liveSiblings(read.object).map((s) => s.value),
      ['v'],
    )
    assert.equal(n2.node.counts.dependencyWaits, 1)
  })

  test('past the deadline it is a 503 causal_dependencies_unmet naming the writes missing', async ({ assert }) => {
    const [n1, n2] = nodes
    const written = await n1.node.write('x', blind('v'))
    const refused = await n2.node.write('x', blind('w', written.context)).catch((error: unknown) => error)
    assert.instanceOf(refused, ApiError)
    assert.equal((refused as ApiError).status, 503)
    assert.equal((refused as ApiError).code, 'causal_dependencies_unmet')
    assert.include((refused as ApiError).message, 'n1:1 (applied up to 0)')
    assert.deepEqual(await values(n2, 'x'), [], 'nothing was stored')
    assert.deepEqual(logOf(n2), [])
  })

  test('concurrent writes converge as siblings on every node; a write with the read context replaces both', async ({ assert }) => {
    const [n1, n2, n3] = nodes
    await n1.node.write('k', blind('from-n1'))
    await n2.node.write('k', blind('from-n2'))
    for (const [from, to] of [
      [n1, n2],
      [n1, n3],
      [n2, n1],
      [n2, n3],
    ] as const)
      await ship(from, to)
    for (const n of nodes) assert.sameMembers(await values(n, 'k'), ['from-n1', 'from-n2'], n.id)
    const read = await n3.node.read('k', EMPTY)
    await n3.node.write('k', blind('merged', read.object.context))
    await ship(n3, n1)
    await ship(n3, n2)
    for (const n of nodes) assert.deepEqual(await values(n, 'k'), ['merged'], n.id)
    const states = await Promise.all(nodes.map(async (n) => (await n.node.read('k', EMPTY)).object))
    assert.isTrue(sameState(states[0], states[1]) && sameState(states[1], states[2]), 'the same state, so the same digest, everywhere')
  })

  test('what a node applied survives its restart; writes sent again are not applied twice', async ({ assert }) => {
    const [n1, n2] = nodes
    await n1.node.write('a', blind(1))
    await n1.node.write('b', blind(2))
    await ship(n1, n2)
    await n2.storage.close()
    const again = open('n2', n2.dir)
    nodes[1] = again
    assert.deepEqual(again.node.applied(), { n1: 2 })
    assert.deepEqual(await ship(n1, again), { n1: 2 })
    assert.equal(again.node.counts.peerWritesApplied, 0)
    assert.deepEqual(await values(again, 'b'), [2])
  })
})

test.group('causal: the shipper', () => {
  test('ships the log in order, picks up from what the peer applied, and retries after failures', async ({ assert, cleanup }) => {
    const root = mkdtempSync(join(tmpdir(), 'quorumlab-shipper-'))
    const n1 = open('n1', join(root, 'n1'))
    const n2 = open('n2', join(root, 'n2'))
    const sent: number[][] = []
    let failNext = 1
    const shipper = new Shipper({
      peer: 'n2',
      origin: 'n1',
      log: n1.storage.table<LogEntry>('causal-log'),
      retryMs: 5,
      ship: async (_peer, origin, entries) => {
        sent.push(entries.map((e) => e.counter))
        if (failNext-- > 0) throw new Error('link cut')
        return n2.node.receive(origin, entries)
      },
    })
    cleanup(async () => {
      await shipper.stop()
      await n1.storage.close()
      await n2.storage.close()
      rmSync(root, { recursive: true, force: true })
    })
    for (let i = 0; i < 3; i++) await n1.node.write(`k${i}`, blind(i))
    shipper.start()
    const deadline = Date.now() + 5000
    while (shipper.acked < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
    assert.equal(shipper.acked, 3)
    assert.equal(shipper.failures, 1)
    assert.deepEqual(sent.slice(0, 2), [
      [1, 2, 3],
      [1, 2, 3],
    ])
    await n1.node.write('k3', blind(3))
    shipper.wake()
    while (shipper.acked < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
    assert.deepEqual(sent.at(-1), [4], 'the next batch starts after what the peer applied')
    assert.deepEqual(await values(n2, 'k3'), [3])
  })
})
