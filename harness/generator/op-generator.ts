/**
 * The op generator: for each process (logical client), a deterministic stream of planned
 * ops from the workload and the run's seed. The same seed gives every process the same
 * ops in the same order, whatever the timing of the run.
 */
import type { ConsistencyMode } from '../../common/contracts/history.ts'
import type { Random } from '../../common/helpers/random.ts'
import type { Workload } from '../../workloads/workload.ts'
import type { PreferenceList } from '../../workloads/placement.ts'

export const ROUTINGS = ['random', 'coordinator', 'sticky'] as const
/**
 * `random`: any node (it forwards if it must). `coordinator`: the key's first home
 * replica, from a client-side ring (the partition-aware client of the Dynamo paper).
 * `sticky`: every op of a process goes to one node (process i to the i-th node, round
 * robin), as a client attached to its node.
 */
export type Routing = (typeof ROUTINGS)[number]

/**
 * The routing a run uses: `sticky` in the `causal` and `sequential` modes, whose promises
 * are to clients that stay on their node (a session moving between nodes would take its
 * dependencies somewhere that may not have them yet); otherwise the one asked for.
 */
export function routingFor(consistency: ConsistencyMode | undefined, asked: Routing): { routing: Routing; changed: boolean } {
  const sticky = consistency === 'causal' || consistency === 'sequential'
  return sticky ? { routing: 'sticky', changed: asked !== 'sticky' } : { routing: asked, changed: false }
}

export type PlannedOp = {
  /** `cas`: replace the value the session last saw of the key with a new one. */
  f: 'get' | 'put' | 'cas'
  key: string
  /** Node the request goes to. */
  node: string
  /** For puts and cas: unique id of the write in the run (`<process>-<n>`). */
  element?: string
}

export type OpGeneratorOptions = {
  process: number
  rng: Random
  workload: Workload
  /** Key names, indexed by the workload's key ranks. */
  keys: string[]
  nodes: string[]
  routing: Routing
  /** Where the store keeps each key, in preference order (needed for coordinator routing). */
  preferenceList?: PreferenceList
}

export class OpGenerator {
  readonly process: number
  #rng: Random
  #workload: Workload
  #keys: string[]
  #nodes: string[]
  #route: (key: string, rng: Random) => string
  #writes = 0

  constructor({ process, rng, workload, keys, nodes, routing, preferenceList }: OpGeneratorOptions) {
    this.process = process
    this.#rng = rng
    this.#workload = workload
    this.#keys = keys
    this.#nodes = nodes
    if (routing === 'coordinator') {
      if (!preferenceList) throw new Error('coordinator routing needs a store that tells where keys live (its ring)')
      this.#route = (key) => preferenceList(key)[0]
    } else if (routing === 'sticky') {
      const node = nodes[process % nodes.length]
      this.#route = () => node
    } else {
      this.#route = (_key, r) => r.pick(this.#nodes)
    }
  }

  next(): PlannedOp {
    // One draw decides the kind, so a workload without cas draws exactly as it always did.
    const draw = this.#rng.float()
    const { readFraction, casFraction } = this.#workload
    const f = draw < readFraction ? 'get' : draw < readFraction + casFraction ? 'cas' : 'put'
    const key = this.#keys[this.#workload.sampleKey(this.#rng)]
    const node = this.#route(key, this.#rng)
    if (f === 'get') return { f, key, node }
    return { f, key, node, element: `${this.process}-${this.#writes++}` }
  }
}
