/**
 * lazyfs with real processes and a real FUSE mount: what survives a power cut (what was
 * fsynced) and what does not (everything else), for file data and for names.
 */
import { test } from '@japa/runner'
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeSync,
  constants as fsConstants,
} from 'node:fs'
import { join } from 'node:path'
import { ensureLazyFs, LazyFs, LazyFsUnavailableError, lazyFsSupport } from './index.ts'
import { scratchDirs, scratchMount, skipReason } from './testing/scratch-mount.ts'

/** Writes `text` at `position` (or appends) and closes, syncing first when asked. */
function writeFile(path: string, text: string, options: { flags?: string | number; sync?: 'fsync' | 'fdatasync'; position?: number } = {}) {
  const fd = openSync(path, options.flags ?? 'w')
  try {
    writeSync(fd, text, options.position)
    if (options.sync === 'fsync') fsyncSync(fd)
    if (options.sync === 'fdatasync') fdatasyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** fsync of a directory: commits every namespace change. */
function syncDir(path: string) {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

const read = (path: string): string => readFileSync(path, 'utf8')

test.group('lazyfs: data', (group) => {
  group.tap((t) => t.tags(['integration']))
  // The first build compiles go-fuse: seconds, outside any test's timeout.
  group.setup(async () => {
    if (!skipReason) await ensureLazyFs()
  })

  test('reads see unsynced writes through the mount; the backing dir does not have them', async ({ assert, cleanup }) => {
    const { fs, backingDir, mountPoint } = await scratchMount(cleanup)
    writeFile(join(mountPoint, 'a'), 'synced', { sync: 'fsync' })
    writeFile(join(mountPoint, 'a'), '-and-not', { flags: 'a' })
    writeFile(join(mountPoint, 'b'), 'never synced')

    assert.equal(read(join(mountPoint, 'a')), 'synced-and-not')
    assert.equal(read(join(mountPoint, 'b')), 'never synced')
    assert.deepEqual(readdirSync(mountPoint).sort(), ['a', 'b'])
    assert.equal(read(join(backingDir, 'a')), 'synced')
    assert.equal(read(join(backingDir, 'b')), '', 'b exists (names pass through) but holds none of its data')

    const stats = await fs.stats()
    assert.equal(stats.pendingBytes, 'synced-and-not'.length + 'never synced'.length)
    assert.sameDeepMembers(
      stats.files.map(({ path, size }) => ({ path, size })),
      [
        { path: 'a', size: 14 },
        { path: 'b', size: 12 },
      ],
    )
    assert.deepEqual(stats.changes, [{ kind: 'create', path: 'b' }])
  }).skip(!!skipReason, skipReason)

  test('fsync, fdatasync and O_DSYNC writes survive a power cut', async ({ assert, cleanup }) => {
    const { fs, mountPoint } = await scratchMount(cleanup)
    writeFile(join(mountPoint, 'fsynced'), 'one', { sync: 'fsync' })
    writeFile(join(mountPoint, 'fdatasynced'), 'two', { sync: 'fdatasync' })
    writeFile(join(mountPoint, 'dsync'), 'three', { flags: fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_DSYNC })
    assert.equal((await fs.stats()).pendingBytes, 0)

    const cut = await fs.powerCut()
    assert.deepEqual(cut, { droppedFiles: 0, droppedBytes: 0, undoneChanges: 0 })
    assert.equal(read(join(mountPoint, 'fsynced')), 'one')
    assert.equal(read(join(mountPoint, 'fdatasynced')), 'two')
    assert.equal(read(join(mountPoint, 'dsync')), 'three')
  }).skip(!!skipReason, skipReason)

  test('a power cut reverts overwrites, appends, truncations and growth to the last sync', async ({ assert, cleanup }) => {
    const { fs, mountPoint } = await scratchMount(cleanup)
    const big = 'x'.repeat(10_000)
    writeFile(join(mountPoint, 'over'), `${big}tail`, { sync: 'fsync' })
    writeFile(join(mountPoint, 'trunc'), 'keep all of this', { sync: 'fsync' })
    writeFile(join(mountPoint, 'grow'), 'short', { sync: 'fsync' })

    writeFile(join(mountPoint, 'over'), 'OVER', { flags: 'r+', position: 9_998 })
    writeFile(join(mountPoint, 'trunc'), '', { flags: 'w' })
    const fd = openSync(join(mountPoint, 'grow'), 'r+')
    ftruncateSync(fd, 9_000)
    writeSync(fd, 'end', 9_000)
    closeSync(fd)
    assert.equal(read(join(mountPoint, 'over')).slice(9_996), 'xxOVERil')
    assert.equal(read(join(mountPoint, 'trunc')), '')
    assert.equal(read(join(mountPoint, 'grow')), `short${'\0'.repeat(8_995)}end`)

    const cut = await fs.powerCut()
    assert.equal(cut.droppedFiles, 3)
    assert.equal(read(join(mountPoint, 'over')), `${big}tail`)
    assert.equal(read(join(mountPoint, 'trunc')), 'keep all of this')
    assert.equal(read(join(mountPoint, 'grow')), 'short')
    assert.equal((await fs.stats()).pendingBytes, 0)
  }).skip(!!skipReason, skipReason)

  test('a truncation then growth reads zeros, before and after it is synced', async ({ assert, cleanup }) => {
    const { fs, backingDir, mountPoint } = await scratchMount(cleanup)
    writeFile(join(mountPoint, 'f'), 'abcdefghij', { sync: 'fsync' })
    const fd = openSync(join(mountPoint, 'f'), 'r+')
    ftruncateSync(fd, 2)
    ftruncateSync(fd, 6)
    assert.equal(read(join(mountPoint, 'f')), 'ab\0\0\0\0')
    fsyncSync(fd)
    closeSync(fd)
    await fs.powerCut()
    assert.equal(read(join(mountPoint, 'f')), 'ab\0\0\0\0')
    assert.equal(read(join(backingDir, 'f')), 'ab\0\0\0\0')
  }).skip(!!skipReason, skipReason)

  test('flush makes everything durable; a clean unmount flushes too', async ({ assert, cleanup }) => {
    const { fs, backingDir, mountPoint } = await scratchMount(cleanup)
    writeFile(join(mountPoint, 'flushed'), 'by command')
    await fs.flush()
    assert.equal(read(join(backingDir, 'flushed')), 'by command')
    writeFile(join(mountPoint, 'at-unmount'), 'by unmount')
    assert.equal(read(join(backingDir, 'at-unmount')), '')
    await fs.unmount()
    assert.equal(read(join(backingDir, 'at-unmount')), 'by unmount')
    assert.deepEqual(readdirSync(backingDir).sort(), ['at-unmount', 'flushed'], 'no graveyard left behind')
  }).skip(!!skipReason, skipReason)
})

test.group('lazyfs: names', (group) => {
  group.tap((t) => t.tags(['integration']))
  group.setup(async () => {
    if (!skipReason) await ensureLazyFs()
  })

  test('creates and mkdirs no sync committed vanish in a power cut', async ({ assert, cleanup }) => {
    const { fs, backingDir, mountPoint } = await scratchMount(cleanup)
    mkdirSync(join(mountPoint, 'dir'))
    writeFile(join(mountPoint, 'dir', 'inner'), 'x')
    writeFile(join(mountPoint, 'top'), 'y')
    const cut = await fs.powerCut()
    assert.equal(cut.undoneChanges, 3)
    assert.deepEqual(readdirSync(mountPoint), [])
    assert.isFalse(existsSync(join(mountPoint, 'top')))
    assert.deepEqual(readdirSync(backingDir), ['.lazyfs-graveyard'])
  }).skip(!!skipReason, skipReason)

  test('an fsync of any file or directory commits every namespace change before it (one journal, as ext4)', async ({ assert, cleanup }) => {
    const { fs, mountPoint } = await scratchMount(cleanup)
    mkdirSync(join(mountPoint, 'dir'))
    writeFile(join(mountPoint, 'dir', 'empty-but-named'), 'data never synced')
    writeFile(join(mountPoint, 'other'), 'synced', { sync: 'fsync' })
    writeFile(join(mountPoint, 'after'), 'created after the sync')
    await fs.powerCut()
    assert.deepEqual(readdirSync(mountPoint).sort(), ['dir', 'other'])
    assert.equal(read(join(mountPoint, 'dir', 'empty-but-named')), '', 'the name is durable, its data is not')
    assert.equal(read(join(mountPoint, 'other')), 'synced')

    writeFile(join(mountPoint, 'by-dir-sync'), 'z')
    syncDir(mountPoint)
    await fs.powerCut()
    assert.isTrue(existsSync(join(mountPoint, 'by-dir-sync')))
  }).skip(!!skipReason, skipReason)

  test('unlinks and rmdirs no sync committed are undone; committed ones stay', async ({ assert, cleanup }) => {
    const { fs, mountPoint } = await scratchMount(cleanup)
    mkdirSync(join(mountPoint, 'dir'))
    writeFile(join(mountPoint, 'file'), 'contents', { sync: 'fsync' })
    writeFile(join(mountPoint, 'gone'), 'for good', { sync: 'fsync' })
    unlinkSync(join(mountPoint, 'gone'))
    syncDir(mountPoint)

    unlinkSync(join(mountPoint, 'file'))
    rmdirSync(join(mountPoint, 'dir'))
    assert.deepEqual(readdirSync(mountPoint), [])
    assert.deepEqual((await fs.stats()).changes, [
      { kind: 'remove', path: 'file' },
      { kind: 'remove', path: 'dir' },
    ])
    await fs.powerCut()
    assert.deepEqual(readdirSync(mountPoint).sort(), ['dir', 'file'])
    assert.equal(read(join(mountPoint, 'file')), 'contents')
  }).skip(!!skipReason, skipReason)

  test('a rename no sync committed is undone, and the file it replaced comes back', async ({ assert, cleanup }) => {
    const { fs, mountPoint } = await scratchMount(cleanup)
    writeFile(join(mountPoint, 'current'), 'old version', { sync: 'fsync' })
    // The classic atomic replace, without the final directory fsync.
    writeFile(join(mountPoint, 'current.tmp'), 'new version', { sync: 'fsync' })
    renameSync(join(mountPoint, 'current.tmp'), join(mountPoint, 'current'))
    assert.equal(read(join(mountPoint, 'current')), 'new version')
    await fs.powerCut()
    assert.deepEqual(readdirSync(mountPoint).sort(), ['current', 'current.tmp'])
    assert.equal(read(join(mountPoint, 'current')), 'old version')
    assert.equal(read(join(mountPoint, 'current.tmp')), 'new version')

    // With the directory fsync the replace is durable.
    renameSync(join(mountPoint, 'current.tmp'), join(mountPoint, 'current'))
    syncDir(mountPoint)
    await fs.powerCut()
    assert.deepEqual(readdirSync(mountPoint), ['current'])
    assert.equal(read(join(mountPoint, 'current')), 'new version')
  }).skip(!!skipReason, skipReason)

  test('the graveyard is hidden and cannot be named through the mount', async ({ assert, cleanup }) => {
    const { mountPoint } = await scratchMount(cleanup)
    writeFile(join(mountPoint, 'f'), 'x')
    unlinkSync(join(mountPoint, 'f'))
    assert.deepEqual(readdirSync(mountPoint), [])
    assert.isFalse(existsSync(join(mountPoint, '.lazyfs-graveyard')))
    assert.throws(() => mkdirSync(join(mountPoint, '.lazyfs-graveyard')), /EPERM/)
  }).skip(!!skipReason, skipReason)
})

test.group('lazyfs: bad input', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('without Go (or FUSE) mounting is refused with a LazyFsUnavailableError saying why', async ({ assert, cleanup }) => {
    const path = process.env.PATH
    cleanup(() => {
      process.env.PATH = path
    })
    process.env.PATH = '/nonexistent'
    const support = lazyFsSupport()
    assert.isFalse(support.ok)
    const error = await LazyFs.mount(scratchDirs(cleanup)).catch((caught: unknown) => caught)
    assert.instanceOf(error, LazyFsUnavailableError)
    assert.match((error as Error).message, /^lazyfs cannot run here: .*(Go toolchain|fuse|Linux)/)
  })

  test('mount refuses a missing directory, and a mount point inside the backing dir, by name', async ({ assert, cleanup }) => {
    const { root, backingDir } = scratchDirs(cleanup)
    await assert.rejects(
      () => LazyFs.mount({ backingDir: join(root, 'nope'), mountPoint: backingDir }),
      /backingDir .*nope is not an existing directory/,
    )
    const inside = join(backingDir, 'inside')
    mkdirSync(inside)
    await assert.rejects(() => LazyFs.mount({ backingDir, mountPoint: inside }), /must be separate directories/)
  }).skip(!!skipReason, skipReason)
})
