/**
 * Durable storage of a node: the versioned object of each key, the hints held for other
 * nodes, and small metadata (the data dir's incarnation, the dot counter, the gossip
 * generation). Every write goes through one transaction whose promise resolves only once
 * it is on disk, so a replica that acknowledges after `await` has made the write durable.
 *
 * A transaction is made durable by a write-ahead log (`write-ahead-log.ts`: one flush per
 * group of writes) and kept in memory (a memtable, read before LMDB) until a checkpoint
 * copies what is in memory into LMDB in one durable commit, with the LSN the log is to be
 * replayed from; the log's older segments are then deleted. A restart replays the log from
 * there. LMDB alone flushes twice per commit, and a commit per write: this is what kept
 * the store's PUTs near etcd's (BENCHMARKS.md, "The floor of a PUT").
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { asBinary, open, type Database, type DatabaseOptions, type RootDatabase } from 'lmdb'
import { isProcessAlive } from '../common/helpers/pid.ts'
import { StorageLockedError } from './errors.ts'
import { applyWrites, byteOrder, decodeWrites, encodeValue, encodeWrites, type Memtable, REMOVED, writesTo } from './memtable.ts'
import { mutant } from './mutants.ts'
import type { VersionedObject } from './versioning.ts'
import { WriteAheadLog } from './write-ahead-log.ts'

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

/**
 * Writes held in memory at most before a checkpoint copies them into LMDB. The copy runs
 * on the event loop (a few µs a write), so checkpoints are kept small: 4,096 writes every
 * 200 ms stalled a node for ~15 ms, long enough to delay its replication and its own acks
 * together (a PUT's p99, and PBS's calm predictions, which take the two as independent).
 */
const CHECKPOINT_WRITES = 1024
/** Bytes of log records held in memory at most before a checkpoint (so the log stays about a segment long). */
const CHECKPOINT_BYTES = 1 << 20
/**
 * How long a write stays in memory at most before a checkpoint, ms. Under load the limits
 * above start one first; each commit has a cost of its own (two flushes, the log's
 * segments listed), which at 50 ms was 4-5% of a PUT's CPU.
 */
const CHECKPOINT_MS = 200
/** Meta key of the LSN the log is replayed from: every write below it is in LMDB. */
const CHECKPOINT_KEY = 'log-checkpoint'

export class Storage {
  #lock: string
  #root: RootDatabase
  #log: WriteAheadLog
  #tables = new Map<string, Database<unknown, string>>()
  /** Writes since the running checkpoint (if any) began: the newest state, above {@link #frozen}. */
  #active: Memtable = new Map()
  #activeWrites = 0
  #activeBytes = 0
  /** The last checkpoint failed (a full disk): no transaction runs until one succeeds, so the log cannot outgrow what LMDB can take. */
  #checkpointFailed = false
  /** Writes a running (or failed) checkpoint is copying into LMDB, and the LSN of the first write not among them. */
  #frozen: { memtable: Memtable; upTo: number } | undefined
  /** The running transaction's writes: applied when it returns, or not at all. */
  #staged: Memtable | undefined
  /** The last record appended to the log (or to be, this turn): a transaction that writes nothing is durable once it is. */
  #lastAppend: Promise<void> = Promise.resolve()
  /** This turn's transactions, not yet in the log: one record for all of them (see {@link #logged}). */
  #unlogged: { writes: Memtable[]; appended: Promise<void>; settle(appending: Promise<void>): void } | undefined
  #checkpointing: Promise<void> | undefined
  #checkpointTimer: NodeJS.Timeout | undefined
  #counter: number
  /**
   * Every key the objects table may hold, in LMDB or in memory (objects are never removed;
   * a transaction that fails after a write leaves its key here, which only costs a lookup).
   * A key not here is not looked up in LMDB: most PUTs write a fresh key, and LMDB's miss
   * cost its write path more than this set does.
   */
  #objectKeys: Set<string>
  /** Counters up to here are reserved on disk, committed; a restart goes on from here, never reusing one. */
  #reserved: number
  /** The highest reservation a transaction wrote, committed or not yet. */
  #reserving: number

