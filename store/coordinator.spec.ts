import { test } from '@japa/runner'
import { FORWARDED_HEADER } from './api.ts'
import { NODE_DEFAULTS, type NodeConfig } from './config.ts'
import { Coordinator } from './coordinator.ts'
import { ApiError, HomesUnreachable } from './errors.ts'
import { PeerError, type PeerRequest, type PeerResponse } from './peers.ts'
import type { PeerBatcher } from './peer-batcher.ts'
import { Replica, type WriteLimits } from './replica.ts'
import { Ring } from './ring.ts'
import { Stats } from './stats.ts'
import type { Storage } from './storage.ts'
import type { VersionedObject } from './versioning.ts'
import { emptyContext } from '../common/contracts/causal.ts'

const NODES = ['n1', 'n2', 'n3', 'n4']
const config: NodeConfig = {
  ...NODE_DEFAULTS,
  id: 'n1',
  host: '127.0.0.1',
  port: 0,
  dataDir: 'unused',
  peers: NODES.slice(1).map((id) => ({ id, host: '127.0.0.1', port: 1 })),
}
const ring = new Ring({ nodes: NODES, vnodes: config.vnodes })
/** A key n1 does not hold, so its requests are forwarded to the other three. */
const KEY = Array.from({ length: 100 }, (_, i) => `k${i}`).find((key) => !ring.homeReplicas(key, config.n).includes('n1'))!
const HOME = ring.homeReplicas(KEY, config.n)

/** What one home replica does with a forwarded request. */
type Reply = PeerResponse<unknown> | 'refused' | 'dropped' | 'timeout' | 'garbled' | 'silent'

const failure = (reply: Exclude<Reply, PeerResponse<unknown> | 'silent'>, peer: string): PeerError =>
  ({
    refused: new PeerError('unreachable', peer, 'ECONNREFUSED', false),
    dropped: new PeerError('unreachable', peer, 'connection closed before the response', true),
    timeout: new PeerError('timeout', peer, 'no answer in time', true),
    garbled: new PeerError('protocol', peer, 'malformed HTTP response', true),
  })[reply]

/** The transport forward() sends through: answers from a script, and remembers every call. */
class FakePeers {
  readonly calls: { node: string; call: PeerRequest }[] = []
  constructor(readonly replies: Map<string, Reply>) {}

  async request<T>(node: string, call: PeerRequest): Promise<PeerResponse<T>> {
    this.calls.push({ node, call })
    const reply = this.replies.get(node) ?? 'refused'
    // A paused node: the call neither answers nor fails while the test looks.
    if (reply === 'silent') return new Promise(() => {})
    if (typeof reply === 'string') throw failure(reply, node)
    return reply as PeerResponse<T>
  }
}

/** A part forward() must never use: any use fails the test. */
const untouched = <T>(name: string): T =>
  new Proxy(
    {},
    {
      get: (_, property) => {
        throw new Error(`forward used the ${name} (${String(property)})`)
      },
    },
  ) as T

function coordinator(peers: FakePeers, down: string[] = []): Coordinator {
  return new Coordinator({
    config,
    ring,
    peers,
    membership: { isUp: (node) => !down.includes(node) },
    stats: new Stats(config.id),
    replica: untouched('replica'),
    batcher: untouched('batcher'),
    handoff: untouched('hinted handoff'),
  })
}

const OK = { status: 200, body: { key: KEY, acks: 2 } }

type Case = {
  name: string
  method: 'GET' | 'PUT' | 'DELETE'
  /** What each home replica does, in preference order; a home left out refuses. */
  replies: Reply[]
  /** Home replicas (by position) the failure detector believes down. */
  down?: number[]
  /** The answer passed on, or the error thrown. */
  outcome: { answer: PeerResponse<unknown> } | { status: number; code: string; homesUnreachable?: boolean } | { rethrown: 'protocol' }
  /** Home replicas (by position) the request was sent to, in order. */
  sentTo: number[]
}

