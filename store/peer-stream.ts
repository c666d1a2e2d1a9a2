/**
 * A peer's replica batches on one connection (`--peer-connections streamed`): upgraded
 * from HTTP on the peer's own port, so it passes whatever proxy sits on the link, then
 * lines of JSON both ways, each batch tagged with an id and answered in any order (a read
 * never waits behind a merge's flush). No HTTP request or response per batch: the wire
 * format is in `api.ts` ({@link BATCH_STREAM_PATH}).
 *
 * Failures are told apart as {@link HttpEndpoint} tells them: a batch that never left
 * (refused connection, refused upgrade) is not delivered; one written to a connection that
 * then broke, or that got no answer by its deadline, may have been. A connection on which
 * nothing has arrived since a batch that timed out was sent is taken as stuck (a proxy
 * holding data, a dropped link) and closed, failing the rest in flight; the next batch
 * connects again.
 */
import { connect, type Socket } from 'node:net'
import { BATCH_STREAM_PATH, BATCH_STREAM_PROTOCOL } from './api.ts'
import { DeadlineSweeper } from '../common/helpers/deadline-sweeper.ts'
import { HttpFailure, type HttpResponse } from '../common/helpers/http-endpoint.ts'
import { LineSplitter, LineTooLongError } from '../common/helpers/line-splitter.ts'

export type PeerStreamOptions = {
  host: string
  port: number
  /** Headers of the upgrade request (the cluster token, the sender's id). */
  headers: Record<string, string>
  /** The longest answer line taken, bytes. */
  maxLineBytes: number
}

type InFlight = {
  resolve: (response: HttpResponse) => void
  reject: (error: HttpFailure) => void
  /** performance.now() after which the batch has timed out. */
  deadline: number
  timeoutMs: number
  /** performance.now() when it was written to the connection (undefined: still waiting for the upgrade). */
  sentAt: number | undefined
}

/** The longest upgrade answer's head taken, bytes. */
const MAX_HEAD_BYTES = 16 * 1024
const SWITCHING = /^HTTP\/1\.1 101 /

/** One upgraded connection and the batches on it. */
class Link {
  #socket: Socket
  #stream: PeerStream
  #upgraded = false
  #head = ''
  #lines: LineSplitter
  /** Lines written once the upgrade is answered. */
  #waiting: string[] = []
  readonly inFlight = new Map<number, InFlight>()
  /** performance.now() when the peer last sent anything. */
  heardAt = 0
  #closed = false

