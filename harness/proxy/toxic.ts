/**
 * The toxic contract: the toxic types Toxiproxy 2.12 knows, their attributes, the toxic as
 * the API shows it, and what each toxic kind provides to run on a link (Toxiproxy's `Pipe`,
 * per-connection state, cleanup on removal), and the stub as a toxic's pipe sees it.
 */
/** Which way a toxic acts: `upstream` is client → server, `downstream` is server → client. */
export type Direction = 'upstream' | 'downstream'

export const DIRECTIONS: readonly Direction[] = ['upstream', 'downstream']

/** Attributes of each toxic type, in the order Toxiproxy prints them. */
export type ToxicAttributes = {
  /** Each chunk is delayed by `latency` ± `jitter` ms. */
  latency: { latency: number; jitter: number }
  /** At most `rate` KB/s (1 KB = 1000 bytes); 0 holds the data back. */
  bandwidth: { rate: number }
  /** The connection closes `delay` ms after the other side closed it. */
  slow_close: { delay: number }
  /** Data is dropped; the connection closes after `timeout` ms without data (0: never). */
  timeout: { timeout: number }
  /** `timeout` ms after the first data, the connection is reset (TCP RST). */
  reset_peer: { timeout: number }
  /** Chunks are cut into pieces of `average_size` ± `size_variation` bytes, `delay` µs apart. */
  slicer: { average_size: number; size_variation: number; delay: number }
  /** The connection closes once `bytes` bytes have passed. */
  limit_data: { bytes: number }
  /** Passes data unchanged (Toxiproxy accepts it as a type). */
  noop: Record<string, never>
}

export type ToxicType = keyof ToxicAttributes

/** A toxic as the API shows it; one of these per toxic of a proxy, shared by all its links. */
export type Toxic = {
  [T in ToxicType]: {
    name: string
    type: T
    /** The stream exactly as given (Toxiproxy matches it case-insensitively and echoes it back). */
    stream: string
    direction: Direction
    /** Probability that the toxic acts on a link, rolled each time it starts on that link. */
    toxicity: number
    /** Changed in place by updates: running links read them live, as Toxiproxy's do. */
    attributes: ToxicAttributes[T]
  }
}[ToxicType]

/** Go integer type of an attribute; Toxiproxy names it in its decoding errors. */
export type GoIntegerType = 'int64' | 'int'

/** What a toxic type does; one per type, in `toxics/`. */
export type ToxicKind<T extends ToxicType, S = unknown> = {
  type: T
  /** Go type name in Toxiproxy (e.g. `LatencyToxic`), which its JSON errors mention. */
  goName: string
  /** Every attribute with its Go type, in Toxiproxy's order; all default to 0. */
  fields: { [K in keyof ToxicAttributes[T]]: GoIntegerType }
  /** Chunks queued in front of the toxic before the link pushes back (Toxiproxy's buffer size). */
  bufferChunks: number
  /** Links whose chain holds this toxic when they start close with RST (SO_LINGER 0). */
  resetsPeer?: boolean
  /** Per-link state that outlives restarts of the toxic on that link. */
  newState?(): S
  /**
   * Moves chunks from the stub's input to its output, transformed. Resolves once the stub
   * is interrupted (for an update, an addition behind it or its removal) or closed.
   */
  pipe(stub: PipeStub<S>, attributes: Readonly<ToxicAttributes[T]>): Promise<void>
  /** Runs when the toxic is removed from a link, before the link is rejoined. */
  cleanup?(stub: PipeStub<S>): void
}

/** What `read` gives a pipe: a chunk, the end of the input, or an interrupt to obey. */
export type ReadResult = Chunk | 'end' | 'interrupted'

/**
 * The stub as a toxic's pipe sees it: its input, its output and its timers. The stub
 * (`stub.ts`) implements it and is handed the toxic kind to run, as Toxiproxy's
 * `stub.Run(toxic)` is, so toxic kinds never import the stub.
 */
export interface PipeStub<S = unknown> {
  /** The toxic's per-link state; it survives restarts of the toxic on this link. */
  readonly state: S
  /** The next chunk; `'end'` once the input ended; `'idle'` when `idleMs` ms pass without one. */
  read(): Promise<ReadResult>
  read(idleMs: number): Promise<ReadResult | 'idle'>
  /** Waits until `performance.now()` reaches `at` (ms); false when interrupted first. */
  sleepUntil(at: number): Promise<boolean>
  /** Waits `ms` ms (Infinity: until interrupted); false when interrupted first. */
  sleep(ms: number): Promise<boolean>
  /** Waits `ms` ms and cannot be interrupted (Toxiproxy's reset_peer waits this way). */
  pause(ms: number): Promise<void>
  /** Passes a chunk to the next stub (or the link's writer). */
  emit(chunk: Chunk): void
  /** Ends the output: the next stub (or the link's writer) sees the end of the stream. */
  close(): void
}

/** A piece of a stream, stamped with when the link read it (ms, `performance.now()`). */
export type Chunk = { data: Buffer; timestamp: number }

/** Where a stub sends its output: the next stub, or the link's writer. */
export type Inlet = {
  push(chunk: Chunk): void
  /** No more input: the stream ended or a toxic closed it. */
  end(): void
}
