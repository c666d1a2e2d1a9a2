/**
 * Streams history records to `history.jsonl` as they happen: one JSON object per line,
 * indexed in the order written, nothing kept in memory, so a run of any length has
 * bounded memory and an interrupted run leaves a readable history.
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import type { HarnessRecord, HistoryRecord, NemesisRecord, OpRecord } from './record.ts'

type WithoutIndex<T> = T extends unknown ? Omit<T, 'index'> : never
export type UnindexedRecord = WithoutIndex<OpRecord> | WithoutIndex<NemesisRecord> | WithoutIndex<HarnessRecord>

export class HistoryWriter {
  readonly path: string
  #stream: WriteStream
  #next = 0
  #closed: Promise<void> | undefined

  constructor(path: string) {
    this.path = path
    this.#stream = createWriteStream(path, { flags: 'w' })
  }

  /** Records written so far. */
  get count(): number {
    return this.#next
  }

  append(record: UnindexedRecord): HistoryRecord {
    const indexed = { index: this.#next++, ...record } as HistoryRecord
    this.#stream.write(`${JSON.stringify(indexed)}\n`)
    return indexed
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    this.#closed ??= new Promise((resolve, reject) => {
      this.#stream.end((error?: Error | null) => (error ? reject(error) : resolve()))
    })
    return this.#closed
  }
}
