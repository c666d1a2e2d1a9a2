/**
 * Durable storage of a node on LMDB: the versioned object of each key, the hints held
 * for other nodes, and small metadata (the dot counter). Every write goes through one
 * transaction whose promise resolves only once the commit is flushed to disk, so a
 * replica that acknowledges after `await` has made the write durable.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { open, type Database, type RootDatabase } from 'lmdb'
import { isProcessAlive } from '../common/helpers/pid.ts'
import { StorageLockedError } from './errors.ts'
import { mutant } from './mutants.ts'
import type { VersionedObject } from './versioning.ts'

export type StorageOptions = {
  /** Folder of the database files; created if missing. */
  dir: string
}

/** A write held for a home replica that missed it. */
export type Hint = { owner: string; key: string; object: VersionedObject }

/** Dot counters reserved on disk at a time. */
const COUNTER_BLOCK = 1000

export class Storage {
  #lock: string
  #root: RootDatabase
  #objects: Database<VersionedObject, string>
  #hints: Database<Hint, string>
  #meta: Database<number, string>
  #counter: number
  /** Counters up to here are reserved on disk; a restart goes on from here, never reusing one. */
  #reserved: number

  private constructor(root: RootDatabase, lock: string) {
    this.#lock = lock
    this.#root = root
    // Decoded objects stay cached: hot keys are read on every request. Nothing mutates a stored object.
    this.#objects = root.openDB<VersionedObject, string>({ name: 'objects', cache: true })
    this.#hints = root.openDB<Hint, string>({ name: 'hints' })
    this.#meta = root.openDB<number, string>({ name: 'meta' })
    this.#reserved = this.#meta.get('counter') ?? 0
    this.#counter = this.#reserved
  }

  static open({ dir }: StorageOptions): Storage {
    mkdirSync(dir, { recursive: true })
    const lock = lockDir(dir)
    try {
      return new Storage(open({ path: dir, maxDbs: 16, noSync: mutant('skip-fsync') }), lock)
    } catch (error) {
      rmSync(lock, { force: true })
      throw error
    }
  }

  get(key: string): VersionedObject | undefined {
    return this.#objects.get(key)
  }

  /**
   * Reads, transforms and writes one key atomically and durably. `change` gets the
   * current object (undefined when absent) and a source of unique dot counters, and
   * returns the object to store (or undefined to leave the key as it is). Resolves once
   * the commit is on disk: nothing may leave the node before that (a coordinator that
   * replicated a write it then lost in a crash would reissue its dot, or cover it in
   * its clock without holding it).
   */
  update<T>(
    key: string,
    change: (current: VersionedObject | undefined, nextCounter: () => number) => { store?: VersionedObject; result: T },
  ): Promise<T> {
    return this.#root.transaction(() => {
      const { store, result } = change(this.#objects.get(key), () => this.#nextCounter())
      if (store) void this.#objects.put(key, store)
      return result
    })
  }

  /** Every stored key, in key order. */
  *keys(): Generator<string> {
    for (const key of this.#objects.getKeys()) yield key
  }

  /** Stores or merges a hint for `owner`, durably. */
  updateHint(owner: string, key: string, change: (current: VersionedObject | undefined) => VersionedObject): Promise<void> {
    const id = hintId(owner, key)
    return this.#root.transaction(() => {
      void this.#hints.put(id, { owner, key, object: change(this.#hints.get(id)?.object) })
    })
  }

  *hints(): Generator<Hint> {
    for (const { value } of this.#hints.getRange()) yield value
  }

  /** Deletes a hint if `unchanged` says it is still the one that was delivered. */
  deleteHintIf(owner: string, key: string, unchanged: (current: VersionedObject) => boolean): Promise<boolean> {
    const id = hintId(owner, key)
    return this.#root.transaction(() => {
      const current = this.#hints.get(id)
      if (!current || !unchanged(current.object)) return false
      void this.#hints.remove(id)
      return true
    })
  }

  /** Increments the generation (one per start), durably, and returns it. */
  async bumpGeneration(): Promise<number> {
    return this.#root.transaction(() => {
      const generation = (this.#meta.get('generation') ?? 0) + 1
      void this.#meta.put('generation', generation)
      return generation
    })
  }

  /**
   * A table of its own beside the objects, for a consistency mode's durable state. Write
   * to it inside {@link update}'s `change`, so those writes commit with the key's, or
   * through {@link Table.commit}.
   */
  table<V>(name: string): Table<V> {
    const db = this.#root.openDB<V, string>({ name: `table:${name}` })
    return {
      get: (id) => db.get(id),
      put: (id, value) => void db.put(id, value).catch(() => {}),
      remove: (id) => void db.remove(id).catch(() => {}),
      *entries(after) {
        for (const { key, value } of db.getRange(after === undefined ? {} : { start: after })) {
          if (key !== after) yield [key, value]
        }
      },
      commit: (body) => this.#root.transaction(body),
    }
  }

  async close(): Promise<void> {
    await this.#root.close()
    rmSync(this.#lock, { force: true })
  }

  #nextCounter(): number {
    if (mutant('counter-not-incremented')) return this.#counter + 1
    this.#counter += 1
    // Reserved in blocks, in the same transaction as the write that needs the next one.
    if (this.#counter > this.#reserved) {
      this.#reserved += COUNTER_BLOCK
      if (!mutant('counter-not-reserved')) void this.#meta.put('counter', this.#reserved)
    }
    return this.#counter
  }
}

/** A table beside the objects (see {@link Storage.table}); ids sort as strings. */
export type Table<V> = {
  get(id: string): V | undefined
  /** Inside a transaction: done when the transaction commits. */
  put(id: string, value: V): void
  remove(id: string): void
  /** Entries in id order, after `after` (from the first when undefined). */
  entries(after?: string): Generator<[string, V]>
  /** Runs `body` in a transaction of its own; resolves once it is on disk. */
  commit<T>(body: () => T): Promise<T>
}

const hintId = (owner: string, key: string): string => `${owner}\u0000${key}`

/**
 * Takes `<dir>/quorumlab.lock` for this process. A lock left by a process that is gone
 * (kill -9), or by this very pid (a container restarted as pid 1), is taken over.
 */
function lockDir(dir: string): string {
  const path = join(dir, 'quorumlab.lock')
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx' })
    return path
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const holder = Number(readFileSync(path, 'utf8'))
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isProcessAlive(holder)) {
    throw new StorageLockedError(`data dir ${dir} is in use by pid ${holder} (another node?)`)
  }
  writeFileSync(path, String(process.pid))
  return path
}