  private constructor(root: RootDatabase, lock: string, dir: string) {
    this.#lock = lock
    this.#root = root
    const sync = !mutant('skip-fsync')
    const { log, records } = WriteAheadLog.open({ dir: join(dir, 'wal'), sync }, Number(this.#db('meta').get(CHECKPOINT_KEY) ?? 0))
    this.#log = log
    for (const { payload } of records) {
      this.#activeWrites += applyWrites(this.#active, decodeWrites(payload))
      this.#activeBytes += payload.length
    }
    if (this.#activeWrites > 0) this.#checkpointSoon()
    this.#objectKeys = new Set(this.#keys('objects'))
    this.#reserved = Number(this.#read('meta', 'counter') ?? 0)
    this.#reserving = this.#reserved
    this.#counter = this.#reserved
  }

  static open({ dir }: StorageOptions): Storage {
    mkdirSync(dir, { recursive: true })
    const lock = lockDir(dir)
    try {
      return new Storage(open({ path: dir, maxDbs: 16, noSync: mutant('skip-fsync') }), lock, dir)
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
    if (!this.#objectKeys.has(key)) return undefined
    return this.#read('objects', key) as VersionedObject | undefined
  }

  /**
   * Reads, transforms and writes one key atomically and durably. `change` gets the
   * current object (undefined when absent) and a source of unique dot counters, and
   * returns the object to store (or undefined to leave the key as it is). Resolves once
   * the write is on disk. What `change` computed may leave the node earlier only if it
   * took no counter beyond {@link reserved} (a dot whose reservation is lost in a crash
   * would be issued again after the restart).
   */
  async update<T>(
    key: string,
    change: (current: VersionedObject | undefined, nextCounter: () => number) => { store?: VersionedObject; result: T },
  ): Promise<T> {
    let reservation = 0
    const result = await this.#transaction(() => {
      const { store, result } = change(this.get(key), () => {
        const { counter, reserving } = this.#nextCounter()
        reservation = Math.max(reservation, reserving)
        return counter
      })
      if (store) this.#storeObject(key, store)
      return result
    })
    // Only a committed reservation may be issued from without writing it again.
    if (reservation > this.#reserved) this.#reserved = reservation
    return result
  }

  /**
   * {@link update} for several keys in one transaction (one record for all of them), in
   * order: a key listed twice sees its first change. `change` gets each key's index in
   * `keys` and takes no dot counters. Resolves, once on disk, to each key's result.
   */
  updateMany<T>(
    keys: readonly string[],
    change: (key: string, current: VersionedObject | undefined, index: number) => { store?: VersionedObject; result: T },
  ): Promise<T[]> {
    return this.#transaction(() =>
      keys.map((key, index) => {
        const { store, result } = change(key, this.get(key), index)
        if (store) this.#storeObject(key, store)
        return result
      }),
    )
  }

  /**
   * Every key the objects table may hold, in no order, from memory: at open exactly the
   * stored keys (what a node's start hands its Merkle index, without listing LMDB again).
   */
  knownKeys(): IterableIterator<string> {
    return this.#objectKeys.values()
  }

  /** Every stored key, in key order. */
  *keys(): Generator<string> {
    yield* this.#keys('objects')
  }

  /** Stores or merges a hint for `owner`, durably. */
  updateHint(owner: string, key: string, change: (current: VersionedObject | undefined) => VersionedObject): Promise<void> {
    const id = hintId(owner, key)
    return this.#transaction(() => {
      this.#write('hints', id, { owner, key, object: change((this.#read('hints', id) as Hint | undefined)?.object) })
    })
  }

  *hints(): Generator<Hint> {
    for (const id of this.#keys('hints')) {
      const hint = this.#read('hints', id) as Hint | undefined
      if (hint) yield hint
    }
  }

  /** Deletes a hint if `unchanged` says it is still the one that was delivered. */
  deleteHintIf(owner: string, key: string, unchanged: (current: VersionedObject) => boolean): Promise<boolean> {
    const id = hintId(owner, key)
    return this.#transaction(() => {
      const current = this.#read('hints', id) as Hint | undefined
      if (!current || !unchanged(current.object)) return false
      this.#write('hints', id, REMOVED)
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
    // What the log replayed goes into LMDB first, freeing the log's space for new writes.
    await this.#checkpoint()
    return this.#transaction(() => {
      const stored = this.#read('meta', 'incarnation')
      const incarnation = typeof stored === 'string' ? stored : randomBytes(INCARNATION_BYTES).toString('hex')
      if (incarnation !== stored) this.#write('meta', 'incarnation', incarnation)
      const generation = Math.max(Number(this.#read('meta', 'generation') ?? 0) + 1, Date.now())
      this.#write('meta', 'generation', generation)
      return { incarnation, generation }
    })
  }

  /**
   * A table of its own beside the objects, for a consistency mode's durable state. Write
   * to it inside {@link update}'s `change`, so those writes commit with the key's, or
   * through {@link Table.commit}.
   */
  table<V>(name: string): Table<V> {
    const table = `table:${name}`
    const write = (id: string, value: unknown): void => {
      if (this.#staged) this.#write(table, id, value)
      else void this.#transaction(() => this.#write(table, id, value)).catch(() => {})
    }
    const storage = this
    return {
      get: (id) => this.#read(table, id) as V | undefined,
      put: (id, value) => write(id, value),
      remove: (id) => write(id, REMOVED),
      *entries(after) {
        for (const id of storage.#keys(table, after)) {
          const value = storage.#read(table, id) as V | undefined
          if (value !== undefined) yield [id, value]
        }
      },
      commit: (body) => this.#transaction(body),
    }
  }

  /** Flushes the log, copies what is in memory into LMDB (so a restart has nothing to replay) and closes. */
  async close(): Promise<void> {
    this.#appendUnlogged()
    await this.#log.close()
    await this.#checkpointing?.catch(() => {})
    await this.#checkpoint().catch(() => {})
    clearTimeout(this.#checkpointTimer)
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
    if (!mutant('counter-not-reserved')) this.#write('meta', 'counter', this.#reserving)
    return { counter: this.#counter, reserving: this.#reserving }
  }

  /**
   * One transaction: `body` runs now, reading and writing through {@link #read} and
   * {@link #write}; its writes are applied when it returns (visible at once) and appended
   * to the log as one record. Resolves once that record is on disk; a write that fails
   * (a full disk) rejects it.
   */
  #transaction<T>(body: () => T): Promise<T> {
    if (this.#staged) return Promise.reject(new Error('a storage transaction was begun inside another'))
    if (this.#checkpointFailed) return this.#checkpoint().then(() => this.#transaction(body))
    const staged: Memtable = new Map()
    this.#staged = staged
    let result: T
    try {
      result = body()
    } catch (error) {
      return Promise.reject(error)
    } finally {
      this.#staged = undefined
    }
    if (staged.size === 0) return this.#lastAppend.then(() => result)
    this.#activeWrites += applyWrites(this.#active, staged)
    const appended = this.#logged(staged)
    this.#checkpointSoon()
    return appended.then(() => result)
  }

  /**
   * Resolves once a transaction's writes are on disk. The transactions of one turn of the
   * event loop (the client writes and peers' batches read from every socket that was
   * ready) go into the log as one record once the turn is over: one encoding, one checksum
   * and one wait instead of one each. A crash before the record is whole loses them all,
   * and none of them was acknowledged yet.
   */
  #logged(writes: Memtable): Promise<void> {
    if (!this.#unlogged) {
      let settle!: (appending: Promise<void>) => void
      const appended = new Promise<void>((resolve, reject) => {
        settle = (appending) => appending.then(resolve, reject)
      })
      this.#unlogged = { writes: [], appended, settle }
      this.#lastAppend = appended.catch(() => {})
      setImmediate(() => this.#appendUnlogged())
    }
    this.#unlogged.writes.push(writes)
    return this.#unlogged.appended
  }

  /** Appends this turn's transactions as one record (see {@link #logged}). */
  #appendUnlogged(): void {
    const unlogged = this.#unlogged
    if (!unlogged) return
    this.#unlogged = undefined
    const record = encodeWrites(...unlogged.writes)
    this.#activeBytes += record.length
    unlogged.settle(this.#log.append(record))
    this.#checkpointSoon()
  }

  /** A key's value: the running transaction's, then the newest in memory, then LMDB's. */
  #read(table: string, key: string): unknown {
    let value = this.#inMemory(table, key)
    if (value === undefined) value = this.#db(table).get(key)
    return value === REMOVED ? undefined : value
  }

  /** A key's newest value in memory ({@link REMOVED} included), or undefined when it has none there. */
  #inMemory(table: string, key: string): unknown {
    let value = this.#staged?.get(table)?.get(key)
    if (value === undefined) value = this.#active.get(table)?.get(key)
    if (value === undefined) value = this.#frozen?.memtable.get(table)?.get(key)
    return value
  }

  #storeObject(key: string, object: VersionedObject): void {
    this.#objectKeys.add(key)
    this.#write('objects', key, object)
  }

  #write(table: string, key: string, value: unknown): void {
    const staged = this.#staged
    if (!staged) throw new Error(`a write to ${table} outside a storage transaction`)
    writesTo(staged, table).set(key, value)
  }

  /**
   * A table's keys after `after` that hold a value, in LMDB's order (UTF-8 bytes): those in
   * LMDB merged with those in memory, without reading LMDB's values.
   */
  *#keys(table: string, after?: string): Generator<string> {
    const inMemory = new Set<string>()
    for (const memtable of [this.#staged, this.#active, this.#frozen?.memtable]) {
      for (const key of memtable?.get(table)?.keys() ?? []) if (after === undefined || byteOrder(key, after) > 0) inMemory.add(key)
    }
    const memory = [...inMemory].sort(byteOrder)
    const removed = (key: string): boolean => this.#inMemory(table, key) === REMOVED
    let i = 0
    for (const key of this.#db(table).getKeys(after === undefined ? {} : { start: after })) {
      if (key === after) continue
      for (; i < memory.length && byteOrder(memory[i], key) < 0; i++) if (!removed(memory[i])) yield memory[i]
      if (memory[i] === key) i++
      if (!removed(key)) yield key
    }
    for (; i < memory.length; i++) if (!removed(memory[i])) yield memory[i]
  }

  #db(table: string): Database<unknown, string> {
    let db = this.#tables.get(table)
    if (!db) {
      db = this.#root.openDB<unknown, string>(table === 'objects' ? OBJECTS_TABLE : { name: table })
      this.#tables.set(table, db)
    }
    return db
  }

