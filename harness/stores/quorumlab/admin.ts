/**
 * The reference store's introspection endpoints as the harness uses them (through the
 * nodes' client links): health for readiness, stats for the achieved drop rate, WARS
 * latencies for the PBS prediction, digests and hints for convergence, the clock for the
 * clock nemesis.
 */
import { httpUrl } from '../../../common/helpers/address.ts'
import { TOKEN_HEADER, type ReplicaReadResponse } from '../../../store/api.ts'
import type { StatsSnapshot } from '../../../store/stats.ts'
import type { NodeWarsSnapshot } from '../../../common/contracts/wars.ts'
import { encodeContext, liveSiblings } from '../../../store/versioning.ts'
import type { NodeAddress, OpResult } from '../../adapter/index.ts'

/** The nodes to ask (their client addresses) and the cluster token that `/admin/clock` wants. */
export type AdminTarget = { nodes: readonly NodeAddress[]; token: string }

type DigestRange = { arc: number; replicas: string[]; keys: number; root: string }

async function adminCall<T>(target: AdminTarget, node: string, path: string, init: RequestInit = {}, timeoutMs = 3000): Promise<T> {
  const address = target.nodes.find((n) => n.id === node)
  if (!address) throw new Error(`no node ${node} in this cluster`)
  const response = await fetch(`${httpUrl(address)}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) })
  if (!response.ok) throw new Error(`${node} answered ${response.status} to ${init.method ?? 'GET'} ${path}`)
  return (await response.json()) as T
}

export const nodeWars = (target: AdminTarget, node: string): Promise<NodeWarsSnapshot> => adminCall(target, node, '/admin/wars')

export const nodeStats = (target: AdminTarget, node: string): Promise<StatsSnapshot> => adminCall(target, node, '/admin/stats')

const pendingHints = async (target: AdminTarget, node: string): Promise<number> =>
  (await adminCall<{ pending: number }>(target, node, '/admin/hints')).pending

const digest = async (target: AdminTarget, node: string): Promise<DigestRange[]> =>
  (await adminCall<{ ranges: DigestRange[] }>(target, node, '/admin/digest')).ranges

export const setClockSkew = async (target: AdminTarget, node: string, skewMs: number): Promise<void> => {
  await adminCall(target, node, '/admin/clock', {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: target.token },
    body: JSON.stringify({ skewMs }),
  })
}

/**
 * The node's own copy of `key` (`/internal/objects/:key`, with the cluster token), as a
 * read's outcome: its live siblings' values and versions, and its context sealed as a
 * read's would be. A failure to answer is a `fail` saying why.
 */
export async function replicaRead(target: AdminTarget, node: string, key: string): Promise<OpResult> {
  try {
    const { object } = await adminCall<ReplicaReadResponse>(target, node, `/internal/objects/${encodeURIComponent(key)}`, {
      headers: { [TOKEN_HEADER]: target.token },
    })
    if (!object) return { type: 'ok', values: [], version: { versions: [] } }
    const live = liveSiblings(object)
    return {
      type: 'ok',
      values: live.map((s) => s.value),
      version: {
        context: encodeContext(object.context, { secret: target.token, key }),
        versions: live.map((s) => ({ dot: s.dot, clock: s.clock })),
        coordinator: node,
      },
    }
  } catch (error) {
    return { type: 'fail', error: (error as Error).message }
  }
}

/** True when the node answers `/health` with 200. */
export const serves = async (target: AdminTarget, node: string): Promise<boolean> =>
  adminCall(target, node, '/health', {}, 1000).then(
    () => true,
    () => false,
  )

/**
 * True when every node answers, holds no hints, and every ring arc has the same Merkle
 * root on all its replicas.
 */
export async function converged(target: AdminTarget): Promise<boolean> {
  try {
    const roots = new Map<number, Set<string>>()
    for (const { id } of target.nodes) {
      if ((await pendingHints(target, id)) > 0) return false
      for (const range of await digest(target, id)) roots.set(range.arc, (roots.get(range.arc) ?? new Set()).add(range.root))
    }
    return [...roots.values()].every((set) => set.size === 1)
  } catch {
    return false
  }
}