const cases: Case[] = [
  { name: 'a PUT the first home replica answers', method: 'PUT', replies: [OK], outcome: { answer: OK }, sentTo: [0] },
  {
    name: 'a PUT that times out is not resent',
    method: 'PUT',
    replies: ['timeout', OK, OK],
    outcome: { status: 504, code: 'timeout' },
    sentTo: [0],
  },
  {
    name: 'a PUT dropped after sending is not resent',
    method: 'PUT',
    replies: ['dropped', OK, OK],
    outcome: { status: 503, code: 'quorum_unavailable' },
    sentTo: [0],
  },
  {
    name: 'a DELETE dropped after sending is not resent',
    method: 'DELETE',
    replies: ['dropped', OK, OK],
    outcome: { status: 503, code: 'quorum_unavailable' },
    sentTo: [0],
  },
  {
    name: 'a DELETE that times out is not resent',
    method: 'DELETE',
    replies: ['timeout', OK, OK],
    outcome: { status: 504, code: 'timeout' },
    sentTo: [0],
  },
  {
    name: 'a PUT refused (never sent) goes to the next home replica',
    method: 'PUT',
    replies: ['refused', 'refused', OK],
    outcome: { answer: OK },
    sentTo: [0, 1, 2],
  },
  {
    name: 'a PUT refused, then dropped, stops there',
    method: 'PUT',
    replies: ['refused', 'dropped', OK],
    outcome: { status: 503, code: 'quorum_unavailable' },
    sentTo: [0, 1],
  },
  {
    name: 'a GET dropped after sending goes to the next home replica',
    method: 'GET',
    replies: ['dropped', OK],
    outcome: { answer: OK },
    sentTo: [0, 1],
  },
  {
    name: 'a GET that times out goes on to the next home replica (reads change nothing)',
    method: 'GET',
    replies: ['timeout', OK],
    outcome: { answer: OK },
    sentTo: [0, 1],
  },
  {
    name: 'a GET the first home replica does not answer goes to the next after readHedgeMs; the first answer wins',
    method: 'GET',
    replies: ['silent', OK],
    outcome: { answer: OK },
    sentTo: [0, 1],
  },
  {
    name: 'a GET no home replica answers in time is a 504',
    method: 'GET',
    replies: ['timeout', 'refused', 'timeout'],
    outcome: { status: 504, code: 'timeout' },
    sentTo: [0, 1, 2],
  },
  {
    name: 'a GET every home replica refuses is a 503',
    method: 'GET',
    replies: ['refused', 'refused', 'refused'],
    outcome: { status: 503, code: 'quorum_unavailable' },
    sentTo: [0, 1, 2],
  },
  {
    name: 'every home replica refuses: no home could take the write (the node may take it, sloppily)',
    method: 'PUT',
    replies: ['refused', 'refused', 'refused'],
    outcome: { status: 503, code: 'quorum_unavailable', homesUnreachable: true },
    sentTo: [0, 1, 2],
  },
  {
    name: "a home replica's own error answer is passed on, not retried",
    method: 'PUT',
    replies: [{ status: 503, body: { error: { code: 'quorum_unavailable' } } }, OK],
    outcome: { answer: { status: 503, body: { error: { code: 'quorum_unavailable' } } } },
    sentTo: [0],
  },
  { name: 'a garbled answer is thrown as is', method: 'PUT', replies: ['garbled', OK], outcome: { rethrown: 'protocol' }, sentTo: [0] },
  {
    name: 'a PUT skips the home replicas believed down',
    method: 'PUT',
    replies: ['refused', 'refused', OK],
    down: [0, 1],
    outcome: { answer: OK },
    sentTo: [2],
  },
  {
    name: 'a write is not sent to a home replica believed down: with the others refusing, no home could take it',
    method: 'PUT',
    replies: [OK, 'refused', 'refused'],
    down: [0],
    outcome: { status: 503, code: 'quorum_unavailable', homesUnreachable: true },
    sentTo: [1, 2],
  },
  {
    name: 'a GET goes to a home replica believed down last',
    method: 'GET',
    replies: [OK, 'refused', 'refused'],
    down: [0],
    outcome: { answer: OK },
    sentTo: [1, 2, 0],
  },
]

