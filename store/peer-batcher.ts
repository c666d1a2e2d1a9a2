/**
 * Batches replica calls: every read, merge and hint a node has for one peer in one turn
 * of the event loop travels as a single `POST /internal/batch`. Under load this turns many
 * small messages (each a socket write and a request to parse) into few, which is most of
 * a node's cost; alone, an op is sent at once, a turn later.
 */
import type { BatchOp, BatchResponse, BatchResult } from './api.ts'
import { PeerError, type PeerClient } from './peers.ts'
import { emptyObject, isVersionedObject, type VersionedObject } from './versioning.ts'
import { monotonicMs } from '../common/contracts/wars.ts'
import type { WarsRecorder } from './wars.ts'

export type PeerBatcherOptions = {
  peers: PeerClient
  /** Deadline of one batch, ms. */
  timeoutMs: number
  /** Ops per batch at most. Default 64. */
  maxOps?: number
  /** A batch is sent once its ops' JSON reaches this length, characters (bytes of UTF-8: up to three times that). Default 8 Mi. */
  maxBytes?: number
  /** Times the replica calls of client reads and writes (PBS); none when absent. */
  wars?: WarsRecorder
}

/** A call whose WARS legs are timed: a client read's or write's, with when it was queued (ms, monotonic). */
type Timed = { kind: 'read' | 'write'; queuedMs: number }

type OkResult = Extract<BatchResult, { ok: true }>
type Waiter = { resolve: (result: OkResult) => void; reject: (error: unknown) => void; timed?: Timed }
/** A peer's queued ops, each already JSON (the body is their list); `bytes`: their JSON's length. */
type Queue = { ops: string[]; waiters: Waiter[]; bytes: number }

/** The last op encoded, so the same write sent to each of its replicas is encoded once. */
type Encoded = { op: 'merge' | 'hint'; key: string; object: VersionedObject; owner: string | undefined; json: string }

export class PeerBatcher {
  #peers: PeerClient
  #timeoutMs: number
  #maxOps: number
  #maxBytes: number
  #queues = new Map<string, Queue>()
  #scheduled = false
  #wars: WarsRecorder | undefined
  #lastEncoded: Encoded | undefined

  constructor({ peers, timeoutMs, maxOps = 64, maxBytes = 8 * 1024 * 1024, wars }: PeerBatcherOptions) {
    this.#peers = peers
    this.#wars = wars
    this.#timeoutMs = timeoutMs
    this.#maxOps = maxOps
    this.#maxBytes = maxBytes
  }

  /** The peer's state of the key (empty when it has none); `timed`: a client read's call, whose legs count for PBS. */
  async read(peer: string, key: string, timed = false): Promise<VersionedObject> {
    const result = await this.#enqueue(peer, { op: 'read', key }, timed)
    if (result.object !== undefined && result.object !== null && !isVersionedObject(result.object)) {
      throw new PeerError('protocol', peer, 'sent a malformed object')
    }
    return result.object ?? emptyObject()
  }

  /** Merges `object` into the peer's state, resolving once it is durable there; `timed`: a client write's call. */
  merge(peer: string, key: string, object: VersionedObject, timed = false): Promise<unknown> {
    return this.#enqueue(peer, { op: 'merge', key, object }, timed)
  }

  /** Has the peer hold `object` for `owner`, durably. */
  async hint(peer: string, owner: string, key: string, object: VersionedObject): Promise<void> {
    await this.#enqueue(peer, { op: 'hint', owner, key, object })
  }

  /** Settles with the op's result when the peer applied it, and rejects with a {@link PeerError} when it did not. */
  #enqueue(peer: string, op: BatchOp, timed = false): Promise<OkResult> {
    const json = this.#encode(op)
    return new Promise<OkResult>((resolve, reject) => {
      let queue = this.#queues.get(peer)
      if (!queue) {
        queue = { ops: [], waiters: [], bytes: 0 }
        this.#queues.set(peer, queue)
      }
      queue.ops.push(json)
      const kind = op.op === 'read' ? 'read' : 'write'
      queue.waiters.push({ resolve, reject, timed: timed && this.#wars ? { kind, queuedMs: monotonicMs() } : undefined })
      queue.bytes += json.length
      if (queue.ops.length >= this.#maxOps || queue.bytes >= this.#maxBytes) this.#send(peer)
      else if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => this.#flush())
      }
    })
  }

  /**
   * The op as JSON. A write goes to each of its replicas in a row, with the same object:
   * the second and later are the first's text (objects are never changed once made).
   */
  #encode(op: BatchOp): string {
    if (op.op === 'read') return JSON.stringify(op)
    const owner = op.op === 'hint' ? op.owner : undefined
    const last = this.#lastEncoded
    if (last?.object === op.object && last.key === op.key && last.op === op.op && last.owner === owner) return last.json
    const json = JSON.stringify(op)
    this.#lastEncoded = { op: op.op, key: op.key, object: op.object, owner, json }
    return json
  }

  #flush(): void {
    this.#scheduled = false
    for (const peer of [...this.#queues.keys()]) this.#send(peer)
  }

  #send(peer: string): void {
    const queue = this.#queues.get(peer)
    if (!queue || queue.ops.length === 0) return
    this.#queues.delete(peer)
    // A BatchRequest, written out of its ops' JSON.
    const json = `{"ops":[${queue.ops.join(',')}]}`
    this.#peers.batch<BatchResponse>(peer, json, this.#timeoutMs).then(
      (answer) => {
        const results = Array.isArray(answer?.results) ? answer.results : []
        if (this.#wars) this.#time(queue.waiters, results, monotonicMs())
        for (const [i, w] of queue.waiters.entries()) {
          const result: BatchResult = results[i] ?? { ok: false, error: 'missing from the batch answer' }
          if (result.ok) w.resolve(result)
          else w.reject(new PeerError('protocol', peer, result.error))
        }
      },
      (error: unknown) => {
        for (const w of queue.waiters) w.reject(error)
      },
    )
  }

  /** Records the legs of the timed calls the replica answered with when it applied them. */
  #time(waiters: Waiter[], results: BatchResult[], answeredMs: number): void {
    for (const [i, { timed }] of waiters.entries()) {
      const appliedMs = results[i]?.ok ? results[i].atMs : undefined
      if (timed && typeof appliedMs === 'number') this.#wars!.call(timed.kind, timed.queuedMs, appliedMs, answeredMs)
    }
  }
}
