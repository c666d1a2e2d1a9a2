/**
 * A TCP client for the proxy's tests: reads exact byte counts with deadlines, records when
 * each chunk arrived, measures round trips, and reports how the connection ended (FIN or
 * RST) and when.
 */
import { connect, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'

/** How a connection ended: the peer closed it (FIN) or reset it (RST). */
export type Closure = { how: 'end' | 'reset'; at: number }

export class TestClient {
  readonly socket: Socket
  /** When each chunk arrived (ms, `performance.now()`) and its size in bytes. */
  readonly arrivals: { at: number; bytes: number }[] = []
  /** Settles when the connection is over. */
  readonly closed: Promise<Closure>
  #chunks: Buffer[] = []
  #buffered = 0
  #waiter?: () => void
  #closure?: Closure

  private constructor(socket: Socket) {
    this.socket = socket
    socket.setNoDelay(true)
    let resolveClosed: (closure: Closure) => void = () => {}
    this.closed = new Promise((resolve) => (resolveClosed = resolve))
    const finish = (how: Closure['how']): void => {
      if (this.#closure) return
      this.#closure = { how, at: performance.now() }
      resolveClosed(this.#closure)
      this.#waiter?.()
    }
    socket.on('data', (chunk: Buffer) => {
      this.arrivals.push({ at: performance.now(), bytes: chunk.length })
      this.#chunks.push(chunk)
      this.#buffered += chunk.length
      this.#waiter?.()
    })
    socket.on('end', () => finish('end'))
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 'reset' : 'end'))
    socket.on('close', () => finish('end'))
  }

  /** Connects to `host:port`; rejects with the socket error (e.g. ECONNREFUSED). */
  static connect(address: string): Promise<TestClient> {
    const at = address.lastIndexOf(':')
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address.slice(0, at), port: Number(address.slice(at + 1)) })
      socket.once('error', reject)
      socket.once('connect', () => {
        socket.off('error', reject)
        resolve(new TestClient(socket))
      })
    })
  }

  write(data: Buffer | string): void {
    this.socket.write(data)
  }

  /** The next `bytes` bytes; rejects when the connection ends or `timeoutMs` passes first. */
  async read(bytes: number, timeoutMs = 5000): Promise<Buffer> {
    const deadline = performance.now() + timeoutMs
    while (this.#buffered < bytes) {
      if (this.#closure) throw new Error(`connection ended (${this.#closure.how}) after ${this.#buffered} of ${bytes} bytes`)
      const left = deadline - performance.now()
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms with ${this.#buffered} of ${bytes} bytes`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiter = () => {
          clearTimeout(timer)
          this.#waiter = undefined
          resolve()
        }
      })
    }
    const all = Buffer.concat(this.#chunks)
    this.#chunks = [all.subarray(bytes)]
    this.#buffered -= bytes
    return all.subarray(0, bytes)
  }

  /** Bytes received and not read yet. */
  get buffered(): number {
    return this.#buffered
  }

  /** Sends `payload` and waits for it to come back (through an echo server): the round trip, ms. */
  async roundTrip(payload: Buffer | string = 'ping', timeoutMs = 5000): Promise<number> {
    const data = Buffer.from(payload)
    const start = performance.now()
    this.write(data)
    const echoed = await this.read(data.length, timeoutMs)
    const elapsed = performance.now() - start
    if (!echoed.equals(data)) throw new Error(`echo differs: sent ${data.toString('hex')}, got ${echoed.toString('hex')}`)
    return elapsed
  }

  /** How and when the connection ended, or undefined if it has not within `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<Closure | undefined> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)))
    const closure = await Promise.race([this.closed, timeout])
    clearTimeout(timer)
    return closure
  }

  end(): void {
    this.socket.end()
  }

  destroy(): void {
    this.socket.destroy()
  }
}
