/**
 * The client half of a store adapter (Jepsen's `Client` protocol): the ops a session
 * sends, what comes back, and the one rule every store's client follows to sort an
 * outcome into what a history needs. Contract only: implementations live under
 * `harness/stores/<store>/`.
 */
import type { Dot, VersionInfo } from '../../common/contracts/causal.ts'

/**
 * Read the key's current value(s). `context`: on stores whose contexts are a session's
 * dependencies, the last one the session got (any key); the store answers once it has
 * what the context covers.
 */
export type GetOp = { f: 'get'; key: string; node: string; context?: string | null }

/**
 * Write `value`. `context` is what the session last saw of the key (from a read or its
 * own write) on stores that give version metadata; absent or null for a blind write.
 */
export type PutOp = { f: 'put'; key: string; node: string; value: unknown; context?: string | null }

/** Delete the key (a tombstone on stores that keep versions); `context` as for a put. */
export type DeleteOp = { f: 'delete'; key: string; node: string; context?: string | null }

/**
 * Compare-and-set (Jepsen's register `cas`): write `value` if the key's value is `expected`.
 * `ok` when it was written; `fail` when it certainly was not (the comparison did not hold, or
 * the request was refused), with error `cas_mismatch` for a comparison that did not hold.
 */
export type CasOp = { f: 'cas'; key: string; node: string; expected: unknown; value: unknown }

/**
 * One operation, sent to one node (`node`: a node id of the cluster). A client that does
 * not implement a kind of op answers `fail` with error {@link UNSUPPORTED_OP}: it certainly
 * did not happen (a store adapter says which ops it offers in its capabilities).
 */
export type Op = GetOp | PutOp | DeleteOp | CasOp

/** The error of a `fail` a client answers for an op it does not implement. */
export const UNSUPPORTED_OP = 'unsupported_op'

/** The error of a `fail` for a compare-and-set whose comparison did not hold. */
export const CAS_MISMATCH = 'cas_mismatch'

export type OpName = Op['f']

/**
 * What the reference store says about versions, beside the values (other stores leave
 * it out). The harness records it; the reports compute staleness and lost writes from it.
 */
export type VersionMetadata = {
  /**
   * Opaque causal context. A read's covers what it returned (a later write sent with it
   * supersedes those values); a write's covers what it superseded plus itself.
   */
  context?: string
  /** Read: the dot and clock of each value, in the order of `values`. */
  versions?: VersionInfo[]
  /** Write: the dot the write got. */
  dot?: Dot
  /** The node that coordinated the request. */
  coordinator?: string
}

/** It happened. A read carries the values found: several are siblings, `[]` means not found. */
export type OkResult = { type: 'ok'; values?: unknown[]; version?: VersionMetadata }

/** It certainly did not happen: refused before sending, a 4xx answer, or a read that went wrong. */
export type FailResult = { type: 'fail'; error: string }

/**
 * It may have happened: a write that timed out, whose connection was reset after it was
 * sent, or that got 503/504 after the coordinator may already have stored it.
 */
export type InfoResult = { type: 'info'; error: string }

/**
 * The outcome of one op. `error` is a short code for the history: `timeout`,
 * `connection_refused`, `connection_reset`, `quorum_unavailable`, `http_<status>`...
 */
export type OpResult = OkResult | FailResult | InfoResult

export type ClientOptions = {
  /** Deadline of one request, ms: past it a write is `info` and a read `fail`. */
  timeoutMs: number
}

/**
 * A connection to every node of one cluster, opened once per run (Jepsen's `open!`) and
 * shared by the run's sessions; every op names the node it goes to.
 */
export type Client = {
  /** Runs one op and sorts its outcome; rejects only on a bug, never on a store's failure. */
  invoke(op: Op): Promise<OpResult>
  /** Closes every connection; the client is not used again. */
  close(): Promise<void>
}
