/**
 * Streams history records to `history.jsonl` as they happen: one JSON object per line,
 * indexed in the order written, nothing kept in memory, so a run of any length has
 * bounded memory and an interrupted run leaves a readable history.
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import type { HarnessRecord, HistoryRecord, NemesisRecord, OpRecord } from '../../common/contracts/history.ts'

type WithoutIndex<T> = T extends unknown ? Omit<T, 'index'> : never
export type UnindexedRecord = WithoutIndex<OpRecord> | WithoutIndex<NemesisRecord> | WithoutIndex<HarnessRecord>

export class HistoryWriter {
  readonly path: string
  #stream: WriteStream
  #next = 0
  #closed: Promise<void> | undefined
  #error: Error | undefined

  constructor(path: string) {
    this.path = path
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
    if (!this.#closed && !this.#error) this.#stream.write(`${JSON.stringify(indexed)}\n`)
    return indexed
  }

  /** Flushes and closes the file; rejects with the first write error, if any. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => this.#stream.end(() => resolve())).then(() => {
      if (this.#error) throw this.#error
    })
    return this.#closed
  }
}
