/**
 * Contexts under attack, on real node processes: a context cannot be carried from one
 * key to another through a key that embeds a separator, and a context that claims dots a
 * node never issued (forged by someone holding the token) is refused by that node, so
 * one PUT cannot make every later write to a key invisible.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { EXIT } from '../../common/contracts/exit-codes.ts'
import { call, startTestCluster } from '../../harness/cluster/testing.ts'
import { QUORUMLAB_BIN } from '../../harness/stores/quorumlab/index.ts'
import type { ReadResponse, WriteResponse } from '../api.ts'
import { encodeContext } from '../versioning.ts'

const SECRET = 'test-token'
const TOKEN = { 'x-quorumlab-token': SECRET }

test.group('store: context security', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('a context from key "acct\\0ICAg" is not accepted for "acct"; keys may not hold NUL', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    const n1 = cluster.url('n1')
    assert.equal((await call(`${n1}/kv/acct`, 'PUT', { value: 'acked' })).status, 200)

    const donorKey = 'acct\u0000ICAg'
    const donor = await call(`${n1}/kv/${encodeURIComponent(donorKey)}`, 'PUT', { value: 'donor' })
    assert.equal(donor.status, 400, 'a key with NUL is refused')
    assert.match(donor.body.error.message, /NUL/)

    // What the donor key's context would be: its clock covers every dot up to 2^50.
    const actor = (await call<ReadResponse>(`${n1}/kv/acct?r=3`)).body.versions[0].dot.node
    const signed = encodeContext({ clock: { [actor]: 2 ** 50 }, dots: [] }, { secret: SECRET, key: donorKey })
    const [payload, signature] = signed.split('.')
    // Base64url decoders skip what is outside their alphabet: "ICAg" decodes to three spaces.
    const replayed = `ICAg\u0000${payload}.${signature}`
    const put = await call(`${n1}/kv/acct`, 'PUT', { value: 'black hole', context: replayed })
    assert.equal(put.status, 400)
    assert.equal(put.body.error.code, 'bad_context')

    const later = await call<WriteResponse>(`${n1}/kv/acct`, 'PUT', { value: 'later' })
    assert.equal(later.status, 200)
    const read = await call<ReadResponse>(`${n1}/kv/acct?r=3`)
    assert.sameMembers(read.body.values as string[], ['acked', 'later'])
  })

  test('a context that is not canonical base64url is refused', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    const n1 = cluster.url('n1')
    const read = await call<ReadResponse>(`${n1}/kv/canon`)
    const [payload, signature] = read.body.context.split('.')
    for (const bad of [`${payload}=.${signature}`, `${payload}.${signature}=`, ` ${payload}.${signature}`, `${payload}.${signature}\n`]) {
      const put = await call(`${n1}/kv/canon`, 'PUT', { value: 'x', context: bad })
      assert.equal(put.status, 400, JSON.stringify(bad))
      assert.equal(put.body.error.code, 'bad_context', JSON.stringify(bad))
    }
    assert.equal((await call(`${n1}/kv/canon?r=3`)).status, 404)
  })

  test('a signed context claiming dots the node never issued is refused with 400 bad_context', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    const n1 = cluster.url('n1')
    const first = await call<WriteResponse>(`${n1}/kv/vault`, 'PUT', { value: 'first' })
    const actor = first.body.dot.node
    // Signed with the cluster's secret (a leaked token): n1's entry far beyond what n1 issued.
    const forged = encodeContext({ clock: { [actor]: 9e15 }, dots: [] }, { secret: SECRET, key: 'vault' })
    const put = await call(`${n1}/kv/vault`, 'PUT', { value: 'forged', context: forged })
    assert.equal(put.status, 400)
    assert.equal(put.body.error.code, 'bad_context')
    assert.match(put.body.error.message, /never issued/)
    const looseDot = encodeContext({ clock: {}, dots: [{ node: actor, counter: 9e15 }] }, { secret: SECRET, key: 'vault' })
    assert.equal((await call(`${n1}/kv/vault`, 'DELETE', { context: looseDot })).status, 400)

    // Later writes through n1 stay visible.
    const later = await call<WriteResponse>(`${n1}/kv/vault`, 'PUT', { value: 'later' })
    assert.equal(later.status, 200)
    const read = await call<ReadResponse>(`${n1}/kv/vault?r=3`)
    assert.sameMembers(read.body.values as string[], ['first', 'later'])
  })

  test('a replica refuses to merge a state claiming its own dots beyond what it issued', async ({ assert, cleanup }) => {
    const cluster = await startTestCluster(cleanup)
    const first = await call<WriteResponse>(`${cluster.url('n1')}/kv/poison`, 'PUT', { value: 'first' })
    const actor = first.body.dot.node
    const poisoned = {
      context: { clock: { [actor]: 9e15 }, dots: [] },
      siblings: [{ dot: { node: 'n2.00000000', counter: 1 }, clock: { [actor]: 9e15 }, value: 'poison', deleted: false, ts: 1 }],
    }
    const batch = await call(
      `${cluster.url('n1')}/internal/batch`,
      'POST',
      { ops: [{ op: 'merge', key: 'poison', object: poisoned }] },
      TOKEN,
    )
    assert.equal(batch.status, 200)
    assert.isFalse(batch.body.results[0].ok)
    assert.match(batch.body.results[0].error, /never issued/)
    const held = await call(`${cluster.url('n1')}/internal/objects/poison`, 'GET', undefined, TOKEN)
    assert.deepEqual(
      held.body.object.siblings.map((s: { value: unknown }) => s.value),
      ['first'],
    )
  })

  test('a node refuses to start without a secret unless --insecure; each local cluster gets its own', async ({ assert, cleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-secret-'))
    cleanup(() => rm(dir, { recursive: true, force: true }))
    const refused = spawnSync(
      process.execPath,
      [QUORUMLAB_BIN, 'store', '--id', 'n1', '--port', '0', '--n', '1', '--r', '1', '--w', '1', '--data-dir', join(dir, 'n1')],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    )
    assert.equal(refused.status, EXIT.usage, refused.stderr)
    assert.match(refused.stderr, /no cluster secret: .*--token.*--insecure/)

    const insecure = await startTestCluster(cleanup, { nodes: 1, settings: { n: 1, r: 1, w: 1, token: '', insecure: true } })
    assert.equal(insecure.settings.token, 'insecure')
    const open = await call(`${insecure.url('n1')}/internal/objects/k`, 'GET', undefined, { 'x-quorumlab-token': 'insecure' })
    assert.equal(open.status, 200, 'an insecure node takes the public token')

    const [a, b] = await Promise.all([
      startTestCluster(cleanup, { settings: { token: '' } }),
      startTestCluster(cleanup, { settings: { token: '' } }),
    ])
    assert.notEqual(a.settings.token, b.settings.token)
    assert.isAtLeast(a.settings.token.length, 32)
    for (const [token, status] of [
      [a.settings.token, 200],
      [b.settings.token, 401],
      ['quorumlab', 401],
      ['insecure', 401],
    ] as const) {
      const answer = await call(`${a.url('n1')}/internal/objects/k`, 'GET', undefined, { 'x-quorumlab-token': token })
      assert.equal(answer.status, status, token)
    }
  })
})