  constructor(stream: PeerStream, { host, port, headers, maxLineBytes }: PeerStreamOptions) {
    this.#stream = stream
    this.#lines = new LineSplitter(maxLineBytes)
    let head = `GET ${BATCH_STREAM_PATH} HTTP/1.1\r\nhost: ${host}:${port}\r\nconnection: upgrade\r\nupgrade: ${BATCH_STREAM_PROTOCOL}\r\n`
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`
    this.#socket = connect({ host, port, noDelay: true })
    this.#socket.write(`${head}\r\n`)
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    this.#socket.on('error', (error: NodeJS.ErrnoException) => this.fail(`${error.code ?? 'error'}: ${error.message}`))
    this.#socket.on('close', () => this.fail('connection closed'))
  }

  get closed(): boolean {
    return this.#closed
  }

  send(id: number, line: string, batch: InFlight): void {
    this.inFlight.set(id, batch)
    if (!this.#upgraded) {
      this.#waiting.push(line)
      return
    }
    batch.sentAt = performance.now()
    this.#socket.write(line)
  }

  /** Closes the connection and fails every batch on it: written ones may have been applied, waiting ones were not. */
  fail(why: string, kind: 'reset' | 'protocol' = 'reset'): void {
    if (this.#closed) return
    this.#closed = true
    this.#socket.destroy()
    this.#stream.forget(this)
    for (const batch of this.inFlight.values()) {
      const sent = batch.sentAt !== undefined
      batch.reject(new HttpFailure(sent ? kind : 'refused', sent, sent ? why : `${why} (before the batch was sent)`))
    }
    this.inFlight.clear()
  }

  #onData(chunk: Buffer): void {
    this.heardAt = performance.now()
    if (!this.#upgraded) {
      const rest = this.#readHead(chunk)
      if (rest === undefined) return
      chunk = rest
    }
    let lines: string[]
    try {
      lines = this.#lines.push(chunk)
    } catch (error) {
      if (!(error instanceof LineTooLongError)) throw error
      this.fail(`answer: ${error.message}`, 'protocol')
      return
    }
    for (const line of lines) {
      const idEnd = line.indexOf(' ')
      const statusEnd = line.indexOf(' ', idEnd + 1)
      const id = Number(line.slice(0, idEnd))
      const status = Number(line.slice(idEnd + 1, statusEnd))
      if (idEnd <= 0 || statusEnd < 0 || !Number.isSafeInteger(id) || !Number.isInteger(status)) {
        this.fail(`malformed answer line: ${JSON.stringify(line.slice(0, 80))}`, 'protocol')
        return
      }
      const batch = this.inFlight.get(id)
      // An answer to a batch that timed out already: nobody waits for it.
      if (!batch) continue
      this.inFlight.delete(id)
      batch.resolve({ status, body: line.slice(statusEnd + 1) })
    }
  }

  /** Reads the upgrade's answer; returns the bytes after it once upgraded, or undefined (more to come, or failed). */
  #readHead(chunk: Buffer): Buffer | undefined {
    const before = this.#head.length
    this.#head += chunk.toString('latin1')
    const end = this.#head.indexOf('\r\n\r\n')
    if (end < 0) {
      if (this.#head.length > MAX_HEAD_BYTES) this.#refused('an upgrade answer without an end')
      return undefined
    }
    if (!SWITCHING.test(this.#head)) {
      const body = this.#head.slice(end + 4)
      this.#refused(`${this.#head.slice(0, this.#head.indexOf('\r\n'))}${body ? ` ${body.slice(0, 200)}` : ''}`)
      return undefined
    }
    this.#upgraded = true
    const now = performance.now()
    for (const batch of this.inFlight.values()) batch.sentAt = now
    this.#socket.write(this.#waiting.join(''))
    this.#waiting = []
    return chunk.subarray(end + 4 - before)
  }

  /** The peer would not upgrade: nothing was sent on this connection. */
  #refused(answer: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#socket.destroy()
    this.#stream.forget(this)
    for (const batch of this.inFlight.values()) batch.reject(new HttpFailure('protocol', false, `refused the batch stream: ${answer}`))
    this.inFlight.clear()
  }
}

/** Batches to one peer over one upgraded connection, opened on first use and again after it broke. */
export class PeerStream {
  #options: PeerStreamOptions
  #link: Link | undefined
  #nextId = 1
  #sweeper = new DeadlineSweeper((now) => this.#expire(now))

  constructor(options: PeerStreamOptions) {
    this.#options = options
  }

  /** Sends `json` (a `BatchRequest`) and settles with the peer's answer, or an {@link HttpFailure}, by `timeoutMs` ms. */
  send(json: string, timeoutMs: number): Promise<HttpResponse> {
    if (!this.#link || this.#link.closed) this.#link = new Link(this, this.#options)
    const link = this.#link
    const id = this.#nextId++
    this.#sweeper.arm()
    return new Promise<HttpResponse>((resolve, reject) => {
      link.send(id, `${id} ${json}\n`, { resolve, reject, deadline: performance.now() + timeoutMs, timeoutMs, sentAt: undefined })
    })
  }

  /** Called by a link once it is closed. */
  forget(link: Link): void {
    if (this.#link === link) this.#link = undefined
  }

  close(): void {
    this.#sweeper.stop()
    this.#link?.fail('the node is closing')
    this.#link = undefined
  }

  #expire(now: number): void {
    const link = this.#link
    if (!link) return
    let stuck = false
    for (const [id, batch] of link.inFlight) {
      if (now < batch.deadline) continue
      link.inFlight.delete(id)
      const sent = batch.sentAt !== undefined
      if (!sent || link.heardAt < batch.sentAt!) stuck = true
      batch.reject(
        new HttpFailure('timeout', sent, `no answer within ${batch.timeoutMs} ms${sent ? '' : ' (the connection was not even upgraded)'}`),
      )
    }
    if (stuck) link.fail('no answer from the peer on this connection')
  }
}
