/**
 * Partitions: which directed node-to-node links each kind cuts, on 3 and 5 nodes, and the
 * property that defines each kind, on every order of the nodes the nemesis may shuffle
 * them into. `random` is the partition nemesis's choice, checked through the nemesis with
 * links that only record what they are told.
 */
import { test } from '@japa/runner'
import type { Proxy as ClientProxy } from 'toxiproxy-node-client'
import { Random } from '../../common/helpers/random.ts'
import type { Cluster } from '../adapter/index.ts'
import { clientLinkName, peerLinkName, proxyNetwork } from '../network/index.ts'
import { partitionCuts, partitionNemesis } from './link-faults.ts'
import { PARTITION_KINDS, type NemesisContext, type NemesisOptions, type PartitionKind } from './nemesis.ts'

const nodesOf = (count: number): string[] => Array.from({ length: count }, (_, i) => `n${i + 1}`)

/** Cuts as sorted `from>to` strings, so a table can list them. */
const cutsOf = (kind: PartitionKind, nodes: string[]): string[] =>
  partitionCuts(kind, nodes)
    .cuts.map(([from, to]) => `${from}>${to}`)
    .sort()

/** Who `node` can still send to, itself included. */
function reach(node: string, nodes: string[], cuts: [string, string][]): Set<string> {
  const cut = new Set(cuts.map(([from, to]) => `${from}>${to}`))
  return new Set(nodes.filter((other) => other === node || !cut.has(`${node}>${other}`)))
}

/** Both directions between every node of `a` and every node of `b`. */
const between = (a: string[], b: string[]): string[] => a.flatMap((x) => b.flatMap((y) => [`${x}>${y}`, `${y}>${x}`])).sort()

/** Every order of `items` (the nemesis shuffles the nodes before cutting). */
function permutations(items: string[]): string[][] {
  if (items.length <= 1) return [items]
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]))
}

const majority = (count: number): number => Math.floor(count / 2) + 1

test.group('partitionCuts: the links each kind cuts', () => {
  test('{kind} on {count} nodes')
    .with([
      { kind: 'isolate', count: 3, expected: between(['n1'], ['n2', 'n3']) },
      { kind: 'isolate', count: 5, expected: between(['n1'], ['n2', 'n3', 'n4', 'n5']) },
      { kind: 'halves', count: 3, expected: between(['n1'], ['n2', 'n3']) },
      { kind: 'halves', count: 5, expected: between(['n1', 'n2'], ['n3', 'n4', 'n5']) },
      { kind: 'bridge', count: 3, expected: between(['n1'], ['n3']) },
      { kind: 'bridge', count: 5, expected: between(['n1', 'n2'], ['n4', 'n5']) },
      // Node i sends to itself and the next ones around the ring, a majority.
      { kind: 'majority-ring', count: 3, expected: ['n1>n3', 'n2>n1', 'n3>n2'] },
      {
        kind: 'majority-ring',
        count: 5,
        expected: ['n1>n4', 'n1>n5', 'n2>n1', 'n2>n5', 'n3>n1', 'n3>n2', 'n4>n2', 'n4>n3', 'n5>n3', 'n5>n4'],
      },
      { kind: 'one-way', count: 3, expected: ['n1>n2', 'n1>n3'] },
      { kind: 'one-way', count: 5, expected: ['n1>n2', 'n1>n3', 'n1>n4', 'n1>n5'] },
    ] satisfies { kind: PartitionKind; count: number; expected: string[] }[])
    .run(({ assert }, { kind, count, expected }) => {
      assert.deepEqual(cutsOf(kind, nodesOf(count)), expected)
    })

  test('{kind}: every cut joins two different given nodes, once, on every node order of 3 and 5')
    .with(PARTITION_KINDS.map((kind) => ({ kind })))
    .run(({ assert }, { kind }) => {
      for (const count of [3, 5]) {
        for (const order of permutations(nodesOf(count))) {
          const { cuts } = partitionCuts(kind, order)
          const names = cuts.map(([from, to]) => `${from}>${to}`)
          assert.equal(new Set(names).size, names.length, `no cut twice: ${names}`)
          for (const [from, to] of cuts) {
            assert.notEqual(from, to)
            assert.includeMembers(order, [from, to])
          }
          assert.isAbove(cuts.length, 0, 'a partition cuts something')
        }
      }
    })
})

