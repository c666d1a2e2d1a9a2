/**
 * The GET fast path against the app it stands in for: two servers over the same fake
 * coordinator and engine, one the node's app alone, one the fast path with nothing behind
 * it (what it declines is answered 599). Every GET the fast path takes must get the app's
 * answer; every one it must leave to the app (forwarding, refusals, queries, peers' calls)
 * must be declined.
 */
import type { Server } from 'node:http'
import { test } from '@japa/runner'
import { CONTEXT_HEADER, FORWARDED_HEADER, SENDER_HEADER, TOKEN_HEADER } from '../api.ts'
import { createApp, type AppOptions } from '../app.ts'
import { eventualEngine } from '../consistency/engine.ts'
import type { Coordinator, ReadResult } from '../coordinator.ts'
import { ApiError } from '../errors.ts'
import { Stats } from '../stats.ts'
import { encodeContext, type VersionedObject } from '../versioning.ts'
import { emptyContext, type CausalContext } from '../../common/contracts/causal.ts'
import { kvGetFastPath } from './kv-get-fast-path.ts'
import { type Answer, answerOf, capturedErrors, kvSpecConfig, NOT_TAKEN, sideBySide } from './testing/side-by-side.ts'

const config = kvSpecConfig()

const sibling = (counter: number, value: unknown, deleted = false) => ({
  dot: { node: 'n1.a', counter },
  clock: { 'n1.a': counter - 1, 'n2.b': 3 },
  value,
  deleted,
  ts: 1_700_000_000_000 + counter,
})
/** Two live siblings and a tombstone, with a context holding a loose dot. */
const SIBLINGS: VersionedObject = {
  context: { clock: { 'n1.a': 7, 'n2.b': 3 }, dots: [{ node: 'n3.c', counter: 9 }] },
  siblings: [sibling(5, { nested: ['a', 1] }), sibling(6, null, true), sibling(7, 'text')],
}

/** Reads as the fake engine answers them, by key; every read is remembered with what it was asked. */
function fakeParts(): { parts: AppOptions; reads: { key: string; r: number; after: CausalContext }[] } {
  const reads: { key: string; r: number; after: CausalContext }[] = []
  const coordinator = {
    isHome: (key: string) => key !== 'elsewhere',
    forward: async () => ({ status: 200, body: { forwarded: true } }),
    read: async (key: string, r: number): Promise<ReadResult> => {
      if (key === 'unavailable') throw new ApiError(503, 'quorum_unavailable', 'read needed 2 replies, got 1', { required: 2, acks: 1 })
      if (key === 'broken') throw new Error('a bug')
      if (key === 'missing') return { object: { context: emptyContext(), siblings: [] }, replies: r }
      return { object: SIBLINGS, replies: 3 }
    },
  } as unknown as Coordinator
  const engine = eventualEngine(coordinator)
  const consistency = {
    ...engine,
    read: (key: string, r: number, after: CausalContext) => {
      reads.push({ key, r, after })
      return engine.read(key, r, after)
    },
  }
  const parts = { config, coordinator, consistency, stats: new Stats('n1'), incarnation: 'a' } as unknown as AppOptions
  return { parts, reads }
}

function get(server: Server, target: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return answerOf(server, { method, target, headers })
}

/** The app alone, and the fast path alone, over fakes that remember what each was asked. */
async function servers(cleanup: (fn: () => Promise<void>) => void) {
  const viaApp = fakeParts()
  const viaFastPath = fakeParts()
  const { appServer, fastServer } = await sideBySide(createApp(viaApp.parts), kvGetFastPath(viaFastPath.parts), cleanup)
  return { appServer, fastServer, appReads: viaApp.reads, fastReads: viaFastPath.reads }
}

const contextFor = (key: string) =>
  encodeContext({ clock: { 'n1.a': 4 }, dots: [{ node: 'n2.b', counter: 8 }] }, { secret: config.token, key })

test.group('GET fast path', () => {
  test('answers every GET it takes as the app does, and reads what the app reads', async ({ assert, cleanup }) => {
    const { appServer, fastServer, appReads, fastReads } = await servers(cleanup)
    const logged = capturedErrors(cleanup)
    const cases: [string, Record<string, string>?][] = [
      ['/kv/plain'],
      ['/kv/missing'],
      ['/kv/unavailable'],
      ['/kv/broken'],
      ['/kv/a/b/'],
      ['/kv/a%2Fb'],
      ['/kv/caf%C3%A9'],
      ['/kv/.'],
      ['/kv/x/../y'],
      ['/kv/%2E%2E'],
      ['/kv/with-context', { [CONTEXT_HEADER]: contextFor('with-context') }],
      ['/kv/token-only', { [TOKEN_HEADER]: config.token }],
    ]
    for (const [target, headers] of cases) {
      const fromApp = await get(appServer, target, headers)
      const fromFastPath = await get(fastServer, target, headers)
      assert.notEqual(fromFastPath.status, NOT_TAKEN, `${target} was not taken by the fast path`)
      assert.deepEqual(fromFastPath, fromApp, target)
    }
    assert.deepEqual(logged, ['[n1] unexpected error on GET /kv/broken:', '[n1] unexpected error on GET /kv/broken:'])
    assert.lengthOf(fastReads, cases.length)
    assert.deepEqual(fastReads, appReads)
    assert.deepEqual(fastReads.at(-2)?.after, { clock: { 'n1.a': 4 }, dots: [{ node: 'n2.b', counter: 8 }] })
  })

  test('leaves to the app what it must: other methods, queries, bad keys and contexts, keys to forward, calls of peers', async ({
    assert,
    cleanup,
  }) => {
    const { fastServer, fastReads } = await servers(cleanup)
    const cases: [string, Record<string, string>?, string?][] = [
      ['/kv/plain', {}, 'PUT'],
      ['/kv/plain', {}, 'DELETE'],
      ['/kv/plain', {}, 'HEAD'],
      ['/kv/plain?r=1'],
      ['/kv/plain?'],
      ['/kv/'],
      [`/kv/${'k'.repeat(513)}`],
      ['/kv/nul%00'],
      ['/kv/elsewhere'],
      ['/kv/plain', { [CONTEXT_HEADER]: contextFor('other-key') }],
      ['/kv/plain', { [CONTEXT_HEADER]: 'not-a-context' }],
      ['/kv/plain', { [FORWARDED_HEADER]: 'n2', [TOKEN_HEADER]: config.token }],
      ['/kv/plain', { [SENDER_HEADER]: 'n2', [TOKEN_HEADER]: config.token }],
      ['/kvx/plain'],
      ['/health'],
      ['/internal/objects/plain', { [TOKEN_HEADER]: config.token }],
    ]
    for (const [target, headers, method] of cases) {
      assert.equal((await get(fastServer, target, headers, method)).status, NOT_TAKEN, `${method ?? 'GET'} ${target}`)
    }
    assert.lengthOf(fastReads, 0)
  })
})
