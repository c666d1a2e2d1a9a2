import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { test } from '@japa/runner'
import { open } from 'lmdb'
import { StorageLockedError } from './errors.ts'
import { decodeWrites } from './memtable.ts'
import { Storage } from './storage.ts'
import { applyWrite, emptyObject, merge, type VersionedObject } from './versioning.ts'
import { WriteAheadLog } from './write-ahead-log.ts'

/** A data dir whose lock file names `pid`, as if that process had opened it. */
function dirLockedBy(pid: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'quorumlab-storage-'))
  writeFileSync(join(dir, 'quorumlab.lock'), String(pid))
  return dir
}

/** Makes empty data dirs, each removed after the test that made it. */
function freshDirs(group: { each: { teardown(cleanup: () => void): void } }): () => string {
  const dirs: string[] = []
  group.each.teardown(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'quorumlab-storage-'))
    dirs.push(dir)
    return dir
  }
}

function thrownBy(action: () => unknown): unknown {
  try {
    action()
  } catch (error) {
    return error
  }
  return undefined
}

test.group('storage: data-dir lock', (group) => {
  group.tap((t) => t.tags(['integration']))
  const dirs: string[] = []
  group.each.teardown(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  test('a dir held by another live process is refused with a StorageLockedError', ({ assert }) => {
    // The test runner's parent (npm, a shell) is alive for as long as this test runs.
    const dir = dirLockedBy(process.ppid)
    dirs.push(dir)
    const error = thrownBy(() => Storage.open({ dir }))
    assert.instanceOf(error, StorageLockedError)
    assert.include((error as Error).message, `in use by pid ${process.ppid}`)
    assert.equal(readFileSync(join(dir, 'quorumlab.lock'), 'utf8'), String(process.ppid))
  })

  test('a lock left by a process that is gone is taken over', async ({ assert }) => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    const dir = dirLockedBy(Number(gone.stdout))
    dirs.push(dir)
    const storage = Storage.open({ dir })
    assert.equal(readFileSync(join(dir, 'quorumlab.lock'), 'utf8'), String(process.pid))
    await storage.close()
  })
})

test.group('storage: objects on disk', (group) => {
  const newDir = freshDirs(group)
  const value = { nested: { list: [1, 'two', null, true, { deep: 2.5 }], empty: {} }, '1': 'numeric key' }
  const written = (node: string, counter: number, v: unknown): VersionedObject =>
    applyWrite('dvv', emptyObject(), { node, counter, context: { clock: {}, dots: [] }, value: v, deleted: false, ts: 1_764_400_000_000 })
      .object
  const object = merge('dvv', written('n1.a', 1, value), written('n2.b', 7, 'plain'))

  test('objects are stored as plain MessagePack maps and read back whole after a restart', async ({ assert }) => {
    const dir = newDir()
    const storage = Storage.open({ dir })
    await storage.update('k', () => ({ store: object, result: undefined }))
    await storage.close()
    const raw = open({ path: dir, maxDbs: 16 })
    const bytes = raw.openDB<Buffer, string>({ name: 'objects', encoding: 'binary' }).get('k')!
    await raw.close()
    // A map ({context, siblings}): a fixmap (0x80-0x8f), map16 (0xde) or map32 (0xdf); msgpackr's records start with an
    // inline definition (0xd4 0x72) or a record id (0x40-0x7f).
    assert.isTrue((bytes[0] & 0xf0) === 0x80 || bytes[0] === 0xde || bytes[0] === 0xdf, `starts with 0x${bytes[0].toString(16)}`)
    const reopened = Storage.open({ dir })
    assert.deepEqual(reopened.get('k'), object)
    assert.deepEqual([...reopened.knownKeys()], ['k'])
    await reopened.close()
  })

  test('an object a checkpoint copied into LMDB as bytes reads back whole in the same process, and updates on top of it', async ({
    assert,
  }) => {
    const storage = Storage.open({ dir: newDir() })
    try {
      await storage.update('k', () => ({ store: object, result: undefined }))
      // begin() checkpoints what is in memory: the next read is LMDB's.
      await storage.begin()
      assert.deepEqual(storage.get('k'), object)
      const next = merge('dvv', object, written('n3.c', 2, 'third'))
      await storage.update('k', (current) => ({ store: merge('dvv', current!, written('n3.c', 2, 'third')), result: undefined }))
      await storage.begin()
      assert.deepEqual(storage.get('k'), next)
    } finally {
      await storage.close()
    }
  })

  test('objects written as msgpackr records (before 2026-11-29) are still read', async ({ assert }) => {
    const dir = newDir()
    const earlier = open({ path: dir, maxDbs: 16 })
    await earlier.openDB<VersionedObject, string>({ name: 'objects' }).put('k', object)
    await earlier.close()
    const storage = Storage.open({ dir })
    assert.deepEqual(storage.get('k'), object)
    await storage.close()
  })
})

