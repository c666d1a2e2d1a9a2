/**
 * Coordination of client reads and writes on the key's home replicas: a write gets its
 * dot here, is stored locally, then replicated in parallel and answered after W durable
 * acks; a read asks every home replica and answers with the merge of the first R replies.
 */
import { FORWARDED_HEADER, type ReplicaReadResponse, type ReplicateRequest } from './api.ts'
import type { NodeConfig } from './config.ts'
import { ApiError } from './errors.ts'
import { PeerError, type PeerClient, type PeerRequest, type PeerResponse } from './peers.ts'
import { awaitQuorum } from './quorum.ts'
import type { LocalWrite, Replica } from './replica.ts'
import type { Ring } from './ring.ts'
import { emptyObject, merge, type CausalContext, type Sibling, type VersionedObject } from './versioning.ts'

export type CoordinatorOptions = {
  config: NodeConfig
  ring: Ring
  replica: Replica
  peers: PeerClient
}

export type ReadResult = { object: VersionedObject; replies: number }
export type WriteOutcome = {
  sibling: Sibling
  /** What the writer has now seen: its context plus this write. */
  context: CausalContext
  acks: number
}

type ReplicaReply = { node: string; object: VersionedObject }

export const objectPath = (key: string): string => `/internal/objects/${encodeURIComponent(key)}`

export class Coordinator {
  #config: NodeConfig
  #ring: Ring
  #replica: Replica
  #peers: PeerClient

  constructor({ config, ring, replica, peers }: CoordinatorOptions) {
    this.#config = config
    this.#ring = ring
    this.#replica = replica
    this.#peers = peers
  }

  homeReplicas(key: string): string[] {
    return this.#ring.homeReplicas(key, this.#config.n)
  }

  isHome(key: string): boolean {
    return this.homeReplicas(key).includes(this.#config.id)
  }

  async read(key: string, r: number): Promise<ReadResult> {
    const local: ReplicaReply = { node: this.#config.id, object: this.#replica.read(key) }
    const calls = this.#others(key).map((peer) => this.#readFrom(peer, key))
    const quorum = awaitQuorum([local], calls, r)
    const { reached, results } = await quorum.outcome
    if (!reached) throw quorumError('read', r, (await quorum.settled).results.length)
    const object = results.reduce((acc, reply) => merge(this.#replica.mode, acc, reply.object), emptyObject())
    return { object, replies: results.length }
  }

  async write(key: string, write: LocalWrite, w: number): Promise<WriteOutcome> {
    const { object, sibling, context } = await this.#replica.write(key, write)
    const calls = this.#others(key).map((peer) => this.#replicateTo(peer, key, object))
    const quorum = awaitQuorum([this.#config.id], calls, w)
    const { reached, results } = await quorum.outcome
    if (!reached) throw quorumError('write', w, (await quorum.settled).results.length)
    return { sibling, context, acks: results.length }
  }

  /**
   * Sends a client request to the key's first reachable home replica and returns its
   * answer as is: any node takes any request, at the cost of one extra hop.
   */
  async forward(key: string, call: Omit<PeerRequest, 'timeoutMs' | 'headers'>): Promise<PeerResponse<unknown>> {
    // The home replica may itself wait a full replica timeout on its peers.
    const timeoutMs = 2 * this.#config.replicaTimeoutMs + 1000
    for (const node of this.homeReplicas(key)) {
      try {
        return await this.#peers.request(node, { ...call, timeoutMs, headers: { [FORWARDED_HEADER]: this.#config.id } })
      } catch (error) {
        if (!(error instanceof PeerError) || error.kind === 'protocol') throw error
        if (error.kind === 'timeout') {
          throw new ApiError(504, 'timeout', `forwarded to ${node}, which did not answer within ${timeoutMs} ms`)
        }
      }
    }
    throw new ApiError(503, 'quorum_unavailable', 'no home replica of the key could be reached', { required: 1, acks: 0 })
  }

  #others(key: string): string[] {
    return this.homeReplicas(key).filter((node) => node !== this.#config.id)
  }

  async #readFrom(peer: string, key: string): Promise<ReplicaReply> {
    const { status, body } = await this.#peers.request<ReplicaReadResponse>(peer, {
      method: 'GET',
      path: objectPath(key),
      timeoutMs: this.#config.replicaTimeoutMs,
    })
    if (status !== 200) throw new Error(`${peer} answered ${status} to a replica read`)
    return { node: peer, object: body.object ?? emptyObject() }
  }

  async #replicateTo(peer: string, key: string, object: VersionedObject): Promise<string> {
    const body: ReplicateRequest = { object }
    const { status } = await this.#peers.request(peer, {
      method: 'PUT',
      path: objectPath(key),
      body,
      timeoutMs: this.#config.replicaTimeoutMs,
    })
    if (status !== 200) throw new Error(`${peer} answered ${status} to a replicated write`)
    return peer
  }
}

function quorumError(op: 'read' | 'write', required: number, acks: number): ApiError {
  const what = op === 'read' ? 'replies' : 'durable acks'
  return new ApiError(503, 'quorum_unavailable', `${op} needed ${required} ${what}, got ${acks}`, { required, acks })
}
