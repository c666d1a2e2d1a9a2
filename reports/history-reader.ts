/**
 * Streaming reader of `history.jsonl`: hands over one record at a time with its byte
 * offset and length in the file, so memory stays bounded whatever the history's size,
 * and a record can be fetched again later ({@link readRecordsAt}) without keeping it.
 * Ranges of one file can be read in parallel (line boundaries: {@link lineBoundaries}).
 * Malformed lines (a truncated last line after a crash, garbage) are counted
 * and skipped, never fatal.
 */
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import type { HistoryRecord } from '../common/contracts/history.ts'
import { scanOpLine } from './op-line.ts'

/** Gets each record with where its line is: `offset` and `length` in bytes, without the newline. */
export type RecordListener = (record: HistoryRecord, offset: number, length: number) => void

export type MalformedLine = { line: number; offset: number; reason: string }

export type HistoryReaderOptions = {
  /** Bytes read from the file at a time. */
  chunkBytes?: number
  /** Read only bytes [start, end) of the file (a range that starts and ends on line boundaries). */
  start?: number
  end?: number
  /** How many malformed lines to keep as examples (all are counted). */
  keepMalformed?: number
  /**
   * Why a parsed line is malformed, or undefined to accept it (default: it is not a history
   * record of ours). A reader of converted histories accepts fewer fields.
   */
  problem?: (value: unknown) => string | undefined
  /**
   * Client ops may be handed over as lean records read straight from the line's bytes
   * (`op-line.ts`): every field the op table reads, but versions without their clocks.
   * For the scan into an op table, which reads nothing else; only with the default `problem`.
   */
  leanOps?: boolean
}

const NEWLINE = 0x0a

/** Reads a history file (or a byte range of it) line by line. */
export class HistoryReader {
  readonly path: string
  readonly stats = { lines: 0, records: 0, malformed: 0, bytes: 0, malformedExamples: [] as MalformedLine[] }
  #chunkBytes: number
  #keepMalformed: number
  #start: number
  #end: number | undefined
  #problem: (value: unknown) => string | undefined
  #leanOps: boolean

  constructor(path: string, options: HistoryReaderOptions = {}) {
    this.path = path
    this.#chunkBytes = options.chunkBytes ?? 4 * 1024 * 1024
    this.#keepMalformed = options.keepMalformed ?? 10
    this.#start = options.start ?? 0
    this.#end = options.end
    this.#problem = options.problem ?? recordProblem
    if (options.leanOps && options.problem) throw new Error('leanOps reads records as the default problem check accepts them')
    this.#leanOps = options.leanOps ?? false
  }

  /**
   * Reads the file (or the range), calling `onRecord` for every record in file order.
   * Resolves once the whole range has been read; `stats` is then complete.
   */
  async read(onRecord: RecordListener): Promise<void> {
    if (this.#end !== undefined && this.#end <= this.#start) return
    const stream = createReadStream(this.path, {
      highWaterMark: this.#chunkBytes,
      start: this.#start,
      // createReadStream's end is inclusive.
      end: this.#end === undefined ? undefined : this.#end - 1,
    })
    // The start of a line the previous chunk ended in, and where it is in the file.
    let carry: Buffer | undefined
    let carryOffset = 0
    let position = this.#start
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const base = position
      position += chunk.length
      this.stats.bytes += chunk.length
      let start = 0
      if (carry) {
        // Only the line cut in two is joined: copying whole chunks onto the carry would copy the file once more.
        const newline = chunk.indexOf(NEWLINE)
        if (newline < 0) {
          carry = Buffer.concat([carry, chunk])
          continue
        }
        const line = Buffer.concat([carry, chunk.subarray(0, newline)])
        this.#parse(line, 0, line.length, carryOffset, onRecord)
        carry = undefined
        start = newline + 1
      }
      for (let end = chunk.indexOf(NEWLINE, start); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
        this.#parse(chunk, start, end, base + start, onRecord)
        start = end + 1
      }
      if (start < chunk.length) {
        carry = chunk.subarray(start)
        carryOffset = base + start
      }
    }
    if (carry) this.#parse(carry, 0, carry.length, carryOffset, onRecord)
  }

  /**
   * Takes one line that is being written to the file (without its newline), at `offset`
   * in it, as read() would take it from the file: a history read while it is written.
   */
  line(bytes: Buffer, offset: number, onRecord: RecordListener): void {
    this.stats.bytes += bytes.length + 1
    this.#parse(bytes, 0, bytes.length, offset, onRecord)
  }

