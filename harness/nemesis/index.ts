/** The nemesis package: every nemesis by name, and the schedule that runs them. */
import type { NemesisName } from '../../common/contracts/history.ts'
import type { NetworkCapabilities, NetworkFault } from '../adapter/index.ts'
import { clockNemesis } from './clock.ts'
import { dropNemesis, latencyNemesis, partitionNemesis } from './link-faults.ts'
import type { Nemesis } from './nemesis.ts'
import { crashNemesis, pauseNemesis, powerNemesis, wipeNemesis } from './process-faults.ts'

export { ALL_NODES, PARTITION_KINDS, type Nemesis, type NemesisContext, type NemesisOptions, type PartitionKind } from './nemesis.ts'
export { NemesisSchedule, type NemesisScheduleOptions } from './schedule.ts'

const FACTORIES: Record<NemesisName, () => Nemesis> = {
  latency: latencyNemesis,
  drop: dropNemesis,
  crash: crashNemesis,
  pause: pauseNemesis,
  partition: partitionNemesis,
  clock: clockNemesis,
  wipe: wipeNemesis,
  power: powerNemesis,
}

export const createNemesis = (name: NemesisName): Nemesis => FACTORIES[name]()

/** The network fault each link nemesis needs; the others need none. */
const NETWORK_FAULTS: Partial<Record<NemesisName, NetworkFault>> = { latency: 'slow', drop: 'drop', partition: 'cut' }

/** Each of `nemeses` that a network able to do `can` cannot serve, with the network's reason. */
export function refusedByNetwork(can: NetworkCapabilities, nemeses: readonly NemesisName[]): string[] {
  return nemeses.flatMap((name) => {
    const fault = NETWORK_FAULTS[name]
    const capability = fault && can[fault]
    return capability && !capability.ok ? [`${name}: ${capability.reason}`] : []
  })
}
