/**
 * Frames HTTP/1.1 responses out of the bytes of one connection, as they arrive: by
 * Content-Length, by chunked encoding, or with no body for 204 and 304. Pure (no sockets,
 * no timers), so every way a response can be split across packets can be tested directly;
 * `HttpEndpoint` feeds it what its socket reads.
 */

/** One complete response; its bytes have been consumed. */
export type FramedResponse = {
  status: number
  /** The body decoded as UTF-8 once complete (a character may span packets). */
  body: string
  /** The server said `Connection: close`: the connection must not be reused. */
  close: boolean
}

/** Longest response head accepted, bytes: a head that has not ended by then is not HTTP. */
const MAX_HEAD_BYTES = 64 * 1024

const HEADER_END = Buffer.from('\r\n\r\n')

export class HttpResponseReader {
  #buffer: Buffer = Buffer.alloc(0)

  /** Appends bytes read from the connection. */
  push(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
  }

  /**
   * The response at the start of the bytes pushed so far, consuming it; `undefined` while
   * more bytes are needed; `'invalid'` when they cannot be a response this reader frames
   * (not HTTP/1.x, a bad length, or no length, chunking or 204/304 status to end the body).
   */
  next(): FramedResponse | 'invalid' | undefined {
    const parsed = parseResponse(this.#buffer)
    if (parsed === undefined || parsed === 'invalid') return parsed
    this.#buffer = this.#buffer.subarray(parsed.consumed)
    return { status: parsed.status, body: parsed.body, close: parsed.close }
  }
}

type Parsed = FramedResponse & { consumed: number }

/** One complete response at the start of `buffer`, undefined if more bytes are needed. */
function parseResponse(buffer: Buffer): Parsed | 'invalid' | undefined {
  const headerEnd = buffer.indexOf(HEADER_END)
  if (headerEnd < 0) return buffer.length > MAX_HEAD_BYTES ? 'invalid' : undefined
  const head = buffer.toString('latin1', 0, headerEnd).toLowerCase()
  if (!head.startsWith('http/1.')) return 'invalid'
  const status = Number(head.slice(9, 12))
  const close = head.includes('\r\nconnection: close')
  const bodyStart = headerEnd + 4
  const lengthAt = head.indexOf('\r\ncontent-length:')
  if (lengthAt >= 0) {
    const lineEnd = head.indexOf('\r\n', lengthAt + 2)
    const length = Number.parseInt(head.slice(lengthAt + 17, lineEnd < 0 ? undefined : lineEnd), 10)
    if (!Number.isFinite(length) || length < 0) return 'invalid'
    if (buffer.length < bodyStart + length) return undefined
    return { status, body: buffer.toString('utf8', bodyStart, bodyStart + length), consumed: bodyStart + length, close }
  }
  if (head.includes('\r\ntransfer-encoding: chunked')) return parseChunked(buffer, bodyStart, status, close)
  if (status === 204 || status === 304) return { status, body: '', consumed: bodyStart, close }
  return 'invalid'
}

/** A chunked body from `start`: size lines (extensions after `;` ignored), data, then the last chunk and trailers. */
function parseChunked(buffer: Buffer, start: number, status: number, close: boolean): Parsed | 'invalid' | undefined {
  const parts: Buffer[] = []
  let at = start
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at)
    if (lineEnd < 0) return undefined
    const size = Number.parseInt(buffer.toString('latin1', at, lineEnd), 16)
    if (!Number.isFinite(size) || size < 0) return 'invalid'
    const dataStart = lineEnd + 2
    if (size === 0) {
      // The last chunk, then optional trailers, then an empty line.
      const end = buffer.indexOf(HEADER_END, lineEnd)
      return end < 0 ? undefined : { status, body: Buffer.concat(parts).toString('utf8'), consumed: end + 4, close }
    }
    if (buffer.length < dataStart + size + 2) return undefined
    parts.push(buffer.subarray(dataStart, dataStart + size))
    at = dataStart + size + 2
  }
}
