import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { checkEtcdBinary, EtcdUnavailableError, embeddedEtcdVersion, ensureEtcd, etcdUnavailableReason } from './binary.ts'

const unavailable = await etcdUnavailableReason()

test.group('etcd binary', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('builds (or finds in the cache) the etcd the server program embeds, then reuses it', async ({ assert }) => {
    const lines: string[] = []
    const path = await ensureEtcd({ onProgress: (line) => lines.push(line) })
    assert.equal(await checkEtcdBinary(path), await embeddedEtcdVersion())
    assert.match(await embeddedEtcdVersion(), /^3\.6\.\d+$/)
    if (lines.length > 0) assert.match(lines[0], /building etcd v3\.6\.\d+ with go/)
    // The second call finds the cached build: no progress, same path.
    const again: string[] = []
    assert.equal(await ensureEtcd({ onProgress: (line) => again.push(line) }), path)
    assert.deepEqual(again, [])
  })
    .skip(unavailable !== undefined, unavailable)
    .timeout(15 * 60_000)

  test('ETCD_BIN: a working etcd is used as it is', async ({ assert }) => {
    const built = await ensureEtcd()
    assert.equal(await ensureEtcd({ env: { ETCD_BIN: built } }), built)
  })
    .skip(unavailable !== undefined, unavailable)
    .timeout(15 * 60_000)

  test('neither Go nor ETCD_BIN nor a cached build: the reason says how to get etcd, and ensureEtcd refuses with it', async ({
    assert,
    cleanup,
  }) => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'quorumlab-etcd-cache-'))
    cleanup(() => rm(cacheDir, { recursive: true, force: true }))
    const env = { PATH: cacheDir }
    const reason = await etcdUnavailableReason({ cacheDir, env })
    assert.match(reason ?? '', /install Go 1\.26 or later.*set ETCD_BIN/)
    const refusal = await ensureEtcd({ cacheDir, env }).then(
      () => undefined,
      (error: Error) => error,
    )
    assert.instanceOf(refusal, EtcdUnavailableError)
    assert.equal(refusal?.message, reason)
    // With ETCD_BIN set, the reason is gone (the binary is checked when it is used).
    assert.isUndefined(await etcdUnavailableReason({ cacheDir, env: { ...env, ETCD_BIN: '/anything' } }))
  })

  test('ETCD_BIN: missing, not executable or not etcd is refused, naming the problem', async ({ assert, cleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-etcd-bin-'))
    cleanup(() => rm(dir, { recursive: true, force: true }))
    const plain = join(dir, 'plain')
    await writeFile(plain, 'not a program')
    const impostor = join(dir, 'impostor')
    await writeFile(impostor, '#!/bin/sh\necho "I am not etcd"\n')
    await chmod(impostor, 0o755)
    const refusal = (path: string) =>
      ensureEtcd({ env: { ETCD_BIN: path } }).then(
        () => 'accepted',
        (error: Error) => error.message,
      )
    assert.match(await refusal(join(dir, 'nothing')), /ETCD_BIN=.*nothing: no such file.*install Go/)
    assert.match(await refusal(plain), /ETCD_BIN=.*plain: not executable/)
    assert.match(await refusal(dir), /not a file/)
    assert.match(await refusal(impostor), /did not answer like etcd:\nI am not etcd/)
  })
})
