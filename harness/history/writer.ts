/**
 * Streams history records to `history.jsonl` as they happen: one JSON object per line,
 * indexed in the order written, nothing kept in memory, so a run of any length has
 * bounded memory and an interrupted run leaves a readable history.
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import type { HarnessRecord, HistoryRecord, NemesisRecord, OpRecord } from '../../common/contracts/history.ts'

type WithoutIndex<T> = T extends unknown ? Omit<T, 'index'> : never
export type UnindexedRecord = WithoutIndex<OpRecord> | WithoutIndex<NemesisRecord> | WithoutIndex<HarnessRecord>

/**
 * Sees every line as it is written, and the close (the run's table recorder,
 * `reports/table-file.ts`); `complete` false when the history could not be written whole.
 */
export type LineObserver = { line(bytes: Buffer, offset: number): void; close(complete: boolean): Promise<void> }

export class HistoryWriter {
  readonly path: string
  #stream: WriteStream
  #next = 0
  /** Bytes written so far: where the next line starts. */
  #offset = 0
  #observer: LineObserver | undefined
  #closed: Promise<void> | undefined
  #error: Error | undefined

  constructor(path: string, options: { observer?: LineObserver } = {}) {
    this.path = path
    this.#observer = options.observer
    this.#stream = createWriteStream(path, { flags: 'w' })
    // A disk error must not kill the harness before it heals the cluster; close() reports it.
    this.#stream.on('error', (error) => (this.#error ??= error))
  }

  /** Records written so far. */
  get count(): number {
    return this.#next
  }

  /** Writes a record; after close() records are dropped (a straggler cannot break the file). */
  append(record: UnindexedRecord): HistoryRecord {
    const indexed = { index: this.#next++, ...record } as HistoryRecord
    if (this.#closed || this.#error) return indexed
    const bytes = Buffer.from(`${JSON.stringify(indexed)}\n`)
    this.#stream.write(bytes)
    this.#observer?.line(bytes.subarray(0, bytes.length - 1), this.#offset)
    this.#offset += bytes.length
    return indexed
  }

  /** Flushes and closes the file; rejects with the first write error, if any. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => this.#stream.end(() => resolve())).then(async () => {
      await this.#observer?.close(this.#error === undefined)
      if (this.#error) throw this.#error
    })
    return this.#closed
  }
}
