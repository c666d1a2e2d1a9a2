/**
 * ABD with fake replicas: tags above everything a majority holds, ties broken by the dot,
 * the read write-back (and when it is skipped), and refusals without a majority.
 */
import { test } from '@japa/runner'
import type { Dot } from '../../../common/contracts/causal.ts'
import { ApiError } from '../../errors.ts'
import { emptyObject, liveSiblings, type VersionedObject } from '../../versioning.ts'
import { mergeRegisters, registerAfter, tagOf, type Register } from '../register.ts'
import { Abd } from './abd.ts'

const HOMES = ['n1', 'n2', 'n3']

/** Three replicas in memory; any of them can be cut off, and every message is counted. */
class FakeReplicas {
  readonly states = new Map<string, VersionedObject>(HOMES.map((n) => [n, emptyObject()]))
  readonly cut = new Set<string>()
  /** Replicas whose reads answer late, after the others. */
  readonly slow = new Set<string>()
  readonly messages: { kind: 'read' | 'store'; from: string; to: string }[] = []
  #counters = new Map<string, number>()

  /** The replica set as node `self` sees it. */
  as(self: string) {
    const reach = (node: string): void => {
      if (node !== self && (this.cut.has(node) || this.cut.has(self))) throw new Error(`${node} is cut off from ${self}`)
    }
    return {
      self,
      homes: () => HOMES,
      read: async (node: string, _key: string): Promise<VersionedObject> => {
        reach(node)
        if (node !== self) this.messages.push({ kind: 'read', from: self, to: node })
        if (this.slow.has(node)) await new Promise((resolve) => setTimeout(resolve, 20))
        return this.states.get(node)!
      },
      store: async (node: string, _key: string, state: VersionedObject): Promise<void> => {
        reach(node)
        if (node !== self) this.messages.push({ kind: 'store', from: self, to: node })
        this.states.set(node, mergeRegisters(this.states.get(node)!, state))
      },
      issue: async (_key: string, build: (dot: Dot, ts: number, local: VersionedObject) => Register): Promise<Register> => {
        const counter = (this.#counters.get(self) ?? 0) + 1
        this.#counters.set(self, counter)
        const state = build({ node: self, counter }, 0, this.states.get(self)!)
        this.states.set(self, mergeRegisters(this.states.get(self)!, state))
        return state
      },
    }
  }

  /** Puts a state on one replica only, as a write whose second phase reached no one else would. */
  plant(node: string, state: VersionedObject): void {
    this.states.set(node, mergeRegisters(this.states.get(node)!, state))
  }
}

const value = (object: VersionedObject): unknown => liveSiblings(object)[0]?.value
const write = (v: unknown) => ({ value: v, deleted: false, context: { clock: {}, dots: [] } })

test.group('linearizable: ABD', () => {
  test('each write takes a tag above the highest a majority holds; a read returns the highest', async ({ assert }) => {
    const replicas = new FakeReplicas()
    const first = await new Abd(replicas.as('n1')).write('k', write('a'))
    assert.deepEqual(tagOf(replicas.states.get('n1')!), { n: 1, dot: { node: 'n1', counter: 1 } })
    assert.isAtLeast(first.acks, 2)
    const second = await new Abd(replicas.as('n2')).write('k', write('b'))
    assert.deepEqual(tagOf(replicas.states.get('n2')!), { n: 2, dot: { node: 'n2', counter: 1 } })
    assert.isAtLeast(second.acks, 2)
    const read = await new Abd(replicas.as('n3')).read('k')
    assert.equal(value(read.object), 'b')
    assert.deepEqual(tagOf(read.object), { n: 2, dot: { node: 'n2', counter: 1 } })
  })

  test('a coordinator that missed earlier writes still tags its write above what the majority holds', async ({ assert }) => {
    const replicas = new FakeReplicas()
    replicas.cut.add('n3')
    await new Abd(replicas.as('n1')).write('k', write('a'))
    await new Abd(replicas.as('n2')).write('k', write('b'))
    assert.isUndefined(tagOf(replicas.states.get('n3')!), 'n3 missed both writes')
    replicas.cut.clear()
    await new Abd(replicas.as('n3')).write('k', write('c'))
    assert.equal(tagOf(replicas.states.get('n3')!)?.n, 3, 'n3 took its tag from the majority it read, not from its own state')
    const read = await new Abd(replicas.as('n1')).read('k')
    assert.equal(value(read.object), 'c', 'the last write is read, not ordered below the ones n3 missed')
  })

  test('two writers that chose the same n are ordered by their dots, the same on every replica', async ({ assert }) => {
    const replicas = new FakeReplicas()
    // Both read an empty majority before either stores: both choose n = 1.
    await Promise.all([new Abd(replicas.as('n3')).write('k', write('from-n3')), new Abd(replicas.as('n1')).write('k', write('from-n1'))])
    for (const node of HOMES) {
      assert.equal(tagOf(replicas.states.get(node)!)?.n, 1, node)
      assert.equal(value(replicas.states.get(node)!), 'from-n3', `${node}: dot n3:1 is above n1:1`)
    }
  })

  test("a write goes above its coordinator's own state even when the majority it read is behind", async ({ assert }) => {
    const replicas = new FakeReplicas()
    replicas.plant(
      'n1',
      registerAfter({ value: 'old', deleted: false, dot: { node: 'n1', counter: 5 }, n: 7, after: { clock: {}, dots: [] }, ts: 0 }),
    )
    // n1's own read answers last: the majority is n2 and n3, which hold nothing.
    replicas.slow.add('n1')
    const outcome = await new Abd(replicas.as('n1')).write('k', write('new'))
    assert.equal(tagOf(replicas.states.get('n1')!)!.n, 8)
    assert.equal(value(replicas.states.get('n1')!), 'new', 'the new write is not ordered below what its coordinator held')
    assert.deepEqual(outcome.sibling.value, 'new')
  })

  test('a read that finds the majority disagreeing writes the highest back to a majority before answering', async ({ assert }) => {
    const replicas = new FakeReplicas()
    await new Abd(replicas.as('n1')).write('k', write('old'))
    // A write whose second phase reached only n3, then stopped.
    replicas.plant(
      'n3',
      registerAfter({ value: 'new', deleted: false, dot: { node: 'n2', counter: 9 }, n: 2, after: { clock: {}, dots: [] }, ts: 0 }),
    )
    replicas.messages.length = 0
    // n1 answers last: the majority is n2 (old) and n3 (new).
    replicas.slow.add('n1')
    const read = await new Abd(replicas.as('n3')).read('k')
    assert.equal(value(read.object), 'new')
    assert.equal(read.replies, 2)
    const stores = replicas.messages.filter((m) => m.kind === 'store')
    assert.isAtLeast(stores.length, 1, 'the write-back was sent')
    const holding = HOMES.filter((n) => value(replicas.states.get(n)!) === 'new')
    assert.isAtLeast(holding.length, 2, 'a majority holds it once the read answered')
    // No later read can go back: even one that misses n3 finds it.
    replicas.slow.clear()
    replicas.cut.add('n3')
    assert.equal(value((await new Abd(replicas.as('n1')).read('k')).object), 'new')
  })

  test('a read whose majority already agrees sends no write-back', async ({ assert }) => {
    const replicas = new FakeReplicas()
    const abd = new Abd(replicas.as('n2'))
    await abd.write('k', write('v'))
    replicas.messages.length = 0
    await abd.read('k')
    assert.deepEqual(
      replicas.messages.filter((m) => m.kind === 'store'),
      [],
    )
    assert.equal(abd.counts.writeBacksSkipped, 1)
    assert.equal(abd.counts.writeBacks, 0)
  })

  test('without a majority a read and a write are 503s, and the write stores nothing', async ({ assert }) => {
    const replicas = new FakeReplicas()
    replicas.cut.add('n2')
    replicas.cut.add('n3')
    const abd = new Abd(replicas.as('n1'))
    const refused = await abd.read('k').catch((error: unknown) => error)
    assert.instanceOf(refused, ApiError)
    assert.equal((refused as ApiError).status, 503)
    assert.match((refused as ApiError).message, /majority \(2 of 3\)/)
    await assert.rejects(() => abd.write('k', write('x')))
    for (const node of HOMES) assert.isUndefined(tagOf(replicas.states.get(node)!), `${node} stored nothing`)
  })

  test('a delete is a tombstone with a tag: reads find nothing, and an older write cannot come back', async ({ assert }) => {
    const replicas = new FakeReplicas()
    const abd = new Abd(replicas.as('n1'))
    await abd.write('k', write('v'))
    await abd.write('k', { value: null, deleted: true, context: { clock: {}, dots: [] } })
    const read = await abd.read('k')
    assert.deepEqual(liveSiblings(read.object), [])
    assert.equal(tagOf(read.object)?.n, 2)
    replicas.plant(
      'n2',
      registerAfter({ value: 'stale', deleted: false, dot: { node: 'n1', counter: 1 }, n: 1, after: { clock: {}, dots: [] }, ts: 0 }),
    )
    assert.deepEqual(liveSiblings((await abd.read('k')).object), [])
  })
})
