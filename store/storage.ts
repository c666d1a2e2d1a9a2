/**
 * Durable storage of a node on LMDB: the versioned object of each key, the hints held
 * for other nodes, and small metadata (the data dir's incarnation, the dot counter, the
 * gossip generation). Every write goes through one
 * transaction whose promise resolves only once the commit is flushed to disk, so a
 * replica that acknowledges after `await` has made the write durable.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { open, type Database, type DatabaseOptions, type RootDatabase } from 'lmdb'
import { isProcessAlive } from '../common/helpers/pid.ts'
import { StorageLockedError } from './errors.ts'
import { mutant } from './mutants.ts'
import type { VersionedObject } from './versioning.ts'

export type StorageOptions = {
  /** Folder of the database files; created if missing. */
  dir: string
}

/**
 * How the objects table is opened. Decoded objects stay cached: hot keys are read on
 * every request, and nothing mutates a stored object. They are stored as plain
 * MessagePack maps, not msgpackr's records: without shared structures (whose saving a
 * failed commit could lose) every record carried its definitions inline, and encoding
 * them cost more than writing the keys. Objects written as records before are still
 * read. (`useRecords` is msgpackr's option, which lmdb passes on but does not type.)
 */
export const OBJECTS_TABLE: DatabaseOptions & { name: string; useRecords: boolean } = { name: 'objects', cache: true, useRecords: false }

/** A write held for a home replica that missed it. */
export type Hint = { owner: string; key: string; object: VersionedObject }

/** Random bytes of an incarnation id (8 hex digits). */
const INCARNATION_BYTES = 4

/** Dot counters reserved on disk at a time. */
const COUNTER_BLOCK = 1000

export class Storage {
  #lock: string
  #root: RootDatabase
  #objects: Database<VersionedObject, string>
  #hints: Database<Hint, string>
  #meta: Database<number | string, string>
  #counter: number
  /** Counters up to here are reserved on disk, committed; a restart goes on from here, never reusing one. */
  #reserved: number
  /** The highest reservation a transaction wrote, committed or not yet. */
  #reserving: number

  private constructor(root: RootDatabase, lock: string) {
    this.#lock = lock
    this.#root = root
    this.#objects = root.openDB<VersionedObject, string>(OBJECTS_TABLE)
    this.#hints = root.openDB<Hint, string>({ name: 'hints' })
    this.#meta = root.openDB<number | string, string>({ name: 'meta' })
    this.#reserved = Number(this.#meta.get('counter') ?? 0)
    this.#reserving = this.#reserved
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

  /** The highest dot counter handed out so far (after a restart: the reservation it went on from). */
  get issued(): number {
    return this.#counter
  }

  /**
   * Dot counters up to here lie in a reservation that is on disk: a restart goes on above
   * it, so a dot among them can never be issued twice, even if the write that took it is
   * lost before its commit. Only such a dot may leave the node before its write is durable.
   */
  get reserved(): number {
    return this.#reserved
  }

  get(key: string): VersionedObject | undefined {
    return this.#objects.get(key)
  }

  /**
   * Reads, transforms and writes one key atomically and durably. `change` gets the
   * current object (undefined when absent) and a source of unique dot counters, and
   * returns the object to store (or undefined to leave the key as it is). Resolves once
   * the commit is on disk. What `change` computed may leave the node earlier only if it
   * took no counter beyond {@link reserved} (a dot whose reservation is lost in a crash
   * would be issued again after the restart).
   */
  async update<T>(
    key: string,
    change: (current: VersionedObject | undefined, nextCounter: () => number) => { store?: VersionedObject; result: T },
  ): Promise<T> {
    let reservation = 0
    const result = await this.#transaction(() => {
      const { store, result } = change(this.#objects.get(key), () => {
        const { counter, reserving } = this.#nextCounter()
        reservation = Math.max(reservation, reserving)
        return counter
      })
      if (store) inTransaction(this.#objects.put(key, store))
      return result
    })
    // Only a committed reservation may be issued from without writing it again.
    if (reservation > this.#reserved) this.#reserved = reservation
    return result
  }

