/**
 * The store's HTTP payloads, client-facing and node-to-node: the one definition the
 * store, the harness's client and the tests all import.
 */
import type { MemberView } from './membership.ts'
import type { KeyDigest, TreeNode } from './merkle.ts'
import type { VersionedObject } from './versioning.ts'
import type { Clock, Dot, VersionInfo } from '../common/contracts/causal.ts'

/** `GET /kv/:key`: 200 when found, 404 (with `values: []`) when not. */
export type ReadResponse = {
  key: string
  values: unknown[]
  versions: VersionInfo[]
  /** Opaque causal context; send it with the next PUT or DELETE to supersede this read. */
  context: string
  coordinator: string
  /** Replicas whose answers were merged. */
  replies: number
}

/** Body of `PUT /kv/:key`. */
export type WriteRequest = { value: unknown; context?: string }

/**
 * Body of `DELETE /kv/:key`: the context of a read, which says which values the delete
 * removes. Required in `dvv` and `vv` (a delete without one would remove nothing); in
 * `lww` a delete without one wins by its timestamp.
 */
export type DeleteRequest = { context?: string }

/** `PUT` and `DELETE /kv/:key`, 200. */
export type WriteResponse = {
  key: string
  /** Covers what the writer had read plus this write. */
  context: string
  dot: Dot
  clock: Clock
  coordinator: string
  /** Durable acks received, the coordinator's own included. */
  acks: number
}

export type HealthResponse = {
  node: string
  status: 'ok'
  pid: number
  /** The data dir's incarnation (new when the dir is made again); the node's dots are under `<node>.<incarnation>`. */
  incarnation: string
}

export type ErrorCode =
  | 'bad_request'
  /** A context that is malformed, from another key or cluster, or claims dots its node never issued. */
  | 'bad_context'
  | 'unauthorized'
  | 'not_found'
  | 'too_large'
  /** The write would leave more siblings on its key than allowed: read, resolve, write with the read's context. */
  | 'too_many_siblings'
  | 'quorum_unavailable'
  | 'timeout'
  /** A peer the node needed answered with an error or could not be reached (502). */
  | 'peer_error'
  | 'internal'
  /** causal: the node has not applied what the request's context depends on, within the deadline. */
  | 'causal_dependencies_unmet'
  /** sequential: the key's sequencer could not be reached, so the write was not ordered. */
  | 'sequencer_unavailable'

export type ErrorResponse = {
  error: { code: ErrorCode; message: string; required?: number; acks?: number }
}

// ---- node to node (under /internal, token required) ----

/** Header carrying the cluster token on internal calls. */
export const TOKEN_HEADER = 'x-quorumlab-token'
/**
 * On a GET (optional): a context this cluster returned for the key. In the causal mode the
 * node answers only once it has applied every write the context covers.
 */
export const CONTEXT_HEADER = 'x-quorumlab-context'
/** Set on a client request a node forwards to a home replica, so it is not forwarded again. */
export const FORWARDED_HEADER = 'x-quorumlab-forwarded'
/** The id of the node that sent an internal call or a forwarded request, so the receiver can count what reached it by link. */
export const SENDER_HEADER = 'x-quorumlab-from'

/** `GET /internal/objects/:key`: one replica's own state of a key, for inspection. */
export type ReplicaReadResponse = { node: string; object: VersionedObject | null }

/** Where replica calls go, batched: every read, merge and hint a node has for one peer in one event-loop turn. */
export const BATCH_PATH = '/internal/batch'

/**
 * Batches on one connection per peer (`--peer-connections streamed`): a `GET` of this path
 * with the cluster token, `connection: upgrade` and `upgrade:` {@link BATCH_STREAM_PROTOCOL}
 * is answered `101`, and the connection then carries lines both ways. The sender writes
 * `<id> <BatchRequest as JSON>\n`; the peer answers each, in any order, with
 * `<id> <status> <BatchResponse, or an ErrorResponse, as JSON>\n`. `<id>` is a decimal
 * integer the sender chose, `<status>` the HTTP status `POST /internal/batch` would have
 * given.
 */
export const BATCH_STREAM_PATH = '/internal/batch-stream'
export const BATCH_STREAM_PROTOCOL = 'quorumlab-batches'
/** Internal calls carry whole objects (every sibling), so they get a larger limit than a client's value: a body's or a batch line's, bytes. */
export const INTERNAL_BODY_BYTES = 1024 * 1024 * 1024

/** One replica call in a batch. */
export type BatchOp =
  /** This replica's state of the key (null: nothing). */
  | { op: 'read'; key: string }
  /** Merge this state into the replica's, durably. */
  | { op: 'merge'; key: string; object: VersionedObject }
  /** Hold this state for `owner`, a home replica that missed it (sloppy quorum). */
  | { op: 'hint'; owner: string; key: string; object: VersionedObject }

/** `POST /internal/batch` */
export type BatchRequest = { ops: BatchOp[] }

/** One result per op, in order; an op that went wrong fails alone. `atMs`: when the replica applied it, on the host's monotonic clock (PBS). */
export type BatchResult = { ok: true; object?: VersionedObject | null; atMs?: number } | { ok: false; error: string }
export type BatchResponse = { node: string; results: BatchResult[] }

/** `POST /internal/gossip`: push-pull of membership views. */
export type GossipRequest = { from: string; view: MemberView[] }
export type GossipResponse = { node: string; view: MemberView[] }

/** `POST /internal/merkle/nodes`: hashes of these tree nodes, in order. */
export type MerkleNodesRequest = { nodes: TreeNode[] }
export type MerkleNodesResponse = { hashes: string[] }

/** `POST /internal/merkle/keys`: the keys (with digests) under these leaves, in order. */
export type MerkleKeysRequest = { leaves: { arc: number; index: number }[] }
export type MerkleKeysResponse = { leaves: KeyDigest[][] }

/**
 * `POST /internal/sync`: anti-entropy's exchange. The receiver merges each given state
 * into its own and answers with its merged state of every key, so both sides converge
 * in one round trip.
 */
export type SyncRequest = { entries: { key: string; object: VersionedObject | null }[] }
export type SyncResponse = { entries: { key: string; object: VersionedObject | null }[] }
