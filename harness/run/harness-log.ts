/**
 * `harness.log` in the run folder: what the harness itself did and said, one timestamped
 * line each (as Jepsen keeps `jepsen.log`): every line the run printed, each nemesis start
 * and stop, errors with their stack, and how the run ended. The terminal may be gone (a
 * closed pipe, a CI log cut short); this file stays with the history.
 */
import { createWriteStream, type WriteStream } from 'node:fs'

export class HarnessLog {
  readonly path: string
  #stream: WriteStream
  #closed = false

  constructor(path: string) {
    this.path = path
    this.#stream = createWriteStream(path, { flags: 'a' })
    // A disk error must not stop the run: the history is what matters.
    this.#stream.on('error', () => undefined)
  }

  /** Appends `text` (one or more lines) with the wall-clock time. */
  line(text: string): void {
    if (this.#closed) return
    const at = new Date().toISOString()
    for (const line of text.split('\n')) this.#stream.write(`${at} ${line}\n`)
  }

  close(): Promise<void> {
    this.#closed = true
    return new Promise((resolve) => this.#stream.end(() => resolve()))
  }
}