test.group('coordinator: forwarding', () => {
  test('{name}')
    .with(cases)
    .run(async ({ assert }, { method, replies, down = [], outcome, sentTo }) => {
      const peers = new FakePeers(new Map(replies.map((reply, i) => [HOME[i], reply])))
      const forwarding = coordinator(
        peers,
        down.map((i) => HOME[i]),
      ).forward(KEY, { method, path: `/kv/${KEY}`, body: method === 'GET' ? undefined : { value: 1 } })
      if ('answer' in outcome) {
        assert.deepEqual(await forwarding, outcome.answer)
      } else {
        const error = await forwarding.then(
          () => assert.fail('forward answered, expected it to throw'),
          (e: unknown) => e,
        )
        if ('rethrown' in outcome) {
          assert.instanceOf(error, PeerError)
          assert.equal((error as PeerError).kind, outcome.rethrown)
        } else {
          assert.instanceOf(error, ApiError)
          const { homesUnreachable = false, ...expected } = outcome
          assert.include({ status: (error as ApiError).status, code: (error as ApiError).code }, expected)
          assert.equal(error instanceof HomesUnreachable, homesUnreachable)
        }
      }
      assert.deepEqual(
        peers.calls.map((c) => c.node),
        sentTo.map((i) => HOME[i]),
      )
    })

  test('the request carries the forwarded mark and a deadline of three replica timeouts and a second', async ({ assert }) => {
    const peers = new FakePeers(new Map([[HOME[0], OK]]))
    await coordinator(peers).forward(KEY, { method: 'PUT', path: `/kv/${KEY}?w=3`, body: { value: 'v' } })
    assert.deepEqual(peers.calls[0].call, {
      method: 'PUT',
      path: `/kv/${KEY}?w=3`,
      body: { value: 'v' },
      timeoutMs: 3 * config.replicaTimeoutMs + 1000,
      headers: { [FORWARDED_HEADER]: 'n1' },
    })
  })
})

/** One storage transaction held open: its change has run; the test decides when (and whether) it commits. */
type HeldCommit = { commit(): void; fail(error: Error): void }

/**
 * The storage a replica writes through, with commits the test releases: each update runs its
 * change at once (as a transaction applies it) and settles only on `commit()` or `fail()`.
 * Counters up to `reserved` lie in a reservation already on disk.
 */
class HeldStorage {
  issued = 0
  readonly commits: HeldCommit[] = []
  #objects = new Map<string, VersionedObject>()
  #applied = signal()
  constructor(readonly reserved: number) {}

  get(key: string): VersionedObject | undefined {
    return this.#objects.get(key)
  }

  /** Resolves once `count` transactions have applied their change. */
  applied(count: number): Promise<void> {
    return this.#applied.until(() => this.commits.length >= count)
  }

  update<T>(key: string, change: (current: VersionedObject | undefined, next: () => number) => { store?: VersionedObject; result: T }) {
    return new Promise<T>((resolve, reject) => {
      const { store, result } = change(this.#objects.get(key), () => ++this.issued)
      this.commits.push({
        commit: () => {
          if (store) this.#objects.set(key, store)
          resolve(result)
        },
        fail: reject,
      })
      this.#applied.notify()
    })
  }
}

/** The peer batcher's merges, each answered when the test says. */
class HeldBatcher {
  readonly merges: { peer: string; ack(): void }[] = []
  #sent = signal()

  /** Resolves once `count` merges were sent. */
  sent(count: number): Promise<void> {
    return this.#sent.until(() => this.merges.length >= count)
  }

