/**
 * The security test (`--forge`): a real run whose forging client sends forged, inflated,
 * replayed and oversized contexts to real nodes, every one refused and no acknowledged
 * write lost; and the check itself, flagging a stand-in store that takes them all.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from '@japa/runner'
import type { ForgeAttempt, ForgeKind, HarnessRecord } from '../../common/contracts/history.ts'
import { analyseHistory } from '../../reports/analysis.ts'
import { QuorumlabForger } from '../stores/quorumlab/forger.ts'
import { runWorkload } from './run.ts'
import { readHistory, shortRunOptions } from './testing.ts'

const KINDS: ForgeKind[] = ['forged', 'inflated', 'replayed', 'oversized']

test.group('forge: the security test', (group) => {
  group.tap((t) => t.tags(['integration']))

  test('every forged, inflated, replayed and oversized context is refused during a crash run; no acknowledged write is lost', async ({
    assert,
    cleanup,
  }) => {
    const options = await shortRunOptions(cleanup, { nemeses: ['crash'], timeS: 8, nemesisIntervalS: 4, forge: true })
    const result = await runWorkload(options)
    assert.isTrue(result.completed, result.error)
    const attempts = readHistory(result.history)
      .filter((r): r is Extract<HarnessRecord, { f: 'forge' }> => r.process === 'harness' && r.f === 'forge')
      .map((r) => r.value)
    assert.equal(result.forge?.attempts, attempts.length)
    assert.deepEqual(
      attempts.filter((a) => a.outcome === 'accepted'),
      [],
      'no forged write is accepted',
    )
    for (const kind of KINDS) {
      const refused = attempts.filter((a) => a.kind === kind && a.outcome === 'refused')
      assert.isAbove(refused.length, 0, `some ${kind} contexts reached a node and were refused`)
      for (const a of refused) assert.deepEqual([a.status, a.code], [400, 'bad_context'], `${kind} refused as a bad context`)
    }
    const analysis = await analyseHistory(result.history)
    assert.isAbove(analysis.lostWrites.check.checked, 0)
    assert.equal(analysis.lostWrites.check.violations, 0, JSON.stringify(analysis.lostWrites.check.examples.slice(0, 2)))
  }).timeout(90_000)

  test('the check flags a store that takes forged contexts', async ({ assert, cleanup }) => {
    // A stand-in node that answers every write 200, as a store without context checks would.
    const server = createServer((request, response) => {
      request.resume()
      request.on('end', () => {
        response.setHeader('content-type', 'application/json')
        if (request.url === '/health') response.end(JSON.stringify({ node: 'n1', status: 'ok', pid: 1, incarnation: 'abcd' }))
        else if (request.method === 'GET') response.end(JSON.stringify({ key: 'k', values: [], versions: [], context: null }))
        else response.end(JSON.stringify({ key: 'k', context: 'e30.AAAAAAAAAAAAAAAAAAAAAA', dot: { node: 'n1.abcd', counter: 1 } }))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const forger = new QuorumlabForger({
      nodes: [{ id: 'n1', host: '127.0.0.1', port: (server.address() as AddressInfo).port }],
      secret: 'the-cluster-secret',
      timeoutMs: 5000,
    })
    cleanup(async () => {
      await forger.close()
      await new Promise((resolve) => server.close(resolve))
    })
    const outcomes: ForgeAttempt[] = []
    for (const kind of forger.kinds) outcomes.push(await forger.attempt(kind, 'k', 'n1'))
    assert.deepEqual(
      outcomes.map((a) => [a.kind, a.outcome]),
      KINDS.map((kind) => [kind, 'accepted']),
    )
  })
})
