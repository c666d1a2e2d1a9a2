/**
 * The sequential mode with real storage and a fake link: the sequencer numbers a key's
 * writes in order, goes on from where it was after a restart, replicas apply the order
 * whatever order pushes arrive in, and a write through another node is applied there
 * before it is answered.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { ApiError } from '../../errors.ts'
import { PeerError } from '../../peers.ts'
import { Replica } from '../../replica.ts'
import { Storage } from '../../storage.ts'
import { liveSiblings, type VersionedObject } from '../../versioning.ts'
import { mergeRegisters, tagOf } from '../register.ts'
import { Sequential, type SequencerLink } from './sequencer.ts'

const HOMES = ['n1', 'n2', 'n3']

type Node = { id: string; storage: Storage; replica: Replica; sequential: Sequential }

/** A three-node cluster in one process; pushes are kept until the test delivers them, in any order. */
class Cluster {
  readonly nodes = new Map<string, Node>()
  readonly pushes: { to: string; key: string; state: VersionedObject }[] = []
  readonly unreachable = new Set<string>()

  constructor(readonly root: string) {
    for (const id of HOMES) this.open(id)
  }

  open(id: string): Node {
    const storage = Storage.open({ dir: join(this.root, id) })
    const replica = new Replica({ node: id, mode: 'dvv', storage, merge: mergeRegisters })
    const link: SequencerLink = {
      order: async (sequencer, key, write) => {
        if (this.unreachable.has(sequencer)) throw new PeerError('unreachable', sequencer, 'ECONNREFUSED', false)
        return this.nodes.get(sequencer)!.sequential.order(key, write)
      },
      push: async (to, key, state) => {
        this.pushes.push({ to, key, state })
      },
    }
    const node = { id, storage, replica, sequential: new Sequential({ self: id, replica, homes: () => HOMES, link }) }
    this.nodes.set(id, node)
    return node
  }

  node(id: string): Node {
    return this.nodes.get(id)!
  }

  async close(): Promise<void> {
    for (const node of this.nodes.values()) await node.storage.close().catch(() => {})
  }
}

const put = (value: unknown) => ({ value, deleted: false, context: { clock: {}, dots: [] } })
const valueAt = (node: Node, key: string): unknown => liveSiblings(node.sequential.read(key).object)[0]?.value

test.group('sequential: the sequencer', (group) => {
  let cluster: Cluster
  let root = ''
  group.each.setup(() => {
    root = mkdtempSync(join(tmpdir(), 'quorumlab-sequencer-'))
    cluster = new Cluster(root)
  })
  group.each.teardown(async () => {
    await cluster.close()
    rmSync(root, { recursive: true, force: true })
  })

  test('writes through any node are numbered by the sequencer, and the writer applies its own before answering', async ({ assert }) => {
    assert.equal(cluster.node('n2').sequential.sequencerOf('k'), 'n1')
    await cluster.node('n1').sequential.write('k', put('a'))
    await cluster.node('n2').sequential.write('k', put('b'))
    await cluster.node('n3').sequential.write('k', put('c'))
    assert.deepEqual(
      HOMES.map((id) => tagOf(cluster.node(id).sequential.read('k').object)?.n),
      [3, 2, 3],
      'n2 wrote b (2) and has not yet been pushed c',
    )
    assert.equal(valueAt(cluster.node('n3'), 'k'), 'c')
    assert.equal(cluster.node('n1').sequential.counts.ordered, 3)
  })

  test('sequence numbers survive a restart of the sequencer, and replicas keep the order whatever order pushes arrive in', async ({
    assert,
  }) => {
    await cluster.node('n1').sequential.write('k', put('a'))
    await cluster.node('n1').sequential.write('k', put('b'))
    await cluster.node('n1').storage.close()
    cluster.open('n1')
    await cluster.node('n2').sequential.write('k', put('c'))
    assert.equal(tagOf(cluster.node('n1').sequential.read('k').object)?.n, 3, 'the restarted sequencer went on from 2')
    // n3 gets the pushes last first: c, then b, then a.
    const toN3 = cluster.pushes.filter((p) => p.to === 'n3').reverse()
    assert.lengthOf(toN3, 3)
    for (const push of toN3) await cluster.node('n3').replica.mergeIn(push.key, push.state)
    assert.equal(valueAt(cluster.node('n3'), 'k'), 'c')
    assert.equal(tagOf(cluster.node('n3').sequential.read('k').object)?.n, 3)
  })

  test("a node's write answers with a context covering every earlier write of the key", async ({ assert }) => {
    const first = await cluster.node('n2').sequential.write('k', put('a'))
    const second = await cluster.node('n3').sequential.write('k', put('b'))
    const covered = (dot: { node: string; counter: number }) => (second.context.clock[dot.node] ?? 0) >= dot.counter
    assert.isTrue(covered(first.sibling.dot))
    assert.isTrue(covered(second.sibling.dot))
  })

  test('without the sequencer a write is refused and reads go on locally', async ({ assert }) => {
    await cluster.node('n2').sequential.write('k', put('a'))
    cluster.unreachable.add('n1')
    const refused = await cluster
      .node('n2')
      .sequential.write('k', put('b'))
      .catch((error: unknown) => error)
    assert.instanceOf(refused, ApiError)
    assert.equal((refused as ApiError).code, 'sequencer_unavailable')
    assert.notMatch((refused as ApiError).message, /may have been ordered/, 'a refused connection certainly ordered nothing')
    assert.equal(valueAt(cluster.node('n2'), 'k'), 'a')
  })

  test('a node that is not the key sequencer refuses to order it', async ({ assert }) => {
    const refused = await cluster
      .node('n2')
      .sequential.order('k', { value: 'x', deleted: false })
      .catch((error: unknown) => error)
    assert.instanceOf(refused, ApiError)
    assert.equal((refused as ApiError).status, 409)
  })
})
