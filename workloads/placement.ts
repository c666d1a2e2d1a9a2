/**
 * Key names for a workload: `spread` keys fall wherever they hash on the ring;
 * `colocated` keys are chosen so they all share one preference list, so one node's
 * failure hits every key.
 */
import { Ring } from '../store/ring.ts'

export type Placement = 'spread' | 'colocated'

export type PlacementRing = { nodes: string[]; vnodes: number }

/** `count` key names under `placement` on a ring of these nodes. */
export function keyNames(count: number, placement: Placement, ring: PlacementRing): string[] {
  if (placement === 'spread') return Array.from({ length: count }, (_, i) => `k${i}`)
  const r = new Ring(ring)
  const target = r.preferenceList('k0').join(',')
  const names: string[] = []
  for (let i = 0; names.length < count; i++) {
    const name = `k${i}`
    if (r.preferenceList(name).join(',') === target) names.push(name)
  }
  return names
}
