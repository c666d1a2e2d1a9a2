/**
 * The one interface the client API (`/kv`) calls, whatever the cluster's consistency
 * mode: read a key, write (or delete) it. Each mode implements it in its own folder; the
 * `eventual` mode is today's coordinator as it is.
 */
import type { Hono } from 'hono'
import type { Coordinator, ReadResult, WriteOutcome } from '../coordinator.ts'
import type { LocalWrite } from '../replica.ts'
import type { CausalContext } from '../../common/contracts/causal.ts'
import type { ConsistencyMode } from '../../common/contracts/history.ts'

/** What the client API calls. Errors are `ApiError`s (503 when the mode cannot serve the request now). */
export type KvEngine = {
  /**
   * The key's state as the mode lets a client see it: siblings in `eventual` and `causal`,
   * at most one version in `sequential` and `linearizable`. `r`: replies to wait for
   * (`eventual` only). `after`: the context the client sent with the read (empty: none);
   * `causal` answers only once it covers it.
   */
  read(key: string, r: number, after: CausalContext): Promise<ReadResult>
  /** Stores a write; `w`: durable acks to wait for (`eventual` only). Resolves once the mode's promise holds for it. */
  write(key: string, write: LocalWrite, w: number): Promise<WriteOutcome>
  /**
   * What contexts are sealed for instead of their key: set when a context is valid for
   * every key (`causal`: a client's dependencies); unset, a context is its key's alone.
   */
  contextScope?: string
}

/** A mode as a node runs it: the client API's calls, its own node-to-node routes, its state for `/admin/consistency`. */
export type ConsistencyEngine = KvEngine & {
  mode: ConsistencyMode
  /** Node-to-node routes of the mode, mounted at `/internal/consistency` behind the cluster token. */
  internal?: Hono
  /** What `GET /admin/consistency` shows (besides the mode). */
  status(): Record<string, unknown>
  /** Starts the mode's background work (causal: shipping writes to peers). */
  start(): void
  stop(): void
}

/** `eventual`: the Dynamo coordinator (sloppy quorums, hinted handoff, read repair), untouched. */
export function eventualEngine(coordinator: Coordinator): ConsistencyEngine {
  return {
    mode: 'eventual',
    read: (key, r) => coordinator.read(key, r),
    write: (key, write, w) => coordinator.write(key, write, w),
    status: () => ({}),
    start: () => {},
    stop: () => {},
  }
}
