/**
 * Key names for a workload: `spread` keys fall wherever they hash on the ring;
 * `colocated` keys are chosen so they all share one preference list, so one node's
 * failure hits every key.
 */

export type Placement = 'spread' | 'colocated'

/** A store's key placement: the nodes that hold a key, in preference order. */
export type PreferenceList = (key: string) => readonly string[]

/**
 * `count` key names under `placement`. `colocated` needs the store's placement
 * (`preferenceList`); `spread` does not.
 */
export function keyNames(count: number, placement: Placement, preferenceList?: PreferenceList): string[] {
  if (placement === 'spread') return Array.from({ length: count }, (_, i) => `k${i}`)
  if (!preferenceList) throw new Error('colocated placement needs a store that tells where keys live (its ring)')
  const target = preferenceList('k0').join(',')
  const names: string[] = []
  for (let i = 0; names.length < count; i++) {
    const name = `k${i}`
    if (preferenceList(name).join(',') === target) names.push(name)
  }
  return names
}
