/**
 * Splits a byte stream into lines (`\n`-terminated, decoded as UTF-8), however the stream
 * was cut into chunks: a line may span chunks, a chunk may hold many lines, and a
 * character may be split between two chunks.
 */

const NEWLINE = 0x0a

export class LineTooLongError extends Error {}

export class LineSplitter {
  #rest: Buffer[] = []
  #restBytes = 0
  #maxLineBytes: number

  /** `maxLineBytes`: the longest line taken, bytes; a longer one is a {@link LineTooLongError}. */
  constructor(maxLineBytes: number) {
    this.#maxLineBytes = maxLineBytes
  }

  /** The lines `chunk` completes, without their `\n`; what follows the last `\n` waits for the next chunk. */
  push(chunk: Buffer): string[] {
    const lines: string[] = []
    let start = 0
    for (let end = chunk.indexOf(NEWLINE); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
      if (this.#rest.length === 0) lines.push(chunk.toString('utf8', start, end))
      else {
        this.#take(end - start)
        this.#rest.push(chunk.subarray(start, end))
        lines.push(Buffer.concat(this.#rest).toString('utf8'))
        this.#rest = []
        this.#restBytes = 0
      }
      start = end + 1
    }
    if (start < chunk.length) {
      this.#take(chunk.length - start)
      // A copy: the chunk's memory is not ours to keep.
      this.#rest.push(Buffer.from(chunk.subarray(start)))
    }
    return lines
  }

  #take(bytes: number): void {
    this.#restBytes += bytes
    if (this.#restBytes > this.#maxLineBytes) throw new LineTooLongError(`a line is longer than ${this.#maxLineBytes} bytes`)
  }
}