  /**
   * {@link update} for several keys in one transaction (one commit for all of them);
   * `change` takes no dot counters. Resolves, once on disk, to each key's result.
   */
  updateMany<T>(
    keys: readonly string[],
    change: (key: string, current: VersionedObject | undefined) => { store?: VersionedObject; result: T },
  ): Promise<T[]> {
    return this.#transaction(() =>
      keys.map((key) => {
        const { store, result } = change(key, this.#objects.get(key))
        if (store) inTransaction(this.#objects.put(key, store))
        return result
      }),
    )
  }

  /** Every stored key, in key order. */
  *keys(): Generator<string> {
    for (const key of this.#objects.getKeys()) yield key
  }

  /** Stores or merges a hint for `owner`, durably. */
  updateHint(owner: string, key: string, change: (current: VersionedObject | undefined) => VersionedObject): Promise<void> {
    const id = hintId(owner, key)
    return this.#transaction(() => {
      inTransaction(this.#hints.put(id, { owner, key, object: change(this.#hints.get(id)?.object) }))
    })
  }

  *hints(): Generator<Hint> {
    for (const { value } of this.#hints.getRange()) yield value
  }

  /** Deletes a hint if `unchanged` says it is still the one that was delivered. */
  deleteHintIf(owner: string, key: string, unchanged: (current: VersionedObject) => boolean): Promise<boolean> {
    const id = hintId(owner, key)
    return this.#transaction(() => {
      const current = this.#hints.get(id)
      if (!current || !unchanged(current.object)) return false
      inTransaction(this.#hints.remove(id))
      return true
    })
  }

  /**
   * Starts this data dir's next life: resolves to its incarnation (random, made durably
   * the first time the dir is used, so a dir wiped and made again gets a new one) and to
   * a gossip generation above every earlier one of this dir. The generation is the wall
   * clock in ms, as Cassandra's: a node that lost its dir (and the generation it had)
   * still comes back with a generation its peers have not seen.
   */
  async begin(): Promise<{ incarnation: string; generation: number }> {
    return this.#transaction(() => {
      let incarnation = this.#meta.get('incarnation')
      if (typeof incarnation !== 'string') {
        incarnation = randomBytes(INCARNATION_BYTES).toString('hex')
        inTransaction(this.#meta.put('incarnation', incarnation))
      }
      const generation = Math.max(Number(this.#meta.get('generation') ?? 0) + 1, Date.now())
      inTransaction(this.#meta.put('generation', generation))
      return { incarnation, generation }
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

  /**
   * The next counter, and the reservation the running transaction wrote for it (0:
   * none needed). Counters are reserved in blocks, in the same transaction as the write
   * that takes one; until a reservation is known committed, every transaction that takes
   * a counter beyond the committed one writes it again, so a failed commit can never
   * leave an issued counter unreserved on disk.
   */
  #nextCounter(): { counter: number; reserving: number } {
    if (mutant('counter-not-incremented')) return { counter: this.#counter + 1, reserving: 0 }
    this.#counter += 1
    if (this.#counter <= this.#reserved) return { counter: this.#counter, reserving: 0 }
    if (this.#counter > this.#reserving) this.#reserving = this.#counter - 1 + COUNTER_BLOCK
    if (!mutant('counter-not-reserved')) inTransaction(this.#meta.put('counter', this.#reserving))
    return { counter: this.#counter, reserving: this.#reserving }
  }

  /**
   * One transaction, resolved once its commit is on disk. A commit that fails (a full
   * disk) rejects it; lmdb also rejects the error's `commitError`, which is the same
   * failure and must not go unhandled (it would bring the node down).
   */
  #transaction<T>(body: () => T): Promise<T> {
    return this.#root.transaction(body).catch((error: unknown) => {
      ;(error as { commitError?: Promise<unknown> } | undefined)?.commitError?.catch(() => {})
      throw error
    })
  }
}

/**
 * Keeps a failed commit (a full disk) from bringing the process down. lmdb rejects, with
 * the same failure, promises nobody can hold (its per-turn batch); the transaction's own
 * promise reports it to the writer, which answers 500 and changes nothing, so those are
 * dropped here. Any other unhandled rejection still ends the process, as Node's default.
 */
export function survivingFailedCommits(): void {
  if (process.listeners('unhandledRejection').includes(dropFailedCommit)) return
  process.on('unhandledRejection', dropFailedCommit)
}

/** A failed commit as lmdb reports it: what {@link survivingFailedCommits} drops, and a process-wide crash handler must too. */
export const isFailedCommit = (reason: unknown): boolean => reason instanceof Error && 'commitError' in reason

function dropFailedCommit(reason: unknown): void {
  if (isFailedCommit(reason)) return
  throw reason
}

/**
 * A write inside a transaction: done when the callback returns; its promise settles with
 * the commit, whose failure the transaction's own promise reports.
 */
const inTransaction = (write: Promise<unknown>): void => {
  write.catch(() => {})
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
