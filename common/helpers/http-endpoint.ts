/**
 * A minimal HTTP/1.1 client for one endpoint: kept-alive connections (or one per request),
 * one request at a time per connection, responses framed by {@link HttpResponseReader}.
 * It carries node-to-node calls and the harness's ops, both hot paths (it outruns
 * autocannon on loopback), and it tells apart the failures a history must tell apart: a
 * refused connection (the request certainly never arrived) from a reset or a timeout
 * after sending (it may have).
 */
import { connect, type Socket } from 'node:net'
import { DeadlineSweeper } from './deadline-sweeper.ts'
import { HttpResponseReader } from './http-response-reader.ts'

export type HttpFailureKind = 'refused' | 'reset' | 'timeout' | 'protocol'

export class HttpFailure extends Error {
  constructor(
    readonly kind: HttpFailureKind,
    /** False only when the request certainly did not reach the server. */
    readonly maybeDelivered: boolean,
    message: string,
  ) {
    super(message)
  }
}

export type HttpResponse = { status: number; body: string }

export type HttpRequest = {
  method: string
  /** Path and query, already encoded. */
  path: string
  body?: string
  headers?: Record<string, string>
  /** Deadline for the whole exchange, ms. */
  timeoutMs: number
}

export type HttpEndpointOptions = {
  host: string
  port: number
  /** Reuse connections (default), or open one per request and close it after the response. */
  keepAlive?: boolean
}

type Pending = {
  resolve: (response: HttpResponse) => void
  reject: (error: HttpFailure) => void
  /** performance.now() after which the request has timed out. */
  deadline: number
  timeoutMs: number
}

class Connection {
  readonly socket: Socket
  #endpoint: HttpEndpoint
  #connected = false
  #reader = new HttpResponseReader()
  #pending: Pending | undefined
  #closed = false
  /** False: the request asked for `Connection: close`, so the connection serves one request whatever the server answers. */
  #reusable: boolean

  constructor(endpoint: HttpEndpoint, host: string, port: number, reusable: boolean) {
    this.#endpoint = endpoint
    this.#reusable = reusable
    this.socket = connect({ host, port, noDelay: true })
    this.socket.on('connect', () => (this.#connected = true))
    this.socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    // The server closed its side: not reusable, even before 'close' arrives.
    this.socket.on('end', () => {
      this.#closed = true
      this.#endpoint.forget(this)
    })
    this.socket.on('error', (error: NodeJS.ErrnoException) => this.#fail(error))
    this.socket.on('close', () => this.#fail(undefined))
  }

  get closed(): boolean {
    return this.#closed
  }

  send(head: string, body: string | undefined, pending: Pending): void {
    this.#pending = pending
    this.socket.write(body === undefined ? head : head + body)
  }

  /** Fails the request in flight if its deadline passed; true if it did. */
  expire(now: number): boolean {
    const pending = this.#pending
    if (!pending || now < pending.deadline) return false
    this.#pending = undefined
    const delivered = this.#connected
    this.destroy()
    pending.reject(
      new HttpFailure('timeout', delivered, `no response within ${pending.timeoutMs} ms${delivered ? '' : ' (not even connected)'}`),
    )
    return true
  }

  destroy(): void {
    this.#closed = true
    this.socket.destroy()
  }

  #fail(error: NodeJS.ErrnoException | undefined): void {
    this.#closed = true
    this.#endpoint.forget(this)
    const pending = this.#pending
    if (!pending) return
    this.#pending = undefined
    if (!this.#connected) {
      // Nothing was sent: the request certainly did not arrive.
      pending.reject(
        new HttpFailure(
          'refused',
          false,
          error ? `${error.code ?? 'error'}: ${error.message}` : 'connection closed before it was established',
        ),
      )
    } else {
      pending.reject(
        new HttpFailure('reset', true, error ? `${error.code ?? 'error'}: ${error.message}` : 'connection closed before the response'),
      )
    }
  }

  #onData(chunk: Buffer): void {
    this.#reader.push(chunk)
    const pending = this.#pending
    if (!pending) return
    const parsed = this.#reader.next()
    if (parsed === undefined) return
    if (parsed === 'invalid') {
      this.#pending = undefined
      this.destroy()
      pending.reject(new HttpFailure('protocol', true, 'malformed HTTP response'))
      return
    }
    this.#pending = undefined
    if (parsed.close || !this.#reusable) this.destroy()
    else this.#endpoint.release(this)
    pending.resolve({ status: parsed.status, body: parsed.body })
  }
}

export class HttpEndpoint {
  readonly host: string
  readonly port: number
  #idle: Connection[] = []
  #all = new Set<Connection>()
  #headPrefix: string
  #keepAlive: boolean
  #sweeper = new DeadlineSweeper((now) => {
    for (const connection of [...this.#all]) if (connection.expire(now)) this.forget(connection)
  })

  /** The endpoint of an `http://host:port` URL (its path is ignored), kept-alive. */
  static ofUrl(url: string): HttpEndpoint {
    const { hostname, port } = new URL(url)
    return new HttpEndpoint({ host: hostname, port: Number(port) })
  }

  constructor({ host, port, keepAlive = true }: HttpEndpointOptions) {
    this.host = host
    this.port = port
    this.#keepAlive = keepAlive
    this.#headPrefix = ` HTTP/1.1\r\nhost: ${host}:${port}\r\n${keepAlive ? '' : 'connection: close\r\n'}`
  }

  request({ method, path, body, headers, timeoutMs }: HttpRequest): Promise<HttpResponse> {
    let connection = this.#idle.pop()
    while (connection?.closed) connection = this.#idle.pop()
    if (!connection) {
      connection = new Connection(this, this.host, this.port, this.#keepAlive)
      this.#all.add(connection)
    }
    let head = `${method} ${path}${this.#headPrefix}`
    if (body !== undefined) head += `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`
    if (headers) for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`
    head += '\r\n'
    const used = connection
    this.#sweeper.arm()
    return new Promise<HttpResponse>((resolve, reject) => {
      used.send(head, body, { resolve, reject, deadline: performance.now() + timeoutMs, timeoutMs })
    })
  }

  /** Back to the idle pool after a complete response. */
  release(connection: Connection): void {
    if (!connection.closed) this.#idle.push(connection)
  }

  forget(connection: Connection): void {
    this.#all.delete(connection)
    const at = this.#idle.indexOf(connection)
    if (at >= 0) this.#idle.splice(at, 1)
  }

  close(): void {
    this.#sweeper.stop()
    for (const connection of this.#all) connection.destroy()
    this.#all.clear()
    this.#idle = []
  }
}