test.group('partitionCuts: what defines each kind, on every node order', () => {
  const orders = [3, 5].flatMap((count) => permutations(nodesOf(count)))

  test('isolate: one node can reach no one and no one can reach it; the rest are whole', ({ assert }) => {
    for (const order of orders) {
      const { cuts, description } = partitionCuts('isolate', order)
      const [alone, ...rest] = order
      assert.deepEqual(description.groups, [[alone], rest])
      assert.deepEqual([...reach(alone, order, cuts)], [alone])
      for (const node of rest) assert.sameMembers([...reach(node, order, cuts)], rest)
    }
  })

  test('halves: two groups, a minority and a majority, each whole, with nothing between them', ({ assert }) => {
    for (const order of orders) {
      const { cuts, description } = partitionCuts('halves', order)
      const [a, b] = description.groups as string[][]
      assert.sameMembers([...a, ...b], order)
      assert.isBelow(a.length, majority(order.length))
      assert.equal(b.length, order.length - a.length)
      assert.isAtLeast(b.length, majority(order.length))
      for (const node of a) assert.sameMembers([...reach(node, order, cuts)], a)
      for (const node of b) assert.sameMembers([...reach(node, order, cuts)], b)
    }
  })

  test('majority-ring: every node reaches a majority, and no two reach the same one', ({ assert }) => {
    for (const order of orders) {
      const { cuts, description } = partitionCuts('majority-ring', order)
      const seen = order.map((node) => [...reach(node, order, cuts)].sort().join(','))
      for (const view of seen) assert.lengthOf(view.split(','), majority(order.length))
      assert.equal(new Set(seen).size, order.length, `views: ${seen.join(' | ')}`)
      const sees = description.sees as Record<string, string[]>
      for (const node of order) assert.sameMembers(sees[node], [...reach(node, order, cuts)], 'the record says what was cut')
    }
  })

  test('bridge: the bridge reaches and is reached by both halves, which cannot reach each other', ({ assert }) => {
    for (const order of orders) {
      const { cuts, description } = partitionCuts('bridge', order)
      const bridge = description.bridge as string
      const [a, b] = description.groups as string[][]
      assert.sameMembers([bridge, ...a, ...b], order)
      assert.isAbove(a.length, 0)
      assert.isAbove(b.length, 0)
      assert.sameMembers([...reach(bridge, order, cuts)], order, 'the bridge reaches everyone')
      for (const node of a) assert.sameMembers([...reach(node, order, cuts)], [...a, bridge])
      for (const node of b) assert.sameMembers([...reach(node, order, cuts)], [...b, bridge])
    }
  })

  test('one-way: one node is heard by no one but still hears everyone', ({ assert }) => {
    for (const order of orders) {
      const { cuts, description } = partitionCuts('one-way', order)
      const mute = description.mute as string
      assert.deepEqual([...reach(mute, order, cuts)], [mute], 'nothing it sends gets through')
      for (const node of order.filter((n) => n !== mute))
        assert.sameMembers([...reach(node, order, cuts)], order, `${node} still reaches everyone`)
    }
  })
})

/** A link that only records what the nemesis tells it; while `healFailures` > 0 a re-enable fails. */
function fakeLink(name: string) {
  const link = {
    name,
    listen: `127.0.0.1:${10_000 + name.length}`,
    upstream: '127.0.0.1:1',
    enabled: true,
    healFailures: 0,
    async update({ enabled }: { enabled: boolean }) {
      if (enabled && link.healFailures > 0) {
        link.healFailures -= 1
        throw new Error('proxy API unreachable')
      }
      link.enabled = enabled
      return link
    },
  }
  return link
}

