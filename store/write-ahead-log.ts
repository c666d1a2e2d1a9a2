/**
 * A node's write-ahead log: what makes a write durable before it reaches LMDB. Each
 * record gets the next log sequence number (LSN); records appended while the previous
 * group is being flushed are written together and flushed once (group commit, as etcd's
 * WAL), so a write costs one flush shared with its neighbours instead of LMDB's two
 * flushes per commit. Segments are written through an `O_DSYNC` descriptor: a group's
 * write returns once it is on disk, as a write then an `fdatasync` would, in one trip to
 * the thread pool instead of two.
 *
 * The log is a folder of segments, each named by the LSN of its first record and
 * preallocated with zeros (so a flush writes no file metadata). A record is a 16-byte
 * header (payload length, CRC-32 of LSN and payload, LSN) and its payload. A segment is
 * read up to its first record that is not whole, fails its checksum or does not follow
 * the one before it: that is where a crash cut the last group short, or where a write
 * failed and the log went on in a new segment. Records of a later segment were written
 * only after every earlier one was flushed.
 */
import { constants, mkdirSync, readdirSync, readFileSync, rmSync, write } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'

export type WriteAheadLogOptions = {
  /** Folder of the segments; created if missing. */
  dir: string
  /** Flush each group to disk (default true: segments opened with `O_DSYNC`); false never flushes (the skip-fsync mutant). */
  sync?: boolean
  /** Size a segment is preallocated to, bytes (default 1 MiB; a larger record gets a segment of its own size). */
  segmentBytes?: number
}

/** A record read back: its LSN and the payload appended. */
export type LogRecord = { lsn: number; payload: Buffer }

const { O_CREAT, O_DSYNC, O_RDWR, O_TRUNC } = constants
const HEADER_BYTES = 16
const DEFAULT_SEGMENT_BYTES = 1 << 20
const SEGMENT_NAME = /^(\d{16})\.wal$/

type Segment = { file: FileHandle; first: number; end: number; size: number }
type Pending = { lsn: number; bytes: Buffer; resolve(): void; reject(error: unknown): void }

export class WriteAheadLog {
  #dir: string
  #sync: boolean
  #segmentBytes: number
  #next: number
  #segment: Segment | undefined
  #pending: Pending[] = []
  /** The running flush loop, if any: it takes groups until none is pending. */
  #flushing: Promise<void> | undefined
  #closed = false
  #flushes = 0

  private constructor(dir: string, sync: boolean, segmentBytes: number, next: number) {
    this.#dir = dir
    this.#sync = sync
    this.#segmentBytes = segmentBytes
    this.#next = next
  }

  /**
   * Opens the log in `dir` and reads back every whole record with an LSN of at least
   * `from`, in order. New records go to a new segment, after the last record read.
   */
  static open(
    { dir, sync = true, segmentBytes = DEFAULT_SEGMENT_BYTES }: WriteAheadLogOptions,
    from = 0,
  ): { log: WriteAheadLog; records: LogRecord[] } {
    mkdirSync(dir, { recursive: true })
    const records: LogRecord[] = []
    let last = -1
    for (const { name } of segments(dir)) {
      for (const record of readSegment(readFileSync(join(dir, name)))) {
        if (record.lsn <= last) break
        last = record.lsn
        if (record.lsn >= from) records.push(record)
      }
    }
    return { log: new WriteAheadLog(dir, sync, segmentBytes, Math.max(from, last + 1)), records }
  }

  /** The LSN the next record appended will get: a checkpoint holding every record appended so far holds those below it. */
  get next(): number {
    return this.#next
  }

  /** How many times this log flushed records to disk: fewer than its records when groups formed. */
  get flushes(): number {
    return this.#flushes
  }

