/**
 * Where a floor node keeps its writes: a write-ahead log, or LMDB opened as the store
 * opens it. In the log each group of writes that arrive while the previous group is
 * flushed is appended in one write and flushed with one `fdatasync` (group commit, as the
 * store's log and etcd's WAL), into a file preallocated a segment at a time so that a
 * flush writes no file metadata. It keeps the values in memory and is never replayed or
 * checkpointed: the store's log does both (`store/write-ahead-log.ts`, `store/storage.ts`),
 * which is part of what it costs above this floor.
 */
import { mkdirSync } from 'node:fs'
import { open as openFile } from 'node:fs/promises'
import { join } from 'node:path'
import { open } from 'lmdb'
import { OBJECTS_TABLE } from '../../../store/storage.ts'

/** What a node stores for a key: the value and the write's dot, about the size of the store's object for it. */
export type Stored = { values: [{ value: unknown; dot: { node: string; counter: number } }]; clock: Record<string, number> }
export type StoredEntry = { key: string; object: Stored }

export type FloorStorage = {
  /** Applies the entries (calling `applied` once they are, before they are on disk) and resolves once they are durable. */
  write(entries: readonly StoredEntry[], applied?: () => void): Promise<void>
  get(key: string): Stored | undefined
  close(): Promise<void>
}

/** LMDB as the store opens it: one transaction per write or batch; `sync: false` commits without flushing. */
export function lmdbStorage(dir: string, sync: boolean): FloorStorage {
  const root = open({ path: dir, maxDbs: 16, noSync: !sync })
  const objects = root.openDB<Stored, string>(OBJECTS_TABLE)
  return {
    write: async (entries, applied) => {
      await root.transaction(() => {
        for (const { key, object } of entries) objects.put(key, object)
        applied?.()
      })
    },
    get: (key) => objects.get(key),
    close: () => root.close(),
  }
}

/** Log space preallocated at a time, bytes. */
const SEGMENT_BYTES = 64 << 20

/** An append-only log with group commit (see the module's comment); `sync: false` never flushes it. */
export async function logStorage(dir: string, sync: boolean): Promise<FloorStorage> {
  mkdirSync(dir, { recursive: true })
  const file = await openFile(join(dir, 'wal'), 'w+')
  let allocated = 0
  let end = 0
  const extend = async (): Promise<void> => {
    await file.write(Buffer.alloc(SEGMENT_BYTES), 0, SEGMENT_BYTES, allocated)
    await file.sync()
    allocated += SEGMENT_BYTES
  }
  await extend()
  const values = new Map<string, Stored>()
  let waiting: Array<{ bytes: Buffer; resolve: () => void; reject: (error: unknown) => void }> = []
  let flushing = false
  const flush = async (): Promise<void> => {
    flushing = true
    while (waiting.length > 0) {
      const group = waiting
      waiting = []
      try {
        const bytes = Buffer.concat(group.map((entry) => entry.bytes))
        while (end + bytes.length > allocated) await extend()
        await file.write(bytes, 0, bytes.length, end)
        end += bytes.length
        if (sync) await file.datasync()
        for (const entry of group) entry.resolve()
      } catch (error) {
        for (const entry of group) entry.reject(error)
      }
    }
    flushing = false
  }
  return {
    write: (entries, applied) => {
      for (const { key, object } of entries) values.set(key, object)
      applied?.()
      const bytes = Buffer.from(entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''))
      return new Promise((resolve, reject) => {
        waiting.push({ bytes, resolve, reject })
        if (!flushing) void flush()
      })
    },
    get: (key) => values.get(key),
    close: () => file.close(),
  }
}
