/**
 * The decisive check of lazyfs: an LMDB database on the mount, written by a process that
 * is then killed with SIGKILL, loses in a power cut exactly what LMDB did not make
 * durable. The store's own storage (store/storage.ts) keeps every commit whose promise
 * resolved: lmdb-js resolves it only after fdatasync of the data file and a write of the
 * meta page through an O_DSYNC descriptor (msync with a writable map). With its syncs
 * switched off (noSync), the same writes are lost, and the database still opens.
 */
import { test } from '@japa/runner'
import { fileURLToPath } from 'node:url'
import { ensureLazyFs } from './index.ts'
import { killHard, scratchMount, skipReason, spawnUntilLine, TSX_NODE } from './testing/scratch-mount.ts'

const CHILD = fileURLToPath(new URL('./testing/lmdb-child.ts', import.meta.url))

type Cleanup = Parameters<typeof spawnUntilLine>[0]

/** Runs a writer on the database until its commits resolved, then kills it with SIGKILL. */
async function writeThenKill(cleanup: Cleanup, args: string[]): Promise<string[]> {
  const { child, line } = await spawnUntilLine<{ committed: string[] }>(cleanup, [...TSX_NODE, CHILD, ...args])
  await killHard(child)
  return line.committed
}

async function readStored(cleanup: Cleanup, dir: string): Promise<Record<string, unknown>> {
  const { line } = await spawnUntilLine<{ stored: Record<string, unknown> }>(cleanup, [...TSX_NODE, CHILD, 'read', dir])
  return line.stored
}

const keysOf = (stored: Record<string, unknown>, prefix: string): string[] =>
  Object.keys(stored).filter((key) => key.startsWith(`${prefix}-`))

test.group('lazyfs: LMDB under a power cut', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.setup(async () => {
    if (!skipReason) await ensureLazyFs()
  })

  test("the store's storage keeps every commit whose promise resolved", async ({ assert, cleanup }) => {
    const { fs, mountPoint } = await scratchMount(cleanup)
    const committed = await writeThenKill(cleanup, ['storage', mountPoint, 'acked', '40'])
    assert.lengthOf(committed, 40)

    // Nothing of the data file waits: each commit synced it. (The lock files may wait: they hold no data.)
    const pending = (await fs.stats()).files.map(({ path }) => path)
    assert.notInclude(pending, 'data.mdb')

    await fs.powerCut()
    const stored = await readStored(cleanup, mountPoint)
    assert.sameMembers(keysOf(stored, 'acked'), committed)
    for (const key of committed) assert.equal(stored[key], key)
  }).skip(!!skipReason, skipReason)

  test('with noSync, commits whose promise resolved are lost; earlier durable ones survive', async ({ assert, cleanup }) => {
    const { fs, mountPoint } = await scratchMount(cleanup)
    const durable = await writeThenKill(cleanup, ['lmdb', mountPoint, 'durable', '10'])
    const unsynced = await writeThenKill(cleanup, ['lmdb', mountPoint, 'unsynced', '10', '--no-sync'])
    assert.lengthOf(unsynced, 10)
    const before = await fs.stats()
    assert.isAbove(before.pendingBytes, 0)
    assert.include(
      before.files.map(({ path }) => path),
      'data.mdb',
    )

    const cut = await fs.powerCut()
    assert.isAbove(cut.droppedBytes, 0)
    const stored = await readStored(cleanup, mountPoint)
    assert.sameMembers(keysOf(stored, 'durable'), durable)
    assert.deepEqual(keysOf(stored, 'unsynced'), [])
  }).skip(!!skipReason, skipReason)

  test('without a power cut the noSync commits are all there (the loss above is the cut)', async ({ assert, cleanup }) => {
    const { mountPoint } = await scratchMount(cleanup)
    const unsynced = await writeThenKill(cleanup, ['lmdb', mountPoint, 'unsynced', '10', '--no-sync'])
    const stored = await readStored(cleanup, mountPoint)
    assert.sameMembers(keysOf(stored, 'unsynced'), unsynced)
  }).skip(!!skipReason, skipReason)

  test('with a writable map, msync makes commits durable; without syncs the mapped writes are lost', async ({ assert, cleanup }) => {
    const { fs, mountPoint } = await scratchMount(cleanup)
    const durable = await writeThenKill(cleanup, ['lmdb', mountPoint, 'msynced', '10', '--writemap'])
    const unsynced = await writeThenKill(cleanup, ['lmdb', mountPoint, 'unsynced', '10', '--writemap', '--no-sync'])
    assert.lengthOf(unsynced, 10)

    await fs.powerCut()
    const stored = await readStored(cleanup, mountPoint)
    assert.sameMembers(keysOf(stored, 'msynced'), durable)
    assert.deepEqual(keysOf(stored, 'unsynced'), [])
  }).skip(!!skipReason, skipReason)
})
