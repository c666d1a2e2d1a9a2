/**
 * One direction of one proxied connection (Toxiproxy's ToxicLink): reads the source socket
 * and writes the destination through the toxics of that direction. With no toxics bytes go
 * straight across (no timers, copies or timestamps); toxics added or removed mid-stream are
 * spliced into the running chain without losing or reordering a byte.
 */
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { ToxicStub, type Backlog } from './stub.ts'
import type { Direction, Inlet, Toxic } from './toxic.ts'
import { kindOf } from './toxics/index.ts'

/** Bytes a chain holds per slot before the link stops reading (Go's copy buffer size). */
const SLOT_BYTES = 32 * 1024
/**
 * Bytes a destination may hold unsent before the source is paused. Far above Node's 16 KiB
 * default: pausing and resuming a socket costs system calls, and at the default a fast
 * stream would do both for every chunk.
 */
const WRITE_BUFFER_BYTES = 1024 * 1024

export type LinkOptions = {
  direction: Direction
  source: Socket
  dest: Socket
  /** The direction's chain when the connection starts. */
  toxics: readonly Toxic[]
  /** The link has written its last byte: its destination must be closed. */
  onFinish(link: Link): void
}

export class Link {
  readonly direction: Direction
  readonly source: Socket
  readonly dest: Socket
  /** The chain held a reset_peer toxic when the link started: its sockets close with RST. */
  readonly resetsPeer: boolean
  #stubs: ToxicStub[] = []
  #sink: Inlet
  #backlog: Backlog
  #onFinish: (link: Link) => void
  #sourceEnded = false
  #finished = false
  #needDrain = false
  #paused = false
  #heldBytes = 0
  #limitBytes = 0

  constructor({ direction, source, dest, toxics, onFinish }: LinkOptions) {
    this.direction = direction
    this.source = source
    this.dest = dest
    this.#onFinish = onFinish
    this.resetsPeer = toxics.some((toxic) => kindOf(toxic).resetsPeer === true)
    this.#sink = { push: (chunk) => this.#write(chunk.data), end: () => this.#finish() }
    this.#backlog = {
      add: (bytes) => {
        this.#heldBytes += bytes
        if (this.#heldBytes > this.#limitBytes) this.#pause()
      },
      remove: (bytes) => {
        this.#heldBytes -= bytes
        if (this.#paused) this.#resumeIfClear()
      },
    }
    for (const toxic of toxics) {
      const stub = this.#newStub(toxic)
      const previous = this.#stubs.at(-1)
      if (previous) previous.output = stub
      this.#stubs.push(stub)
    }
    this.#updateLimit()
    for (const stub of this.#stubs) run(stub)
    source.on('data', this.#onData)
    source.on('end', this.sourceEnded)
    dest.on('drain', this.#onDrain)
  }

  /** The source is done (end of stream, error or closed): the chain drains, then the link finishes. */
  readonly sourceEnded = (): void => {
    if (this.#sourceEnded) return
    this.#sourceEnded = true
    this.source.off('data', this.#onData)
    const first = this.#stubs[0]
    if (first) first.end()
    else this.#finish()
  }

  /** The destination is gone: nothing more can be written. */
  destClosed(): void {
    this.#finish()
  }

  /** Appends a toxic to the chain of this running link. */
  async addToxic(toxic: Toxic): Promise<void> {
    const stub = this.#newStub(toxic)
    const last = this.#stubs.at(-1)
    if (last === undefined) {
      this.#stubs.push(stub)
      if (this.#finished) stub.dispose()
      else run(stub)
    } else if (await last.interrupt()) {
      // The last toxic restarts (rolling its toxicity again) in front of the new one.
      stub.output = last.output
      last.output = stub
      this.#stubs.push(stub)
      run(stub)
      run(last)
    } else {
      this.#stubs.push(stub)
      stub.dispose()
    }
    this.#updateLimit()
  }

  /** Restarts the toxic at `index` so it picks up new settings and rolls its toxicity again. */
  async updateToxic(index: number): Promise<void> {
    const stub = this.#stubs[index]
    if (stub && (await stub.interrupt())) run(stub)
  }

  /**
   * Takes the toxic at `index` out of the chain: whatever it holds moves on at once, in order,
   * ahead of what the toxic in front of it holds.
   */
  async removeToxic(index: number): Promise<void> {
    const stub = this.#stubs[index]
    if (stub === undefined) return
    if (await stub.interrupt()) {
      kindOf(stub.toxic).cleanup?.(stub)
      if (!stub.closed) {
        const previous = this.#stubs[index - 1]
        const previousRunning = previous ? await previous.interrupt() : false
        stub.flush()
        if (previous) previous.output = stub.output
        this.#stubs.splice(this.#stubs.indexOf(stub), 1)
        if (previous && previousRunning) run(previous)
        this.#updateLimit()
        return
      }
    }
    // A closed toxic stays the output of the one in front, which then writes into the void:
    // its link is closing.
    this.#stubs.splice(this.#stubs.indexOf(stub), 1)
    this.#updateLimit()
  }

  /** Stops every toxic (timers included): the connection is gone. */
  dispose(): void {
    this.#finished = true
    this.source.off('data', this.#onData)
    this.source.off('end', this.sourceEnded)
    this.dest.off('drain', this.#onDrain)
    for (const stub of this.#stubs) stub.dispose()
  }

  #newStub(toxic: Toxic): ToxicStub {
    return new ToxicStub(toxic, this.#sink, this.#backlog, kindOf(toxic).newState?.())
  }

  readonly #onData = (data: Buffer): void => {
    const first = this.#stubs[0]
    if (first === undefined) this.#write(data)
    else first.push({ data, timestamp: performance.now() })
  }

  readonly #onDrain = (): void => {
    this.#needDrain = false
    this.#resumeIfClear()
  }

  #write(data: Buffer): void {
    if (this.#finished || this.dest.destroyed) return
    this.dest.write(data)
    if (this.dest.writableLength > WRITE_BUFFER_BYTES) {
      this.#needDrain = true
      this.#pause()
    }
  }

  #finish(): void {
    if (this.#finished) return
    this.#finished = true
    this.#onFinish(this)
  }

  #pause(): void {
    if (this.#paused) return
    this.#paused = true
    this.source.pause()
  }

  #resumeIfClear(): void {
    if (this.#paused && !this.#needDrain && this.#heldBytes <= this.#limitBytes) {
      this.#paused = false
      this.source.resume()
    }
  }

  /** Room in the chain: a slot per toxic plus its buffered chunks, as Toxiproxy's channels have. */
  #updateLimit(): void {
    let slots = 1
    for (const stub of this.#stubs) slots += 1 + kindOf(stub.toxic).bufferChunks
    this.#limitBytes = slots * SLOT_BYTES
    if (this.#paused) this.#resumeIfClear()
  }
}

/** Starts (or restarts) a stub's toxic: the stub is handed what its toxic's type does. */
function run(stub: ToxicStub): void {
  stub.run(kindOf(stub.toxic))
}
