/**
 * A lazyfs mount never outlives its owner: it goes when the owner dies (an uncaught error,
 * SIGKILL), when unmounted with files still open, and a mount left by a dead daemon is
 * cleaned up without touching live ones.
 */
import { test } from '@japa/runner'
import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { eventually } from '../../cluster/testing.ts'
import { cleanupLazyFsMounts, ensureLazyFs, LazyFs } from './index.ts'
import { isLazyFsMounted } from './mount-table.ts'
import { killHard, scratchDirs, scratchMount, skipReason, spawnUntilLine, TSX_NODE } from './testing/scratch-mount.ts'

const OWNER = fileURLToPath(new URL('./testing/mount-owner.ts', import.meta.url))

test.group('lazyfs: mount lifetime', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.setup(async () => {
    if (!skipReason) await ensureLazyFs()
  })

  test('the mount goes when its owner dies of an uncaught error', async ({ assert, cleanup }) => {
    const { backingDir, mountPoint } = scratchDirs(cleanup)
    cleanup(() => {
      cleanupLazyFsMounts({ under: mountPoint })
    })
    const { child } = await spawnUntilLine<{ mounted: boolean }>(cleanup, [...TSX_NODE, OWNER, backingDir, mountPoint, 'throw'])
    const exitCode = await new Promise((resolveExit) => {
      if (child.exitCode !== null) resolveExit(child.exitCode)
      else child.once('exit', resolveExit)
    })
    assert.equal(exitCode, 1)
    await eventually('the mount to go', () => !isLazyFsMounted(mountPoint))
  }).skip(!!skipReason, skipReason)

  test('the mount goes when its owner is killed with SIGKILL', async ({ assert, cleanup }) => {
    const { backingDir, mountPoint } = scratchDirs(cleanup)
    cleanup(() => {
      cleanupLazyFsMounts({ under: mountPoint })
    })
    const { child } = await spawnUntilLine<{ mounted: boolean }>(cleanup, [...TSX_NODE, OWNER, backingDir, mountPoint, 'wait'])
    assert.isTrue(isLazyFsMounted(mountPoint))
    await killHard(child)
    await eventually('the mount to go', () => !isLazyFsMounted(mountPoint))
  }).skip(!!skipReason, skipReason)

  test('unmount with a file still open detaches the mount and flushes what was written', async ({ assert, cleanup }) => {
    const { fs, backingDir, mountPoint } = await scratchMount(cleanup)
    const fd = openSync(join(mountPoint, 'open'), 'w')
    writeSync(fd, 'written while open')
    await fs.unmount()
    assert.isFalse(isLazyFsMounted(mountPoint))
    try {
      closeSync(fd)
    } catch {
      // The connection is gone: closing may report it.
    }
    assert.equal(readFileSync(join(backingDir, 'open'), 'utf8'), 'written while open')
  }).skip(!!skipReason, skipReason)

  test('cleanup unmounts a mount whose daemon died and leaves live mounts alone', async ({ assert, cleanup }) => {
    const { root, backingDir, mountPoint: liveMount } = scratchDirs(cleanup)
    const live = await LazyFs.mount({ backingDir, mountPoint: liveMount })
    cleanup(() => live.unmount())
    const staleBacking = join(root, 'stale-backing')
    const staleMount = join(root, 'stale-mnt')
    mkdirSync(staleBacking)
    mkdirSync(staleMount)
    cleanup(() => {
      cleanupLazyFsMounts({ under: staleMount })
    })
    const daemon = spawn(await ensureLazyFs(), ['--backing', staleBacking, '--mount', staleMount, '--control', join(root, 'stale.sock')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    cleanup(() => killHard(daemon))
    await new Promise((resolveReady) => daemon.stdout!.once('data', resolveReady))
    await killHard(daemon)
    assert.throws(() => statSync(staleMount), /ENOTCONN/)

    assert.deepEqual(cleanupLazyFsMounts({ under: root }), [staleMount])
    assert.isFalse(isLazyFsMounted(staleMount))
    assert.isTrue(statSync(staleMount).isDirectory())
    assert.isTrue(isLazyFsMounted(liveMount))
    assert.deepEqual(await live.stats(), { pendingBytes: 0, files: [], changes: [] })
  }).skip(!!skipReason, skipReason)
})