  merge(peer: string): Promise<void> {
    return new Promise((resolve) => {
      this.merges.push({ peer, ack: resolve })
      this.#sent.notify()
    })
  }
}

/** Wakes whoever waits for a condition each time it may have become true. */
function signal(): { notify(): void; until(done: () => boolean): Promise<void> } {
  const waiting = new Set<() => void>()
  return {
    notify: () => {
      for (const wake of waiting) wake()
    },
    until: (done) =>
      new Promise<void>((resolve) => {
        const wake = (): void => {
          if (!done()) return
          waiting.delete(wake)
          resolve()
        }
        waiting.add(wake)
        wake()
      }),
  }
}

/** Lets every callback already queued run (promise reactions and I/O turns). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise(setImmediate)
}

/** A key n1 is a home replica of, so n1 coordinates its writes. */
const HOME_KEY = Array.from({ length: 100 }, (_, i) => `h${i}`).find((key) => ring.homeReplicas(key, config.n).includes('n1'))!

function writer(reserved: number, limits?: WriteLimits) {
  const storage = new HeldStorage(reserved)
  const batcher = new HeldBatcher()
  const stats = new Stats(config.id)
  const replica = new Replica({ node: 'n1.00000001', mode: 'dvv', storage: storage as unknown as Storage, limits })
  const coordinator = new Coordinator({
    config,
    ring,
    replica,
    peers: untouched('peer client'),
    batcher: batcher as unknown as PeerBatcher,
    membership: { isUp: () => true },
    handoff: untouched('hinted handoff'),
    stats,
  })
  let answered = false
  const write = (value: unknown, context = emptyContext(), w = 2) => {
    const outcome = coordinator.write(HOME_KEY, { context, value, deleted: false }, w)
    void outcome.then(
      () => (answered = true),
      () => (answered = true),
    )
    return outcome
  }
  return { storage, batcher, stats, write, answered: () => answered }
}

test.group('coordinator: writes', () => {
  test('a write is replicated while its local commit is flushed, and answered after both', async ({ assert }) => {
    const { storage, batcher, write, answered } = writer(1000)
    const outcome = write('v')
    await storage.applied(1)
    await settle()
    assert.lengthOf(batcher.merges, 2, 'replicated before the local commit is on disk')
    for (const merge of batcher.merges) merge.ack()
    await settle()
    assert.isFalse(answered(), 'two peer acks are W=2, but this node has not committed')
    storage.commits[0].commit()
    const { acks, sibling } = await outcome
    assert.equal(acks, 3)
    assert.deepEqual(sibling.dot, { node: 'n1.00000001', counter: 1 })
  })

  test('the answer waits for W acks, not only for the local commit', async ({ assert }) => {
    const { storage, batcher, write, answered } = writer(1000)
    const outcome = write('v', emptyContext(), 3)
    await batcher.sent(2)
    storage.commits[0].commit()
    batcher.merges[0].ack()
    await settle()
    assert.isFalse(answered(), 'W=3 needs the second peer')
    batcher.merges[1].ack()
    assert.equal((await outcome).acks, 3)
  })

  test('a write whose dot needs a new counter reservation is sent only once its commit is on disk', async ({ assert }) => {
    const { storage, batcher, write } = writer(0)
    const outcome = write('v')
    await storage.applied(1)
    await settle()
    assert.lengthOf(batcher.merges, 0, 'not sent while the reservation of its dot is not on disk')
    storage.commits[0].commit()
    await batcher.sent(2)
    for (const merge of batcher.merges) merge.ack()
    assert.equal((await outcome).acks, 2, 'this node and the first peer: W=2')
  })

  test('a local commit that fails after the write was sent is a 500 saying it may have happened', async ({ assert }) => {
    const { storage, batcher, write } = writer(1000)
    const outcome = write('v')
    await batcher.sent(2)
    for (const merge of batcher.merges) merge.ack()
    storage.commits[0].fail(new Error('MDB_MAP_FULL'))
    const error = await outcome.then(
      () => assert.fail('a write not durable here was acknowledged'),
      (e: unknown) => e,
    )
    assert.instanceOf(error, ApiError)
    assert.equal((error as ApiError).status, 500)
    assert.match((error as ApiError).message, /MDB_MAP_FULL.*may have happened/)
  })

  test('a commit that fails before the write could leave is thrown as is, and nothing was sent', async ({ assert }) => {
    const { storage, batcher, write } = writer(0)
    const outcome = write('v')
    await storage.applied(1)
    storage.commits[0].fail(new Error('MDB_MAP_FULL'))
    const error = await outcome.then(
      () => assert.fail('answered'),
      (e: unknown) => e,
    )
    assert.notInstanceOf(error, ApiError)
    assert.lengthOf(batcher.merges, 0)
  })

  test('a write refused ({name}) is sent nowhere')
    .with([
      {
        name: 'too large',
        limits: { maxSiblings: 10, maxObjectBytes: 10 },
        context: emptyContext(),
        code: 'too_large',
        refusals: { objectSizeRefusals: 1 },
      },
      {
        name: 'too many siblings',
        limits: { maxSiblings: 0, maxObjectBytes: Number.POSITIVE_INFINITY },
        context: emptyContext(),
        code: 'too_many_siblings',
        refusals: { siblingLimitRefusals: 1 },
      },
      {
        name: 'a context claiming a dot never issued',
        limits: undefined,
        context: { clock: { 'n1.00000001': 5 }, dots: [] },
        code: 'bad_context',
        refusals: { writes: 1 },
      },
    ])
    .run(async ({ assert }, { limits, context, code, refusals }) => {
      const { storage, batcher, stats, write } = writer(1000, limits)
      const outcome = write('a value', context)
      if (storage.commits.length > 0) storage.commits[0].commit()
      const error = await outcome.then(
        () => assert.fail('answered'),
        (e: unknown) => e,
      )
      assert.equal((error as ApiError).code, code)
      await settle()
      assert.lengthOf(batcher.merges, 0)
      assert.deepInclude(stats.snapshot(), refusals)
    })
})