  /** Appends a record; resolves once it is on disk (with every record appended before it). */
  append(payload: Buffer): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the write-ahead log is closed'))
    const lsn = this.#next++
    const bytes = Buffer.allocUnsafe(HEADER_BYTES + payload.length)
    bytes.writeUInt32LE(payload.length, 0)
    bytes.writeDoubleLE(lsn, 8)
    bytes.writeUInt32LE(crc32(payload, crc32(bytes.subarray(8, HEADER_BYTES))), 4)
    payload.copy(bytes, HEADER_BYTES)
    return new Promise((resolve, reject) => {
      this.#pending.push({ lsn, bytes, resolve, reject })
      this.#flushing ??= this.#flushLoop()
    })
  }

  /** Resolves once every record appended so far is on disk (or its write failed). */
  async settled(): Promise<void> {
    while (this.#flushing) await this.#flushing
  }

  /** Deletes the segments whose records all have LSNs below `lsn` (a checkpoint holds them). */
  dropBefore(lsn: number): void {
    const all = segments(this.#dir)
    for (let i = 0; i + 1 < all.length; i++) {
      if (all[i + 1].first > lsn || all[i].first === this.#segment?.first) break
      rmSync(join(this.#dir, all[i].name), { force: true })
    }
  }

  /** Waits for the records appended so far, then closes the log; later appends reject. */
  async close(): Promise<void> {
    this.#closed = true
    await this.settled()
    await this.#segment?.file.close()
    this.#segment = undefined
  }

  async #flushLoop(): Promise<void> {
    while (this.#pending.length > 0) {
      const group = this.#pending
      this.#pending = []
      try {
        await this.#write(group)
        for (const entry of group) entry.resolve()
      } catch (error) {
        // What the failed write left in this segment is never read past: go on in a new one.
        const segment = this.#segment
        this.#segment = undefined
        await segment?.file.close().catch(() => {})
        for (const entry of group) entry.reject(error)
      }
      // The next group is taken once this turn's callbacks have run: the writes that the
      // ones just answered make, and those of the sockets read in this turn, join it
      // instead of waiting behind a flush of their own.
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    this.#flushing = undefined
  }

  /** Writes a group, flushing the part in a full segment before the next segment is begun. */
  async #write(group: readonly Pending[]): Promise<void> {
    let start = 0
    let bytes = 0
    for (let i = 0; i <= group.length; i++) {
      const entry = group[i]
      const segment = this.#segment
      if (entry && segment && segment.end + bytes + entry.bytes.length <= segment.size) {
        bytes += entry.bytes.length
        continue
      }
      if (i > start && segment) {
        const chunk = Buffer.concat(
          group.slice(start, i).map((e) => e.bytes),
          bytes,
        )
        await writeAt(segment.file.fd, chunk, segment.end)
        this.#flushes += 1
        segment.end += chunk.length
      }
      if (!entry) return
      await segment?.file.close()
      this.#segment = undefined
      this.#segment = await this.#newSegment(
        entry.lsn,
        group.slice(i).reduce((sum, e) => sum + e.bytes.length, 0),
      )
      start = i
      bytes = entry.bytes.length
    }
  }

  /**
   * A segment for records from `first` on, preallocated and on disk with its name before
   * it is used. On a disk too full for a whole segment, one just big enough for the group
   * (`needed` bytes) will do.
   */
  async #newSegment(first: number, needed: number): Promise<Segment> {
    const path = join(this.#dir, segmentName(first))
    for (const size of new Set([Math.max(this.#segmentBytes, needed), needed])) {
      const file = await open(path, O_RDWR | O_CREAT | O_TRUNC | (this.#sync ? O_DSYNC : 0))
      try {
        await writeAt(file.fd, Buffer.alloc(size), 0)
        await file.sync()
        await syncDir(this.#dir)
        return { file, first, end: 0, size }
      } catch (error) {
        await file.close().catch(() => {})
        rmSync(path, { force: true })
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC' || size === needed) throw error
      }
    }
    throw new Error('unreachable: the last size tried is the one needed')
  }
}

const segmentName = (first: number): string => `${String(first).padStart(16, '0')}.wal`

/** The segments in `dir`, oldest first. */
function segments(dir: string): Array<{ name: string; first: number }> {
  return readdirSync(dir)
    .map((name) => ({ name, match: SEGMENT_NAME.exec(name) }))
    .filter(({ match }) => match)
    .map(({ name, match }) => ({ name, first: Number(match![1]) }))
    .sort((a, b) => a.first - b.first)
}

/** The whole records of a segment, up to the first that is not. */
function* readSegment(data: Buffer): Generator<LogRecord> {
  let offset = 0
  while (offset + HEADER_BYTES <= data.length) {
    const length = data.readUInt32LE(offset)
    const end = offset + HEADER_BYTES + length
    if (length === 0 || end > data.length) return
    const payload = data.subarray(offset + HEADER_BYTES, end)
    if (crc32(payload, crc32(data.subarray(offset + 8, offset + HEADER_BYTES))) !== data.readUInt32LE(offset + 4)) return
    yield { lsn: data.readDoubleLE(offset + 8), payload }
    offset = end
  }
}

/**
 * Writes all of `chunk` at `position` of the file through `fs.write`'s callback: the same
 * write through `FileHandle.write` made a PUT cost 5% more CPU at 16 connections
 * (BENCHMARKS.md). A short write (a file-size limit, a disk filling up) is carried on from
 * where it stopped, so the error that stopped it is the one reported, never a record half
 * on disk taken for a whole one.
 */
function writeAt(fd: number, chunk: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const from = (offset: number): void => {
      write(fd, chunk, offset, chunk.length - offset, position + offset, (error, written) => {
        if (error) reject(error)
        else if (offset + written >= chunk.length) resolve()
        else if (written === 0) reject(new Error(`the disk took none of the last ${chunk.length - offset} bytes`))
        else from(offset + written)
      })
    }
    from(0)
  })
}

/** Makes the folder's entries (a segment just created) durable. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
