/**
 * The store's introspection endpoints as the harness uses them (through the nodes'
 * client links): stats for the achieved drop rate, digests and hints for convergence,
 * the clock for the clock nemesis.
 */
import { TOKEN_HEADER } from '../../store/api.ts'
import type { StatsSnapshot } from '../../store/stats.ts'
import type { Cluster } from './cluster.ts'

export type DigestRange = { arc: number; replicas: string[]; keys: number; root: string }

async function adminCall<T>(cluster: Cluster, node: string, path: string, init: RequestInit = {}, timeoutMs = 3000): Promise<T> {
  const response = await fetch(`${cluster.url(node)}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) })
  if (!response.ok) throw new Error(`${node} answered ${response.status} to ${init.method ?? 'GET'} ${path}`)
  return (await response.json()) as T
}

export const nodeStats = (cluster: Cluster, node: string): Promise<StatsSnapshot> => adminCall(cluster, node, '/admin/stats')

export const pendingHints = async (cluster: Cluster, node: string): Promise<number> =>
  (await adminCall<{ pending: number }>(cluster, node, '/admin/hints')).pending

export const digest = async (cluster: Cluster, node: string): Promise<DigestRange[]> =>
  (await adminCall<{ ranges: DigestRange[] }>(cluster, node, '/admin/digest')).ranges

export const setClockSkew = (cluster: Cluster, node: string, skewMs: number): Promise<unknown> =>
  adminCall(cluster, node, '/admin/clock', {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: cluster.token },
    body: JSON.stringify({ skewMs }),
  })

/**
 * True when every node answers, holds no hints, and every ring arc has the same Merkle
 * root on all its replicas.
 */
export async function converged(cluster: Cluster): Promise<boolean> {
  try {
    const roots = new Map<number, Set<string>>()
    for (const { id } of cluster.nodes) {
      if ((await pendingHints(cluster, id)) > 0) return false
      for (const range of await digest(cluster, id)) roots.set(range.arc, (roots.get(range.arc) ?? new Set()).add(range.root))
    }
    return [...roots.values()].every((set) => set.size === 1)
  } catch {
    return false
  }
}
