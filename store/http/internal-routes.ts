/**
 * Node-to-node calls, mounted at `/internal` and answered only with the cluster token:
 * batched replica reads, merges and hints, gossip, and anti-entropy's Merkle walk and
 * sync. Every body is checked before any of it is applied.
 */
import { Hono } from 'hono'
import type { AntiEntropy } from '../anti-entropy.ts'
import {
  type BatchOp,
  type BatchRequest,
  type BatchResponse,
  type BatchResult,
  type GossipRequest,
  type GossipResponse,
  type MerkleKeysRequest,
  type MerkleKeysResponse,
  type MerkleNodesRequest,
  type MerkleNodesResponse,
  type ReplicaReadResponse,
  type SyncRequest,
  type SyncResponse,
  INTERNAL_BODY_BYTES,
} from '../api.ts'
import type { NodeConfig } from '../config.ts'
import { ApiError, badRequest } from '../errors.ts'
import type { Gossiper } from '../gossip.ts'
import type { HintedHandoff } from '../hinted-handoff.ts'
import type { MemberView } from '../membership.ts'
import { MERKLE_DEPTH, MerkleIndex, type TreeNode } from '../merkle.ts'
import type { Replica } from '../replica.ts'
import { isEmptyObject, isVersionedObject } from '../versioning.ts'
import { monotonicMs } from '../../common/contracts/wars.ts'
import { asJsonObject, KEY_ROUTE, keyOf, limitBody, readJsonObject, readOptionalJson, requireToken } from './request.ts'

export type InternalRoutesOptions = {
  config: NodeConfig
  replica: Replica
  handoff: HintedHandoff
  gossiper: Gossiper
  merkle: MerkleIndex
  antiEntropy: AntiEntropy
}

/** The `/internal` sub-app. */
export function internalRoutes({ config, replica, handoff, gossiper, merkle, antiEntropy }: InternalRoutesOptions): Hono {
  const internal = new Hono()
  internal.use(async (c, next) => {
    requireToken(c, config.token)
    return next()
  })
  internal.use(limitBody(INTERNAL_BODY_BYTES, INTERNAL_BODY_BYTES))

  internal.get(`/objects${KEY_ROUTE}`, (c) => {
    const stored = replica.read(keyOf(c, '/internal/objects/'))
    const object = isEmptyObject(stored) ? null : stored
    return c.json<ReplicaReadResponse>({ node: config.id, object })
  })

  internal.post('/batch', async (c) => c.json<BatchResponse>(await answerBatch({ config, replica, handoff }, await readOptionalJson(c))))

  internal.post('/gossip', async (c) => {
    const body = await readJsonObject<GossipRequest>(c)
    if (!Array.isArray(body.view) || !body.view.every(isMemberView)) throw badRequest('body.view is not a membership view')
    return c.json<GossipResponse>(gossiper.receive({ from: String(body.from), view: body.view }))
  })

  internal.post('/merkle/nodes', async (c) => {
    const { nodes } = await readJsonObject<MerkleNodesRequest>(c)
    if (!Array.isArray(nodes) || !nodes.every((n) => MerkleIndex.isValidNode(n, merkle.arcCount))) {
      throw badRequest('body.nodes must be tree nodes {arc, level, index} of this ring')
    }
    return c.json<MerkleNodesResponse>({ hashes: nodes.map((n) => merkle.hash(n)) })
  })

  internal.post('/merkle/keys', async (c) => {
    const { leaves } = await readJsonObject<MerkleKeysRequest>(c)
    const asNodes: TreeNode[] | undefined = Array.isArray(leaves) ? leaves.map((l) => ({ ...l, level: MERKLE_DEPTH })) : undefined
    if (!asNodes?.every((n) => MerkleIndex.isValidNode(n, merkle.arcCount))) {
      throw badRequest('body.leaves must be leaves {arc, index} of this ring')
    }
    return c.json<MerkleKeysResponse>({ leaves: asNodes.map((n) => merkle.leafKeys(n.arc, n.index)) })
  })

  internal.post('/sync', async (c) => {
    const { entries } = await readJsonObject<SyncRequest>(c)
    const valid =
      Array.isArray(entries) && entries.every((e) => typeof e?.key === 'string' && (e.object === null || isVersionedObject(e.object)))
    if (!valid) throw badRequest('body.entries must be [{key, object}] with versioned objects or null')
    return c.json<SyncResponse>(await antiEntropy.answerSync(entries))
  })

  return internal
}

/** The answer to a batch of replica ops (`body`, parsed): each op applied, or failed alone; a body that is not a batch is a 400. */
export async function answerBatch(
  { config, replica, handoff }: Pick<InternalRoutesOptions, 'config' | 'replica' | 'handoff'>,
  body: unknown,
): Promise<BatchResponse> {
  const { ops } = asJsonObject<BatchRequest>(body)
  if (!Array.isArray(ops)) throw badRequest('body.ops must be a list of replica ops')
  const results = await Promise.all(
    answerOps(replica, handoff, ops).map((answer) => answer.catch((error: Error): BatchResult => ({ ok: false, error: error.message }))),
  )
  return { node: config.id, results }
}

type MergeOp = Extract<BatchOp, { op: 'merge' }>

const isMergeOp = (op: BatchOp): op is MergeOp =>
  typeof op === 'object' && op !== null && op.op === 'merge' && typeof op.key === 'string' && isVersionedObject(op.object)

/**
 * Each op's answer, in order. The batch's merges go into one storage transaction, applied
 * where the first of them stands: under load a batch carries several, and one log record
 * and one wait for its flush cost less than one each.
 */
function answerOps(replica: Replica, handoff: HintedHandoff, ops: BatchOp[]): Promise<BatchResult>[] {
  let merges: Promise<BatchResult>[] | undefined
  let next = 0
  return ops.map((op) => {
    if (!isMergeOp(op)) return runBatchOp(replica, handoff, op)
    merges ??= mergeAll(replica, ops.filter(isMergeOp))
    return merges[next++]
  })
}

/** The merges of a batch, in one transaction; a refused state fails alone. */
function mergeAll(replica: Replica, ops: MergeOp[]): Promise<BatchResult>[] {
  // Storage applies the writes when called (visible to reads) and resolves once they are
  // durable: PBS wants the first moment, so the clock is read before the wait.
  const merged = replica.mergeMany(ops)
  const atMs = monotonicMs()
  return ops.map((_, i) =>
    merged.then((results): BatchResult => {
      const result = results[i]
      return result instanceof ApiError ? { ok: false, error: result.message } : { ok: true, atMs }
    }),
  )
}

/** One op of a batch other than a well-formed merge; a malformed op fails alone. */
async function runBatchOp(replica: Replica, handoff: HintedHandoff, op: BatchOp): Promise<BatchResult> {
  if (typeof op !== 'object' || op === null || typeof op.key !== 'string') return { ok: false, error: 'an op needs a key' }
  if (op.op === 'read') {
    const object = replica.read(op.key)
    return { ok: true, object: isEmptyObject(object) ? null : object, atMs: monotonicMs() }
  }
  if (!isVersionedObject(op.object)) return { ok: false, error: 'op.object is not a versioned object' }
  if (op.op === 'hint' && typeof op.owner === 'string') {
    await handoff.store(op.owner, op.key, op.object)
    return { ok: true }
  }
  return { ok: false, error: 'op.op must be read, merge or hint (with an owner)' }
}

const isMemberView = (v: unknown): v is MemberView =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as MemberView).node === 'string' &&
  Number.isSafeInteger((v as MemberView).generation) &&
  Number.isSafeInteger((v as MemberView).heartbeat)