  #parse(buffer: Buffer, start: number, end: number, offset: number, onRecord: RecordListener): void {
    // A trailing \r (a history edited on Windows) is not part of the record.
    const stop = end > start && buffer[end - 1] === 0x0d ? end - 1 : end
    if (stop === start) return
    this.stats.lines += 1
    // The fast path reads only lines it accepts exactly as JSON.parse and recordProblem would; the rest go the slow way.
    const lean = this.#leanOps ? scanOpLine(buffer, start, stop) : undefined
    if (lean) {
      this.stats.records += 1
      onRecord(lean, offset, stop - start)
      return
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(buffer.toString('utf8', start, stop))
    } catch (error) {
      this.#malformed(offset, `not JSON: ${(error as Error).message}`)
      return
    }
    const problem = this.#problem(parsed)
    if (problem) {
      this.#malformed(offset, problem)
      return
    }
    this.stats.records += 1
    onRecord(parsed as HistoryRecord, offset, stop - start)
  }

  #malformed(offset: number, reason: string): void {
    this.stats.malformed += 1
    if (this.stats.malformedExamples.length < this.#keepMalformed) {
      this.stats.malformedExamples.push({ line: this.stats.lines, offset, reason })
    }
  }
}

const OUTCOMES = new Set(['ok', 'fail', 'info'])
const OP_FUNCTIONS = new Set(['get', 'put', 'delete', 'cas'])
const PHASES = new Set(['warmup', 'fault', 'heal', 'final'])

/** Why a parsed line is not a history record, or undefined when it is one. */
function recordProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object'
  const r = value as Record<string, unknown>
  if (typeof r.index !== 'number') return 'no numeric "index"'
  if (typeof r.invoke !== 'number' || typeof r.complete !== 'number') return 'no numeric "invoke" and "complete"'
  if (!PHASES.has(r.phase as string)) return `unknown phase ${JSON.stringify(r.phase)}`
  if (typeof r.process === 'number') {
    if (!OUTCOMES.has(r.type as string)) return `unknown op type ${JSON.stringify(r.type)}`
    if (!OP_FUNCTIONS.has(r.f as string)) return `unknown op function ${JSON.stringify(r.f)}`
    if (typeof r.key !== 'string' || typeof r.node !== 'string') return 'op without string "key" and "node"'
    if (typeof r.intended !== 'number') return 'op without numeric "intended"'
    return undefined
  }
  if (r.process === 'nemesis' || r.process === 'harness') return undefined
  return `unknown process ${JSON.stringify(r.process)}`
}

/**
 * Reads the records at the given byte positions again (for the examples a report shows),
 * in the order given. A position that no longer parses yields undefined.
 */
export async function readRecordsAt(
  path: string,
  positions: readonly { offset: number; length: number }[],
): Promise<(HistoryRecord | undefined)[]> {
  const file = await open(path, 'r')
  try {
    const out: (HistoryRecord | undefined)[] = []
    for (const { offset, length } of positions) {
      const buffer = Buffer.alloc(length)
      await file.read(buffer, 0, length, offset)
      try {
        const parsed: unknown = JSON.parse(buffer.toString('utf8'))
        out.push(recordProblem(parsed) ? undefined : (parsed as HistoryRecord))
      } catch {
        out.push(undefined)
      }
    }
    return out
  } finally {
    await file.close()
  }
}

/**
 * Splits a file into `parts` byte ranges that start and end on line boundaries, for
 * reading in parallel: [[0, b1], [b1, b2], ... [bk, size]].
 */
export async function lineBoundaries(path: string, size: number, parts: number): Promise<[number, number][]> {
  const cuts = [0]
  const file = await open(path, 'r')
  try {
    const probe = Buffer.alloc(64 * 1024)
    for (let i = 1; i < parts; i++) {
      let at = Math.max(Math.floor((size * i) / parts), cuts[cuts.length - 1])
      // Moves forward to just after the next newline (lines can be longer than a probe).
      for (;;) {
        const { bytesRead } = await file.read(probe, 0, probe.length, at)
        if (bytesRead === 0) {
          at = size
          break
        }
        const newline = probe.subarray(0, bytesRead).indexOf(NEWLINE)
        if (newline >= 0) {
          at += newline + 1
          break
        }
        at += bytesRead
      }
      cuts.push(Math.min(at, size))
    }
  } finally {
    await file.close()
  }
  cuts.push(size)
  const ranges: [number, number][] = []
  for (let i = 0; i + 1 < cuts.length; i++) if (cuts[i + 1] > cuts[i] || i === 0) ranges.push([cuts[i], cuts[i + 1]])
  return ranges
}

/** Estimates the lines in bytes [start, end) from the density of newlines in its first MiB. */
export async function estimateLines(path: string, start: number, end: number): Promise<number> {
  if (end <= start) return 0
  const file = await open(path, 'r')
  try {
    const sample = Buffer.alloc(Math.min(1024 * 1024, end - start))
    const { bytesRead } = await file.read(sample, 0, sample.length, start)
    let newlines = 0
    for (let at = sample.indexOf(NEWLINE, 0); at >= 0 && at < bytesRead; at = sample.indexOf(NEWLINE, at + 1)) newlines++
    return Math.ceil(((end - start) * Math.max(1, newlines)) / Math.max(1, bytesRead))
  } finally {
    await file.close()
  }
}