function fakeCluster(count: number) {
  const nodes = nodesOf(count)
  const links = new Map<string, ReturnType<typeof fakeLink>>()
  for (const from of nodes) for (const to of nodes) if (from !== to) links.set(peerLinkName(from, to), fakeLink(peerLinkName(from, to)))
  const proxies = new Map([...links].map(([name, link]) => [name, link as unknown as ClientProxy]))
  for (const id of nodes) proxies.set(clientLinkName(id), fakeLink(clientLinkName(id)) as unknown as ClientProxy)
  const cluster = {
    nodes: nodes.map((id, i) => ({ id, host: '127.0.0.1', port: 20_000 + i })),
    network: proxyNetwork({ kind: 'embedded', url: 'http://127.0.0.1:1' }, nodes, proxies),
  } as unknown as Cluster
  return { cluster, links, nodes }
}

const OPTIONS: NemesisOptions = {
  latencyMs: 0,
  jitterMs: 0,
  latencyClients: false,
  dropProbability: 0,
  partition: 'random',
  clockSkewMs: 0,
  targets: 1,
}

const contextFor = (cluster: Cluster, seed: number, partition: NemesisOptions['partition']): NemesisContext => ({
  cluster,
  rng: new Random(seed, 'nemesis'),
  options: { ...OPTIONS, partition },
})

test.group('partition nemesis: random, and healing', () => {
  test("random picks a kind per start from the seed, and cuts exactly that kind's links", async ({ assert }) => {
    const picked = new Set<string>()
    for (let seed = 1; seed <= 40; seed++) {
      const { cluster, links } = fakeCluster(5)
      const start = await partitionNemesis().start(contextFor(cluster, seed, 'random'))
      const kind = start.kind as PartitionKind
      assert.include(PARTITION_KINDS, kind)
      picked.add(kind)
      const disabled = [...links.values()].filter((l) => !l.enabled).map((l) => l.name)
      assert.sameMembers(start.cut as string[], disabled, 'the record names exactly the links cut')
      // Replaying the same seed's shuffle gives the same cuts: the record can be trusted.
      const replay = new Random(seed, 'nemesis')
      replay.pick(PARTITION_KINDS)
      const order = replay.shuffle(nodesOf(5))
      assert.sameMembers(
        disabled,
        partitionCuts(kind, order).cuts.map(([from, to]) => peerLinkName(from, to)),
      )
      const again = fakeCluster(5)
      assert.deepEqual(await partitionNemesis().start(contextFor(again.cluster, seed, 'random')), start, 'same seed, same partition')
    }
    assert.sameMembers([...picked], [...PARTITION_KINDS], 'every kind comes up')
  })

  test('stop re-enables every cut link; one whose heal failed is tried again by the next stop', async ({ assert }) => {
    const { cluster, links } = fakeCluster(3)
    const nemesis = partitionNemesis()
    const context = contextFor(cluster, 7, 'isolate')
    const cut = (await nemesis.start(context)).cut as string[]
    assert.lengthOf(cut, 4, 'isolating one of 3 nodes cuts 4 links')
    const [stuck, ...rest] = cut
    links.get(stuck)!.healFailures = 1

    const first = await nemesis.stop(context)
    assert.sameMembers(first.healed as string[], cut)
    assert.equal(first.error, `${stuck}: proxy API unreachable`)
    assert.isFalse(links.get(stuck)!.enabled, 'still cut')
    for (const name of rest) assert.isTrue(links.get(name)!.enabled, `${name} healed`)

    const second = await nemesis.stop(context)
    assert.deepEqual(second.healed, [stuck], 'only the link left over is tried again')
    assert.notProperty(second, 'error')
    assert.isTrue([...links.values()].every((l) => l.enabled))

    assert.deepEqual((await nemesis.stop(context)).healed, [], 'nothing left to heal')
  })
})
