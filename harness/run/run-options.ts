/** Everything that defines a run, with the defaults `npm run workload` uses. */
import type { NemesisName, NemesisScheduleMode, NetworkKind } from '../../common/contracts/history.ts'
import type { WorkloadSpec } from '../../workloads/workload.ts'
import type { StoreAdapter } from '../adapter/index.ts'
import type { Arrival } from '../generator/arrivals.ts'
import type { Routing } from '../generator/op-generator.ts'
import type { NemesisOptions } from '../nemesis/index.ts'

export type RunOptions = {
  workload: WorkloadSpec
  /** The store under test, with its settings (local or external mode is the adapter's business). */
  store: StoreAdapter
  /** How many nodes the adapter starts (an external cluster has its own). */
  nodes: number
  /** The network the adapter starts the nodes on: Toxiproxy links (`proxy`) or a namespace per node (`netns`). */
  network: NetworkKind
  /** Measured run, s. */
  timeS: number
  /** Before the measured run, without faults, s. */
  warmupS: number
  /** Offered ops/s (open loop); 0 for closed loop. */
  rate: number
  arrival: Arrival
  /** Logical clients (sessions). */
  concurrency: number
  seed: number
  routing: Routing
  nemeses: NemesisName[]
  /** Faults on this long, then off as long, s. */
  nemesisIntervalS: number
  /** With several nemeses: one per fault window in turn (`rotate`), or all in every window (`together`). */
  nemesisSchedule: NemesisScheduleMode
  nemesis: NemesisOptions
  /** Client deadline for one request, ms; an op past it is `info` (or `fail` for a read). */
  requestTimeoutMs: number
  /** How long to wait for replicas to converge after the final heal, s. */
  convergenceTimeoutS: number
  /** Folder that receives one folder per run. */
  out: string
  /** The run folder's name inside `out` (default `<timestamp>-<workload>-<nemesis>`): the matrix names its cells' runs. */
  folder?: string
  /** Show the live progress line. */
  progress: boolean
  /**
   * The security test: during the measured run a forging client (the store adapter's
   * `openForger`) sends writes with forged, replayed and oversized contexts, each
   * recorded; the store must refuse every one and lose no acknowledged write.
   */
  forge?: boolean
  /** Checks to fail the run on though the configuration does not promise them (`--fail-on`); recorded in the run record. */
  failOn?: string[]
}

export const RUN_DEFAULTS = {
  nodes: 3,
  network: 'proxy',
  timeS: 30,
  warmupS: 2,
  rate: 200,
  arrival: 'poisson',
  concurrency: 10,
  routing: 'random',
  // A crash first, so that writes reach the restarted node before the run ends, then a
  // partition: between them they reach every planted bug a short run can (README, Detection power).
  nemeses: ['crash', 'partition'],
  nemesisIntervalS: 10,
  nemesisSchedule: 'rotate',
  nemesis: {
    latencyMs: 100,
    jitterMs: 20,
    latencyClients: false,
    dropProbability: 0.2,
    // Jepsen's random halves: with 3 nodes one node alone, cut off from a majority, which is
    // what exposes a coordinator that acknowledges writes it could not replicate.
    partition: 'halves',
    clockSkewMs: 5000,
    targets: 1,
  },
  requestTimeoutMs: 5000,
  convergenceTimeoutS: 60,
  out: 'runs',
} as const satisfies Partial<RunOptions>