test.group('storage: write-ahead log and checkpoints', (group) => {
  group.tap((t) => t.tags(['integration']))
  const newDir = freshDirs(group)
  const plain = (counter: number, v: unknown): VersionedObject =>
    applyWrite('dvv', emptyObject(), { node: 'n1.a', counter, context: { clock: {}, dots: [] }, value: v, deleted: false, ts: 0 }).object

  test('what a process acknowledged and then lost to SIGKILL before a checkpoint is replayed from the log', async ({ assert }) => {
    const dir = newDir()
    const storageModule = pathToFileURL(join(import.meta.dirname, 'storage.ts')).href
    const versioningModule = pathToFileURL(join(import.meta.dirname, 'versioning.ts')).href
    // Acknowledged writes of every kind, then SIGKILL at once: well before the first checkpoint (200 ms).
    const script = `
      import { Storage } from '${storageModule}'
      import { applyWrite, emptyObject } from '${versioningModule}'
      const storage = Storage.open({ dir: ${JSON.stringify(dir)} })
      await storage.begin()
      const object = (v) => applyWrite('dvv', emptyObject(), { node: 'n1.a', counter: 1, context: { clock: {}, dots: [] }, value: v, deleted: false, ts: 0 }).object
      await Promise.all(Array.from({ length: 100 }, (_, i) => storage.update('k' + i, () => ({ store: object(i), result: undefined }))))
      await storage.updateHint('n2', 'gone', () => object('hint'))
      await storage.deleteHintIf('n2', 'gone', () => true)
      await storage.updateHint('n3', 'kept', () => object('hint'))
      const table = storage.table('t')
      await table.commit(() => { table.put('a', 1); table.put('b', 2) })
      await table.commit(() => table.remove('a'))
      process.kill(process.pid, 'SIGKILL')
    `
    // A child that hangs instead of killing itself is killed (SIGTERM) after 30 s, and the test fails on its signal.
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    })
    assert.equal(child.signal, 'SIGKILL', child.stderr)
    const logged = WriteAheadLog.open({ dir: join(dir, 'wal') }).records.map(
      ({ payload }) => decodeWrites(payload).get('objects')?.size ?? 0,
    )
    assert.equal(
      logged.reduce((sum, n) => sum + n, 0),
      100,
      'the writes are in the log',
    )

    const storage = Storage.open({ dir })
    try {
      for (let i = 0; i < 100; i++) assert.deepEqual(storage.get(`k${i}`), plain(1, i))
      assert.deepEqual(
        [...storage.hints()].map((h) => `${h.owner}/${h.key}`),
        ['n3/kept'],
      )
      assert.deepEqual([...storage.table<number>('t').entries()], [['b', 2]])
      assert.lengthOf([...storage.keys()], 100)
    } finally {
      await storage.close()
    }
  })

  test("one turn's transactions go into the log as one record; each resolves once that record is on disk", async ({ assert }) => {
    const storage = Storage.open({ dir: newDir() })
    const append = WriteAheadLog.prototype.append
    const appended: number[] = []
    let onDisk = 0
    WriteAheadLog.prototype.append = function (this: WriteAheadLog, payload: Buffer) {
      appended.push(decodeWrites(payload).get('objects')?.size ?? 0)
      return append.call(this, payload).then(() => {
        onDisk += 1
      })
    }
    try {
      // How many records were on disk when each transaction resolved.
      const durable: number[] = []
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          storage.update(`k${i}`, () => ({ store: plain(1, i), result: undefined })).then(() => durable.push(onDisk)),
        ),
      )
      await storage.update('later', () => ({ store: plain(2, 'later'), result: undefined }))
      assert.deepEqual(appended, [10, 1])
      assert.deepEqual(durable, Array(10).fill(1))
    } finally {
      WriteAheadLog.prototype.append = append
      await storage.close()
    }
  })

  test('entries merge what is in memory with what a checkpoint put in LMDB: in key order, removed ones left out', async ({ assert }) => {
    const dir = newDir()
    const first = Storage.open({ dir })
    const before = first.table<string>('t')
    await before.commit(() => {
      for (const id of ['a', 'c', 'e', 'é']) before.put(id, `${id} in LMDB`)
    })
    await first.close()

    const storage = Storage.open({ dir })
    try {
      const table = storage.table<string>('t')
      await table.commit(() => {
        table.put('b', 'b in memory')
        table.put('e', 'e in memory')
        table.put('f', 'f in memory')
        table.remove('c')
      })
      assert.deepEqual(
        [...table.entries()],
        [
          ['a', 'a in LMDB'],
          ['b', 'b in memory'],
          ['e', 'e in memory'],
          ['f', 'f in memory'],
          ['é', 'é in LMDB'],
        ],
      )
      assert.deepEqual(
        [...table.entries('b')].map(([id]) => id),
        ['e', 'f', 'é'],
      )
    } finally {
      await storage.close()
    }
  })
})
