/**
 * Anti-entropy on real node processes: after a long outage, a replica that missed 20,000
 * keys is brought back in rounds that page the exchange and keep their deadline, each
 * answered without an error, until every range agrees; and a round asked for with
 * `POST /admin/anti-entropy` whose peer fails answers 504 (a paused peer) or 502 (a dead
 * one) with the store's JSON error, not 500.
 */
import { test } from '@japa/runner'
import { call, digestsAgree, eventually, startTestCluster, type TestCluster } from '../../harness/cluster/testing.ts'

const TOKEN = { 'x-quorumlab-token': 'test-token' }
const KEYS = 20_000
const BATCH = 64

/** Stores `KEYS` keys on n1 and n2 only (as if n3 had been away for all of them), through batched merges. */
async function missedByN3(cluster: TestCluster): Promise<void> {
  const object = (i: number) => ({
    context: { clock: { 'writer.00000000': i + 1 }, dots: [] },
    siblings: [{ dot: { node: 'writer.00000000', counter: i + 1 }, clock: {}, value: `value-${i}`, deleted: false, ts: i }],
  })
  const batches = Array.from({ length: Math.ceil(KEYS / BATCH) }, (_, b) =>
    Array.from({ length: Math.min(BATCH, KEYS - b * BATCH) }, (_, j) => ({
      op: 'merge',
      key: `outage-${b * BATCH + j}`,
      object: object(b * BATCH + j),
    })),
  )
  for (const id of ['n1', 'n2']) {
    for (let b = 0; b < batches.length; b += 8) {
      await Promise.all(
        batches.slice(b, b + 8).map(async (ops) => {
          const { status, body } = await call(`${cluster.url(id)}/internal/batch`, 'POST', { ops }, TOKEN)
          if (status !== 200 || !body.results.every((r: { ok: boolean }) => r.ok)) throw new Error(`merge batch on ${id}: ${status}`)
        }),
      )
    }
  }
}

test.group('store: anti-entropy', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('20,000 keys missed in an outage converge in paged rounds that keep their deadline', async ({ assert, cleanup }) => {
    const replicaTimeoutMs = 500
    const cluster = await startTestCluster(cleanup, { settings: { replicaTimeoutMs, antiEntropyIntervalMs: 0 } })
    await missedByN3(cluster)
    const rounds: { status: number; body: Record<string, unknown> }[] = []
    await eventually(
      'every range agrees',
      async () => {
        rounds.push(await call(`${cluster.url('n3')}/admin/anti-entropy`, 'POST', {}, TOKEN))
        return digestsAgree(cluster)
      },
      { timeoutMs: 120_000, intervalMs: 0 },
    )
    for (const round of rounds) {
      assert.equal(round.status, 200, JSON.stringify(round.body))
      assert.isAtMost(round.body.chunkKeys as number, round.body.chunkLimit as number)
      // A round starts no exchange after its deadline; the one under way may take its call's time.
      assert.isAtMost(round.body.durationMs as number, (round.body.deadlineMs as number) + 5 * replicaTimeoutMs)
    }
    // Paged: 20,000 keys cannot go in one chunk (how many rounds that takes depends on the machine's speed).
    const chunks = rounds.reduce((sum, round) => sum + (round.body.chunks as number), 0)
    assert.isAtLeast(chunks, Math.ceil(KEYS / (rounds[0].body.chunkLimit as number)), 'the exchange went in chunks of at most the limit')
    const { body } = await call(`${cluster.url('n3')}/internal/objects/outage-19999`, 'GET', undefined, TOKEN)
    assert.equal(body.object.siblings[0].value, 'value-19999')
  }).timeout(180_000)
})

test.group('store: anti-entropy with a failing peer', (group) => {
  group.tap((t) => t.tags(['integration']))
  // Two nodes, N = 2: the round's only possible peer is n2. A failure detector that never
  // calls n2 down (phi 100: many seconds of silence) keeps it a candidate, so the round calls it rather than skipping.
  const settings = { n: 2, r: 1, w: 1, replicaTimeoutMs: 300, phiThreshold: 100 }

  test('a paused peer: 504 timeout; a dead peer: 502 peer_error', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup, { nodes: 2, settings })
    const round = () => call(`${cluster.url('n1')}/admin/anti-entropy`, 'POST', {}, TOKEN)
    const healthy = await round()
    assert.equal(healthy.status, 200, JSON.stringify(healthy.body))
    assert.include(healthy.body, { ran: true, peer: 'n2' })

    // The cluster's cleanup resumes a paused node before stopping it, even when an assertion fails.
    await cluster.node('n2').pause()
    const paused = await round()
    assert.equal(paused.status, 504, JSON.stringify(paused.body))
    assert.equal(paused.body.error.code, 'timeout')
    assert.match(paused.body.error.message, /^n2: no answer within \d+ ms/)

    await cluster.node('n2').kill()
    const dead = await round()
    assert.equal(dead.status, 502, JSON.stringify(dead.body))
    assert.equal(dead.body.error.code, 'peer_error')
    assert.match(dead.body.error.message, /^n2: /)
  }).timeout(60_000)
})