  #checkpointSoon(): void {
    if (this.#activeWrites >= CHECKPOINT_WRITES || this.#activeBytes >= CHECKPOINT_BYTES) void this.#checkpoint().catch(() => {})
    else this.#checkpointTimer ??= setTimeout(() => void this.#checkpoint().catch(() => {}), CHECKPOINT_MS).unref()
  }

  /** Runs a checkpoint, or joins the one running. */
  #checkpoint(): Promise<void> {
    this.#checkpointing ??= this.#copyIntoLmdb().finally(() => {
      this.#checkpointing = undefined
    })
    return this.#checkpointing
  }

  /**
   * Copies the writes in memory into LMDB, with the LSN of the first write left out, in
   * one durable commit; then the log's segments it holds are deleted. A commit that fails
   * (a full disk) keeps them in memory and in the log, and is tried again later.
   */
  async #copyIntoLmdb(): Promise<void> {
    clearTimeout(this.#checkpointTimer)
    this.#checkpointTimer = undefined
    do {
      if (!this.#frozen) {
        if (this.#activeWrites === 0) return
        this.#frozen = { memtable: this.#active, upTo: this.#log.next }
        this.#active = new Map()
        this.#activeWrites = 0
        this.#activeBytes = 0
      }
      const { memtable, upTo } = this.#frozen
      try {
        await this.#root.transaction(() => {
          for (const [table, writes] of memtable) {
            const db = this.#db(table)
            // The objects go in as bytes: lmdb caches every value it is given, pinned until the
            // commit, which cost a checkpoint half its CPU for objects nobody reads soon (a
            // read of one decodes it from LMDB once, and that read caches it).
            const encoded = table === 'objects'
            for (const [key, value] of writes) {
              inTransaction(value === REMOVED ? db.remove(key) : db.put(key, encoded ? asBinary(encodeValue(value)) : value))
            }
          }
          inTransaction(this.#db('meta').put(CHECKPOINT_KEY, upTo))
        })
      } catch (error) {
        this.#checkpointFailed = true
        this.#checkpointTimer ??= setTimeout(() => void this.#checkpoint().catch(() => {}), CHECKPOINT_MS).unref()
        ;(error as { commitError?: Promise<unknown> } | undefined)?.commitError?.catch(() => {})
        throw error
      }
      this.#frozen = undefined
      this.#checkpointFailed = false
      this.#log.dropBefore(upTo)
    } while (this.#activeWrites >= CHECKPOINT_WRITES || this.#activeBytes >= CHECKPOINT_BYTES)
    if (this.#activeWrites > 0) this.#checkpointSoon()
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
  /** Runs `body` in a transaction of its own (now); resolves once it is on disk. */
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
