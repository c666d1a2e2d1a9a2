/**
 * The PUT fast path against the app it stands in for: two servers over the same fake
 * coordinator and engine, one the node's app alone, one the fast path with nothing behind
 * it (what it declines is answered 599). Every PUT the fast path takes must get the app's
 * answer and write what the app writes; every one it must leave to the app (forwarding,
 * queries, chunked or oversized bodies, peers' calls) must be declined.
 */
import type { Server } from 'node:http'
import { test } from '@japa/runner'
import { emptyContext, type CausalContext } from '../../common/contracts/causal.ts'
import { FORWARDED_HEADER, SENDER_HEADER, TOKEN_HEADER } from '../api.ts'
import { createApp, type AppOptions } from '../app.ts'
import { eventualEngine } from '../consistency/engine.ts'
import type { Coordinator, WriteOutcome } from '../coordinator.ts'
import { ApiError } from '../errors.ts'
import type { LocalWrite } from '../replica.ts'
import { Stats } from '../stats.ts'
import { encodeContext } from '../versioning.ts'
import { kvPutFastPath } from './kv-put-fast-path.ts'
import { type Answer, answerOf, capturedErrors, kvSpecConfig, NOT_TAKEN, sideBySide } from './testing/side-by-side.ts'

/** A small value limit, so a value over it is cheap to send. */
const MAX_VALUE_BYTES = 100

const config = kvSpecConfig({ maxValueBytes: MAX_VALUE_BYTES })

type Written = { key: string; write: LocalWrite; w: number }

/** Writes as the fake coordinator answers them, by key; every write is remembered with what it was asked. */
function fakeParts(): { parts: AppOptions; writes: Written[] } {
  const writes: Written[] = []
  const coordinator = {
    isHome: (key: string) => key !== 'elsewhere',
    forward: async () => ({ status: 200, body: { forwarded: true } }),
    write: async (key: string, write: LocalWrite, w: number): Promise<WriteOutcome> => {
      writes.push({ key, write, w })
      if (key === 'unavailable') throw new ApiError(503, 'quorum_unavailable', 'write needed 2 acks, got 1', { required: 2, acks: 1 })
      if (key === 'broken') throw new Error('a bug')
      const counter = writes.length + 4
      const dot = { node: 'n1.a', counter }
      return {
        sibling: { dot, clock: { ...write.context.clock }, value: write.value, deleted: false, ts: 1_700_000_000_000 },
        context: { clock: { ...write.context.clock, 'n1.a': counter }, dots: write.context.dots },
        acks: 2,
      }
    },
  } as unknown as Coordinator
  const parts = {
    config,
    coordinator,
    consistency: eventualEngine(coordinator),
    stats: new Stats('n1'),
    incarnation: 'a',
  } as unknown as AppOptions
  return { parts, writes }
}

function put(server: Server, target: string, body: string, headers: Record<string, string> = {}, method = 'PUT'): Promise<Answer> {
  return answerOf(server, { method, target, headers, body })
}

/** The app alone, and the fast path alone, over fakes that remember what each was asked. */
async function servers(cleanup: (fn: () => Promise<void>) => void) {
  const viaApp = fakeParts()
  const viaFastPath = fakeParts()
  const { appServer, fastServer } = await sideBySide(createApp(viaApp.parts), kvPutFastPath(viaFastPath.parts), cleanup)
  return { appServer, fastServer, appWrites: viaApp.writes, fastWrites: viaFastPath.writes }
}

const SENT_CONTEXT: CausalContext = { clock: { 'n1.a': 4 }, dots: [{ node: 'n2.b', counter: 8 }] }
const contextFor = (key: string) => encodeContext(SENT_CONTEXT, { secret: config.token, key })

