/**
 * `history.table`: a run's history already scanned into op tables, recorded line by line
 * while the harness writes `history.jsonl`, so the report at the end of the run (and
 * `quorumlab report` later) does not parse half a gigabyte of JSON again. Jepsen keeps a
 * binary history beside its text one for the same reason.
 *
 * The table is a cache, never the record: the analysis uses it only when the history has
 * exactly the size and modification time the table noted when the history was closed, and
 * when the table's own checksum holds. A file system keeps modification times in ticks of
 * a few milliseconds, so an edit just after the run could keep the time: when the table was
 * finished within {@link RACY_NS} of the history's time, the history's content is hashed
 * and compared too (as git does with "racily clean" files). Anything else (an edited or
 * copied history, a table cut short, another version's format) and the history is scanned
 * as if there were none.
 *
 * The file is the magic bytes, then segments: a range of at most {@link SEGMENT_OPS} ops
 * each (a {@link RangeScan}, its plain parts serialized by V8, its columns as raw bytes),
 * then one closing segment with the history's identity and the SHA-1 of all before it.
 * Segments keep the recorder's memory bounded however long the run: each is written out
 * when full, and the analysis merges them as it merges the ranges of a parallel scan.
 * Given a pool, the reader hashes the table on one of its threads while the caller merges
 * the ranges (a 150 MiB table takes ~90 ms to hash): the caller then keeps them only once
 * {@link RecordedTable.sound} says the checksum held.
 */
