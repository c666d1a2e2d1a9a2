/**
 * One toxic running on one link (Toxiproxy's ToxicStub): the toxic's input queue, the
 * primitives a pipe is written with (read, sleep, emit, close) and the interrupt that lets
 * the chain change while data flows without losing or reordering a byte. The link hands
 * the stub the toxic kind to run (Toxiproxy's `stub.Run(toxic)`); kinds see the stub only
 * through the {@link PipeStub} interface.
 */
import { performance } from 'node:perf_hooks'
import type { Chunk, Inlet, PipeStub, ReadResult, Toxic, ToxicKind, ToxicType } from './toxic.ts'
import { noop } from './toxics/noop.ts'

/** Counts the bytes waiting in a link's stubs, so the link can stop reading its source. */
export type Backlog = { add(bytes: number): void; remove(bytes: number): void }

/**
 * The longest delay a Node timer takes as is, ms: longer ones fire after 1 ms. Toxiproxy's
 * delays (Go durations) go up to ~292 years, so longer waits are made of timers this long.
 */
const MAX_TIMER_MS = 2 ** 31 - 1

export class ToxicStub<S = unknown> implements PipeStub<S> {
  /** The toxic's per-link state; it survives restarts of the toxic on this link. */
  state: S
  /** Where emitted chunks go; rewired when the chain changes. */
  output: Inlet
  readonly toxic: Toxic
  #backlog: Backlog
  #queue: Chunk[] = []
  #inputEnded = false
  #closed = false
  #interruptRequested = false
  #interruptDelivered = false
  #running: Promise<void> = Promise.resolve()
  #pendingRead?: (result: ReadResult | 'idle') => void
  #pendingSleep?: (elapsed: boolean) => void
  #pendingPause?: () => void
  #timer?: NodeJS.Timeout

  /** `state` is the toxic kind's fresh per-link state (`newState()`), if it keeps one. */
  constructor(toxic: Toxic, output: Inlet, backlog: Backlog, state: S) {
    this.toxic = toxic
    this.output = output
    this.#backlog = backlog
    this.state = state
  }

  get closed(): boolean {
    return this.#closed
  }

  // ---- the link's side ----

  /**
   * Starts (or restarts) the toxic with `kind`, what its type does, rolling its toxicity:
   * when the roll misses, the stub only passes data on (Toxiproxy runs a NoopToxic then).
   */
  run(kind: ToxicKind<ToxicType, S>): void {
    const piping = Math.random() < this.toxic.toxicity ? kind.pipe(this, this.toxic.attributes) : noop.pipe(this, {})
    this.#running = piping.catch((error) => {
      console.error(`toxic ${this.toxic.name} failed:`, error)
      this.close()
    })
  }

  push(chunk: Chunk): void {
    if (this.#closed) return
    this.#queue.push(chunk)
    this.#backlog.add(chunk.data.length)
    const read = this.#pendingRead
    if (read) {
      this.#settle()
      read(this.#shift() as Chunk)
    }
  }

  end(): void {
    this.#inputEnded = true
    const read = this.#pendingRead
    if (read && this.#queue.length === 0) {
      this.#settle()
      read('end')
    }
  }

  /**
   * Stops the running toxic at its next read or sleep and waits until it has returned.
   * False when the stub closed first (the link is ending), as in Toxiproxy.
   */
  async interrupt(): Promise<boolean> {
    if (this.#closed) return false
    this.#interruptRequested = true
    this.#interruptDelivered = false
    const read = this.#pendingRead
    const sleep = this.#pendingSleep
    if (read || sleep) {
      this.#settle()
      this.#takeInterrupt()
      read?.('interrupted')
      sleep?.(false)
    }
    await this.#running
    this.#interruptRequested = false
    return this.#interruptDelivered
  }

  /** Hands every queued chunk to the output at once: the toxic is leaving the chain. */
  flush(): void {
    const queue = this.#queue
    this.#queue = []
    for (const chunk of queue) {
      this.#backlog.remove(chunk.data.length)
      this.output.push(chunk)
    }
    if (this.#inputEnded) this.close()
  }

  /** Tears the stub down with its connection: pending waits end, queued data is dropped. */
  dispose(): void {
    this.#closed = true
    this.#dropQueue()
    const read = this.#pendingRead
    const sleep = this.#pendingSleep
    const pause = this.#pendingPause
    this.#settle()
    read?.('interrupted')
    sleep?.(false)
    pause?.()
  }

  // ---- the pipe's side ----

  /** The next chunk; `'end'` once the input ended; `'idle'` when `idleMs` ms pass without one. */
  read(): Promise<ReadResult>
  read(idleMs: number): Promise<ReadResult | 'idle'>
  read(idleMs?: number): Promise<ReadResult | 'idle'> {
    if (this.#takeInterrupt()) return Promise.resolve('interrupted')
    const chunk = this.#shift()
    if (chunk) return Promise.resolve(chunk)
    if (this.#inputEnded || this.#closed) return Promise.resolve('end')
    return new Promise((resolve) => {
      this.#pendingRead = resolve
      if (idleMs !== undefined) {
        this.#arm(idleMs, () => {
          this.#settle()
          resolve('idle')
        })
      }
    })
  }

  /** Waits until `performance.now()` reaches `at` (ms); false when interrupted first. */
  sleepUntil(at: number): Promise<boolean> {
    if (this.#takeInterrupt()) return Promise.resolve(false)
    const ms = at - performance.now()
    if (ms <= 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      this.#pendingSleep = resolve
      // Never early: a timer may fire up to 1 ms before its nominal time.
      this.#arm(Math.ceil(ms), () => {
        this.#settle()
        resolve(true)
      })
    })
  }

  /** Waits `ms` ms (Infinity: until interrupted); false when interrupted first. */
  sleep(ms: number): Promise<boolean> {
    return this.sleepUntil(performance.now() + ms)
  }

  /** Waits `ms` ms and cannot be interrupted (Toxiproxy's reset_peer waits this way). */
  pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#pendingPause = resolve
      this.#arm(Math.max(0, ms), () => {
        this.#settle()
        resolve()
      })
    })
  }

  emit(chunk: Chunk): void {
    this.output.push(chunk)
  }

  /** Ends the output: the next stub (or the link's writer) sees the end of the stream. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#dropQueue()
    this.output.end()
  }

  /**
   * Calls `fire` once `ms` ms have passed (never, for Infinity), through timers of at most
   * {@link MAX_TIMER_MS}, re-armed until the delay is due. `#settle` cancels it.
   */
  #arm(ms: number, fire: () => void): void {
    if (!Number.isFinite(ms)) return
    const due = performance.now() + ms
    const step = (): void => {
      const left = due - performance.now()
      this.#timer = left > MAX_TIMER_MS ? setTimeout(step, MAX_TIMER_MS) : setTimeout(fire, Math.max(0, Math.ceil(left)))
    }
    step()
  }

  #takeInterrupt(): boolean {
    if (!this.#interruptRequested) return false
    this.#interruptRequested = false
    this.#interruptDelivered = true
    return true
  }

  #shift(): Chunk | undefined {
    const chunk = this.#queue.shift()
    if (chunk) this.#backlog.remove(chunk.data.length)
    return chunk
  }

  #settle(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#pendingRead = undefined
    this.#pendingSleep = undefined
    this.#pendingPause = undefined
  }

  #dropQueue(): void {
    for (const chunk of this.#queue) this.#backlog.remove(chunk.data.length)
    this.#queue = []
  }
}
