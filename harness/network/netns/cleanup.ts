/**
 * Finding and removing what netns networks left behind (a run killed with SIGKILL, a
 * machine that lost power): every namespace and host link whose name a netns network
 * gives, grouped by run, with the owner its bridge names. A run whose owner still lives
 * is in use and kept, unless forced; removing a run kills what still runs in its
 * namespaces (its nodes) first.
 */
import { isProcessAlive } from '../../../common/helpers/pid.ts'
import { ipBatch, run } from './command.ts'
import { netnsNames, ownerOf } from './names.ts'
import { linkAlias, netnsObjects, type NetnsObject } from './topology.ts'

/** One run's namespaces and links; `owner` is the pid its bridge names (none when the bridge is gone). */
export type NetnsRun = { id: string; owner?: number; inUse: boolean; objects: NetnsObject[] }

/** Every run with something left on this machine, in id order. */
export async function netnsRuns(): Promise<NetnsRun[]> {
  const byId = new Map<string, NetnsObject[]>()
  for (const object of await netnsObjects()) byId.set(object.id, [...(byId.get(object.id) ?? []), object])
  const runs = await Promise.all(
    [...byId].map(async ([id, objects]): Promise<NetnsRun> => {
      const owner = ownerOf(await linkAlias(netnsNames(id).bridge))
      return { id, ...(owner === undefined ? {} : { owner }), inUse: owner !== undefined && isProcessAlive(owner), objects }
    }),
  )
  return runs.sort((a, b) => a.id.localeCompare(b.id))
}

export type CleanupResult = {
  /** Runs whose every namespace and link is gone now. */
  removed: NetnsRun[]
  /** Runs left alone: their owner is alive. */
  inUse: NetnsRun[]
  /** What could not be removed. */
  left: NetnsObject[]
}

/** Removes every run's leftovers (with `force`, also those of runs whose owner is alive) and says what remains. */
export async function cleanupNetns({ force = false }: { force?: boolean } = {}): Promise<CleanupResult> {
  const runs = await netnsRuns()
  const doomed = runs.filter((r) => force || !r.inUse)
  const objects = doomed.flatMap((r) => r.objects)
  // A namespace lasts while a process is in it: a killed run's nodes may outlive it (a paused one does).
  await Promise.all(objects.filter((o) => o.kind === 'namespace').map((o) => killEveryProcessIn(o.name)))
  // Namespaces first: their veth ends go with them, and the host ends with those.
  const lines = [
    ...objects.filter((o) => o.kind === 'namespace').map((o) => `netns del ${o.name}`),
    ...objects.filter((o) => o.kind === 'link').map((o) => `link del ${o.name}`),
  ]
  if (lines.length > 0) await ipBatch(lines).catch(() => undefined)
  const doomedIds = new Set(doomed.map((r) => r.id))
  const left = (await netnsObjects()).filter((o) => doomedIds.has(o.id))
  const leftIds = new Set(left.map((o) => o.id))
  return { removed: doomed.filter((r) => !leftIds.has(r.id)), inUse: runs.filter((r) => !doomedIds.has(r.id)), left }
}

/** SIGKILL to every process in a namespace (there are none once its run has stopped its nodes). */
async function killEveryProcessIn(namespace: string): Promise<void> {
  const pids = await run(['ip', 'netns', 'pids', namespace]).catch(() => '')
  for (const pid of pids.split('\n').filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Gone already.
    }
  }
}
