/**
 * The replica-batch fast path against the app it stands in for: two servers over fakes of
 * the same replica and hint store, one the node's app alone, one the fast path with
 * nothing behind it (what it declines is answered 599). Every batch it takes must get the
 * app's answer and do what the app does (ops applied, the peer's call counted); what it
 * must leave to the app (no token, a chunked or oversized body, another route) is declined.
 */
import type { Server } from 'node:http'
import { test } from '@japa/runner'
import { BATCH_PATH, SENDER_HEADER, TOKEN_HEADER } from '../api.ts'
import { createApp, type AppOptions } from '../app.ts'
import { NODE_DEFAULTS, type NodeConfig } from '../config.ts'
import { badContext } from '../errors.ts'
import { Stats } from '../stats.ts'
import { applyWrite, emptyObject, type VersionedObject } from '../versioning.ts'
import { batchFastPath } from './batch-fast-path.ts'
import { type Answer, answerOf, NOT_TAKEN, sideBySide } from './testing/side-by-side.ts'

const config: NodeConfig = {
  ...NODE_DEFAULTS,
  token: 'batch-token',
  id: 'n1',
  host: '127.0.0.1',
  port: 0,
  dataDir: 'unused',
  peers: [
    { id: 'n2', host: '127.0.0.1', port: 1 },
    { id: 'n3', host: '127.0.0.1', port: 1 },
  ],
}

const objectOf = (value: unknown, counter: number): VersionedObject =>
  applyWrite('dvv', emptyObject(), { node: 'n2.b', counter, context: { clock: {}, dots: [] }, value, deleted: false, ts: 5 }).object
const STORED = objectOf({ a: [1, 'two'] }, 3)

/** A replica and hint store that answer from fixed data and remember what was applied. */
function fakeParts() {
  const applied: unknown[] = []
  const stats = new Stats('n1')
  const replica = {
    read: (key: string) => (key === 'stored' ? STORED : emptyObject()),
    mergeMany: async (entries: { key: string; object: VersionedObject }[]) =>
      entries.map(({ key, object }) => {
        if (key === 'refused') return badContext('the state claims dots never issued')
        applied.push(['merge', key, object])
        return { object, changed: true }
      }),
  }
  const handoff = {
    store: async (owner: string, key: string, object: VersionedObject) => void applied.push(['hint', owner, key, object]),
  }
  const consistency = { mode: 'eventual', status: () => ({}) }
  const parts = { config, replica, handoff, stats, consistency, incarnation: 'a' } as unknown as AppOptions
  return { parts, applied, stats }
}

function post(server: Server, body: string, headers: Record<string, string>, target = BATCH_PATH, method = 'POST'): Promise<Answer> {
  return answerOf(server, { method, target, headers, body })
}

/** The answer with each result's `atMs` (when the op was applied: differs between two runs) checked and left out. */
function withoutTimes(answer: Answer): Answer {
  const body = answer.body as { results?: Record<string, unknown>[] }
  if (!Array.isArray(body?.results)) return answer
  const results = body.results.map(({ atMs, ...rest }) => {
    if (atMs !== undefined && typeof atMs !== 'number') throw new Error(`atMs is ${JSON.stringify(atMs)}`)
    return rest
  })
  return { ...answer, body: { ...body, results } }
}

async function servers(cleanup: (fn: () => Promise<void>) => void) {
  const viaApp = fakeParts()
  const viaFastPath = fakeParts()
  const { appServer, fastServer } = await sideBySide(createApp(viaApp.parts), batchFastPath(viaFastPath.parts as never), cleanup)
  return { appServer, fastServer, viaApp, viaFastPath }
}

const PEER = { [TOKEN_HEADER]: config.token, [SENDER_HEADER]: 'n2', 'content-type': 'application/json' }

test.group('replica batch fast path', () => {
  test('answers every batch it takes as the app does, applies the same ops and counts the same calls', async ({ assert, cleanup }) => {
    const { appServer, fastServer, viaApp, viaFastPath } = await servers(cleanup)
    const fresh = objectOf('new', 4)
    const bodies = [
      JSON.stringify({ ops: [{ op: 'read', key: 'stored' }] }),
      JSON.stringify({
        ops: [
          { op: 'read', key: 'stored' },
          { op: 'read', key: 'missing' },
          { op: 'merge', key: 'k', object: fresh },
          { op: 'merge', key: 'refused', object: fresh },
          { op: 'hint', owner: 'n3', key: 'h', object: fresh },
          { op: 'merge', key: 'k', object: { siblings: 'no' } },
          { op: 'hint', key: 'no-owner', object: fresh },
          { op: 'delete', key: 'k' },
          { key: 7 },
          null,
        ],
      }),
      JSON.stringify({ ops: [] }),
      '{"ops": [',
      '',
      '[1, 2]',
      '{"ops": "read"}',
      '{"ops": [{"op": "merge", "key": "k", "object": {"__proto__": 1}}]}',
      '{"ops": [{"op": "read", "key": "caf\\u00e9"}]}',
      `\ufeff${JSON.stringify({ ops: [{ op: 'read', key: 'stored' }] })}`,
    ]
    for (const body of bodies) {
      for (const headers of [PEER, { ...PEER, [SENDER_HEADER]: 'not-a-peer' }]) {
        const fromApp = await post(appServer, body, headers)
        const fromFastPath = await post(fastServer, body, headers)
        assert.notEqual(fromFastPath.status, NOT_TAKEN, `${body} was not taken by the fast path`)
        assert.deepEqual(withoutTimes(fromFastPath), withoutTimes(fromApp), body)
      }
    }
    assert.isAbove(viaFastPath.applied.length, 0)
    assert.deepEqual(viaFastPath.applied, viaApp.applied)
    assert.equal(viaFastPath.stats.snapshot().peers.n2.received, bodies.length)
    assert.deepEqual(viaFastPath.stats.snapshot(), viaApp.stats.snapshot())
  })

  test('leaves to the app what it must: calls without the token, chunked or oversized bodies, other routes', async ({
    assert,
    cleanup,
  }) => {
    const { fastServer, viaFastPath } = await servers(cleanup)
    const batch = JSON.stringify({ ops: [{ op: 'read', key: 'stored' }] })
    const cases: [Record<string, string>, string?, string?][] = [
      [{ 'content-type': 'application/json' }],
      [{ ...PEER, [TOKEN_HEADER]: 'wrong' }],
      [{ ...PEER, 'transfer-encoding': 'chunked' }],
      [{ ...PEER, 'content-length': String(2 * 1024 * 1024 * 1024) }],
      [PEER, `${BATCH_PATH}?x=1`],
      [PEER, `${BATCH_PATH}/`],
      [PEER, '/internal/sync'],
      [PEER, BATCH_PATH, 'PUT'],
    ]
    for (const [headers, target, method] of cases) {
      const body = headers['content-length'] === undefined ? batch : ''
      assert.equal((await post(fastServer, body, headers, target, method)).status, NOT_TAKEN, JSON.stringify([headers, target, method]))
    }
    assert.equal(viaFastPath.stats.snapshot().peers.n2?.received ?? 0, 0)
  })
})