test.group('PUT fast path', () => {
  test('answers every PUT it takes as the app does, and writes what the app writes', async ({ assert, cleanup }) => {
    const { appServer, fastServer, appWrites, fastWrites } = await servers(cleanup)
    const logged = capturedErrors(cleanup)
    const cases: [string, string][] = [
      ['/kv/plain', '{"value":1}'],
      ['/kv/nested', '{"value":{"a":[1,"two",null]},"extra":true}'],
      ['/kv/null-value', '{"value":null}'],
      ['/kv/with-context', JSON.stringify({ value: 'x', context: contextFor('with-context') })],
      ['/kv/null-context', '{"value":"x","context":null}'],
      ['/kv/caf%C3%A9', '{"value":"caf\\u00e9 \u00e9"}'],
      ['/kv/a%2Fb', '{"value":2}'],
      ['/kv/a/b/', '{"value":3}'],
      ['/kv/.', '{"value":4}'],
      ['/kv/x/../y', '{"value":5}'],
      ['/kv/bom', '\uFEFF{"value":6}'],
      ['/kv/spaces', '  {"value" : 7}  \n'],
      ['/kv/unavailable', '{"value":8}'],
      ['/kv/broken', '{"value":9}'],
      // Refused after the body is read: the fast path answers them as the app does.
      ['/kv/not-json', '{"value":'],
      ['/kv/empty', ''],
      ['/kv/array', '[1]'],
      ['/kv/no-value', '{"context":null}'],
      ['/kv/too-big', JSON.stringify({ value: 'v'.repeat(MAX_VALUE_BYTES) })],
      ['/kv/proto', '{"value":{"__proto__":{"x":1}}}'],
      ['/kv/context-of-another-key', JSON.stringify({ value: 1, context: contextFor('plain') })],
      ['/kv/context-not-a-string', '{"value":1,"context":7}'],
    ]
    for (const [target, body] of cases) {
      const fromApp = await put(appServer, target, body)
      const fromFastPath = await put(fastServer, target, body)
      assert.notEqual(fromFastPath.status, NOT_TAKEN, `${target} was not taken by the fast path`)
      assert.deepEqual(fromFastPath, fromApp, target)
    }
    const statuses = await Promise.all(cases.map(([target, body]) => put(fastServer, target, body).then((a) => a.status)))
    assert.deepEqual(statuses.slice(0, 12), Array(12).fill(200))
    assert.deepEqual(statuses.slice(12), [503, 500, 400, 400, 400, 400, 413, 400, 400, 400])
    assert.deepEqual(logged.slice(0, 2), ['[n1] unexpected error on PUT /kv/broken:', '[n1] unexpected error on PUT /kv/broken:'])
    // Each side wrote the 14 bodies that are writes once in the compared pass (the fast path again in the second).
    assert.lengthOf(appWrites, 14)
    assert.deepEqual(fastWrites.slice(0, 14), appWrites)
    const withContext = appWrites.find((w) => w.key === 'with-context')
    assert.deepEqual(withContext?.write, { context: SENT_CONTEXT, value: 'x', deleted: false })
    assert.deepEqual(appWrites.find((w) => w.key === 'x/../y')?.write.value, 5)
    assert.deepEqual(appWrites.find((w) => w.key === 'plain')?.write.context, emptyContext())
  })

  test('leaves to the app what it must: other methods, queries, bad keys, keys to forward, calls of peers, bodies it does not read', async ({
    assert,
    cleanup,
  }) => {
    const { fastServer, fastWrites } = await servers(cleanup)
    const body = '{"value":1}'
    const cases: [string, Record<string, string>?, string?, string?][] = [
      ['/kv/plain', {}, 'GET', ''],
      ['/kv/plain', {}, 'DELETE'],
      ['/kv/plain', {}, 'POST'],
      ['/kv/plain?w=1'],
      ['/kv/plain?'],
      ['/kv/plain#fragment'],
      ['/kv/'],
      [`/kv/${'k'.repeat(513)}`],
      ['/kv/nul%00'],
      ['/kv/elsewhere'],
      ['/kv/plain', { [FORWARDED_HEADER]: 'n2', [TOKEN_HEADER]: config.token }],
      ['/kv/plain', { [SENDER_HEADER]: 'n2', [TOKEN_HEADER]: config.token }],
      ['/kv/plain', { 'transfer-encoding': 'chunked' }],
      ['/kv/plain', {}, 'PUT', `{"value":"${'v'.repeat(64 * 1024 + MAX_VALUE_BYTES)}"}`],
      ['/kvx/plain'],
      ['/internal/objects/plain', { [TOKEN_HEADER]: config.token }],
    ]
    for (const [target, headers, method, sent] of cases) {
      const answer = await put(fastServer, target, sent ?? body, headers, method)
      assert.equal(answer.status, NOT_TAKEN, `${method ?? 'PUT'} ${target}`)
    }
    assert.lengthOf(fastWrites, 0)
  })
})