import { createHash, type Hash } from 'node:crypto'
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { type FileHandle, open, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { setTimeout } from 'node:timers/promises'
import { deserialize, serialize } from 'node:v8'
import { HistoryReader } from './history-reader.ts'
import { OpTableBuilder } from './op-table.ts'
import { type ChecksumTask, sha1Hex } from './checksum-task.ts'
import { RangeScanner, type RangeScan, runRecordOf, scanSettings } from './range-scan.ts'
import { taskModule } from './task-bundle.ts'
import type { TaskPool } from './task-pool.ts'

/** The table's file name, beside `history.jsonl`. */
export const TABLE_FILE = 'history.table'
/** Ops a segment holds at most: ~150 MiB of columns with their spare room, what the recorder keeps in memory at most. */
export const SEGMENT_OPS = 1 << 20
/** The format's name and version: a table of another version is not read (the history is scanned). */
const MAGIC = Buffer.from('QLTABLE1')
const ALIGN = 8
/** Bytes of the table read at once by one read: the parts go to libuv's threads together. */
const READ_PART = 16 * 1024 * 1024
const NEWLINE = Buffer.from('\n')

type ColumnEntry = { name: string; type: string; length: number; at: number }
type RangeMeta = { kind: 'range'; scan: Omit<RangeScan, 'table'> & { table: Record<string, unknown> }; columns: ColumnEntry[] }
type EndMeta = { kind: 'end'; historyBytes: number; historyMtimeNs: string; historySha1: string; sha1: string }
/** The ranges a table recorded, to be kept only if `sound` resolves true (the table's checksum held, and the history's where it had to be hashed). */
export type RecordedTable = { ranges: RangeScan[]; sound: Promise<boolean> }
const CHECKSUM_TASK = taskModule(new URL('./checksum-task.ts', import.meta.url))
/** A table finished this soon after its history's modification time could miss an edit that kept the time, ns. */
const RACY_NS = 100_000_000n
/** How far a file's time may lag this process's clock (the kernel stamps files from a coarse clock), ns. */
const CLOCK_SLACK_NS = 20_000_000n

const padding = (at: number): number => (ALIGN - (at % ALIGN)) % ALIGN

/** Where the table of the history at `historyPath` is. */
export const tablePathOf = (historyPath: string): string => join(dirname(historyPath), TABLE_FILE)

/**
 * Records the table of a history as its lines are written: hand it every line with its
 * offset ({@link line}), then {@link close} once the history file is closed. It never
 * throws at the writer: a line it cannot take, or a disk error, abandons the table (the
 * analysis then scans the history).
 */
export class TableRecorder {
  readonly historyPath: string
  #reader: HistoryReader
  #scanner: RangeScanner | undefined
  #settings: ReturnType<typeof scanSettings> | undefined
  #temp: string
  #out: WriteStream | undefined
  /** Of every byte written before the closing segment; undefined once digested. */
  #hash: Hash | undefined = createHash('sha1')
  /** Of the history's lines, as written. */
  #historyHash = createHash('sha1')
  #segmentOps: number
  #failed = false

  /** `segmentOps`: ops a segment holds at most (default {@link SEGMENT_OPS}). */
  constructor(historyPath: string, options: { segmentOps?: number } = {}) {
    this.historyPath = historyPath
    this.#segmentOps = options.segmentOps ?? SEGMENT_OPS
    this.#reader = new HistoryReader(historyPath, { leanOps: true })
    this.#temp = join(dirname(historyPath), `.${basename(tablePathOf(historyPath))}.${process.pid}.tmp`)
  }

  /** Takes the line at `offset` of the history (its bytes without the newline). */
  line(bytes: Buffer, offset: number): void {
    if (this.#failed) return
    try {
      this.#historyHash.update(bytes).update(NEWLINE)
      // The scan takes the run's workload kind and nodes from its first line, as the harness writes it.
      this.#settings ??= scanSettings(runRecordOf(bytes.toString('utf8')))
      this.#scanner ??= new RangeScanner(this.#settings.kind, this.#settings.nodes, 64 * 1024)
      this.#reader.line(bytes, offset, this.#scanner.add)
      if (this.#scanner.ops >= this.#segmentOps) this.#flush()
    } catch {
      this.#abandon()
    }
  }

  /**
   * Writes the closing segment and puts the table in place, once the history is closed;
   * `complete` false (the history could not be written whole) drops it instead. Never rejects.
   */
  async close(complete: boolean): Promise<void> {
    try {
      if (!complete) this.#failed = true
      if (!this.#failed && this.#scanner) this.#flush()
      const out = this.#out
      if (this.#failed || !out) return
      const history = await stat(this.historyPath, { bigint: true })
      // Finished well after the history's time, the table is never racy: readers need not hash the history.
      const wait = RACY_NS + CLOCK_SLACK_NS - (BigInt(Date.now()) * 1_000_000n - history.mtimeNs)
      if (wait > 0n) await setTimeout(Number(wait / 1_000_000n) + 1)
      const end: EndMeta = {
        kind: 'end',
        historyBytes: Number(history.size),
        historyMtimeNs: history.mtimeNs.toString(),
        historySha1: this.#historyHash.digest('hex'),
        sha1: (this.#hash as Hash).digest('hex'),
      }
      this.#hash = undefined
      // The closing segment is not part of its own checksum.
      out.write(segmentHead(serialize(end), 0))
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())))
      // A write that failed meanwhile abandoned the table.
      if (this.#failed) return
      await rename(this.#temp, tablePathOf(this.historyPath))
    } catch {
      this.#abandon()
    } finally {
      if (this.#failed) await rm(this.#temp, { force: true }).catch(() => undefined)
    }
  }

  /** Writes the current range as a segment and starts the next. */
  #flush(): void {
    const scanner = this.#scanner
    if (!scanner) return
    this.#scanner = undefined
    const { table, ...rest } = scanner.finish({ ...this.#reader.stats, malformedExamples: [...this.#reader.stats.malformedExamples] })
    this.#reader = new HistoryReader(this.historyPath, { leanOps: true })
    const plain: Record<string, unknown> = {}
    const columns: ColumnEntry[] = []
    const data: Buffer[] = []
    let at = 0
    for (const [name, value] of Object.entries(table)) {
      if (!ArrayBuffer.isView(value)) {
        plain[name] = value
        continue
      }
      const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
      columns.push({ name, type: value.constructor.name, length: (value as Float64Array).length, at })
      data.push(bytes)
      at += bytes.length
      const pad = padding(at)
      if (pad > 0) data.push(Buffer.alloc(pad))
      at += pad
    }
    const meta: RangeMeta = { kind: 'range', scan: { ...rest, table: plain }, columns }
    this.#write(segmentHead(serialize(meta), at))
    for (const bytes of data) this.#write(bytes)
  }

  /** Appends to the table file (opened at the first segment), hashing what it writes. */
  #write(bytes: Buffer): void {
    if (!this.#out) {
      this.#out = createWriteStream(this.#temp)
      this.#out.on('error', () => this.#abandon())
      this.#write(MAGIC)
    }
    if (!this.#hash) throw new Error('the table is closed')
    this.#hash.update(bytes)
    this.#out.write(bytes)
  }

  /** Gives the table up: nothing more is recorded, and close() removes what was written. */
  #abandon(): void {
    this.#failed = true
    this.#scanner = undefined
  }
}

/**
 * A segment's head: the meta's length and the data's length (u32 each), the meta, and the
 * padding that aligns the data for typed-array views.
 */
function segmentHead(meta: Buffer, dataBytes: number): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32LE(meta.length, 0)
  head.writeUInt32LE(dataBytes, 4)
  // The data starts aligned in the file: the magic and every segment keep the running length a multiple of 8.
  return Buffer.concat([head, meta, Buffer.alloc(padding(meta.length))])
}

/**
 * The recorded scan of the history at `historyPath`, one range per segment, or undefined
 * when there is no table or it cannot be used for this history (see the file's comment);
 * its checksum is verified in `sound`, on a thread of `pool` when one is given. Never throws
 * (`sound` never rejects).
 */
export async function readTableFile(historyPath: string, options: { pool?: TaskPool } = {}): Promise<RecordedTable | undefined> {
  try {
    const [history, table] = await Promise.all([
      stat(historyPath, { bigint: true }),
      stat(tablePathOf(historyPath), { bigint: true }).catch(() => undefined),
    ])
    if (!table?.isFile() || table.size < MAGIC.length) return undefined
    const size = Number(table.size)
    // Shared memory, so a worker hashes the bytes this thread read without a copy.
    const file = new Uint8Array(options.pool ? new SharedArrayBuffer(size) : new ArrayBuffer(size))
    const handle = await open(tablePathOf(historyPath), 'r')
    try {
      // In parts read at once: each is copied (and its pages faulted in) on a thread of libuv's pool, not all on one.
      const parts = Array.from({ length: Math.ceil(size / READ_PART) }, (_, i) => i * READ_PART)
      const whole = await Promise.all(parts.map((start) => readFully(handle, file.subarray(start, start + READ_PART), start)))
      if (whole.includes(false)) return undefined
    } finally {
      await handle.close()
    }
    const parsed = parseTable(file, Number(history.size), history.mtimeNs.toString())
    if (!parsed) return undefined
    const { pool } = options
    const { hashed } = parsed
    const sha1 = pool ? pool.run<string>(CHECKSUM_TASK, { bytes: hashed } satisfies ChecksumTask) : Promise.resolve(sha1Hex(hashed))
    const racy = table.mtimeNs - history.mtimeNs < RACY_NS
    const historySound = racy ? fileSha1(historyPath).then((historySha1) => historySha1 === parsed.historySha1) : true
    const sound = Promise.all([sha1, historySound]).then(
      ([tableSha1, same]) => tableSha1 === parsed.sha1 && same,
      () => false,
    )
    return { ranges: parsed.ranges, sound }
  } catch {
    return undefined
  }
}

/** Reads `into.length` bytes from `position`; false when the file ends first. */
async function readFully(handle: FileHandle, into: Uint8Array, position: number): Promise<boolean> {
  for (let at = 0; at < into.length; ) {
    const { bytesRead } = await handle.read(into, at, into.length - at, position + at)
    if (bytesRead === 0) return false
    at += bytesRead
  }
  return true
}

async function fileSha1(path: string): Promise<string> {
  const hash = createHash('sha1')
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk)
  return hash.digest('hex')
}

/** The table's ranges and what its closing segment says; `hashed`: the bytes its checksum covers (not yet checked). */
function parseTable(
  file: Uint8Array,
  historyBytes: number,
  historyMtimeNs: string,
): { ranges: RangeScan[]; historySha1: string; sha1: string; hashed: Uint8Array } | undefined {
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength)
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined
  // The columns a table has, and their types: an empty table's.
  const expected = new OpTableBuilder('register').finish() as unknown as Record<string, unknown>
  const ranges: RangeScan[] = []
  for (let at = MAGIC.length; at + 8 <= bytes.length; ) {
    const metaBytes = bytes.readUInt32LE(at)
    const dataBytes = bytes.readUInt32LE(at + 4)
    const metaAt = at + 8
    const dataAt = metaAt + metaBytes + padding(metaBytes)
    if (dataAt + dataBytes > bytes.length) return undefined
    const meta = deserialize(bytes.subarray(metaAt, metaAt + metaBytes)) as RangeMeta | EndMeta
    if (meta.kind === 'end') {
      const identical = dataAt === bytes.length && meta.historyBytes === historyBytes && meta.historyMtimeNs === historyMtimeNs
      return identical ? { ranges, historySha1: meta.historySha1, sha1: meta.sha1, hashed: file.subarray(0, at) } : undefined
    }
    const range = rangeOf(meta, expected, file.buffer, dataAt)
    if (!range) return undefined
    ranges.push(range)
    at = dataAt + dataBytes
  }
  // No closing segment: the recorder did not finish.
  return undefined
}

/** A segment's range, its columns viewing the file's bytes; undefined when they are not `expected`'s columns and types. */
function rangeOf(meta: RangeMeta, expected: Record<string, unknown>, buffer: ArrayBufferLike, dataAt: number): RangeScan | undefined {
  const table: Record<string, unknown> = { ...meta.scan.table }
  for (const { name, type, length, at } of meta.columns) {
    const want = expected[name]
    if (!ArrayBuffer.isView(want) || want.constructor.name !== type) return undefined
    const Type = want.constructor as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => unknown
    table[name] = new Type(buffer, dataAt + at, length)
  }
  const missing = Object.entries(expected).some(([name, column]) => ArrayBuffer.isView(column) && !ArrayBuffer.isView(table[name]))
  return missing ? undefined : ({ ...meta.scan, table } as RangeScan)
}
