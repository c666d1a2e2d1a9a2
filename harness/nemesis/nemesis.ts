/**
 * What a nemesis is: something that injects one kind of fault into a cluster and takes
 * it away again. `start` says what it did (recorded in the history); `stop` heals it and
 * is safe to call when nothing is active, so a run can always heal everything.
 */
import type { NemesisName } from '../history/record.ts'
import type { Cluster } from '../cluster/cluster.ts'
import type { Random } from '../../workloads/random.ts'

export const PARTITION_KINDS = ['isolate', 'halves', 'majority-ring', 'bridge', 'one-way'] as const
export type PartitionKind = (typeof PARTITION_KINDS)[number]

export type NemesisOptions = {
  /** Extra delay per message on a link, ms. */
  latencyMs: number
  /** ± variation of that delay, ms. */
  jitterMs: number
  /** Also delay client links. */
  latencyClients: boolean
  /** Probability that a node-to-node message is lost. */
  dropProbability: number
  /** Which partition; `random` picks one each time. */
  partition: PartitionKind | 'random'
  /** How far the clock nemesis moves a node's wall clock, ms (either direction). */
  clockSkewMs: number
  /** How many nodes crash, pause or clock faults hit at once. */
  targets: number
}

export type NemesisContext = {
  cluster: Cluster
  /** The nemesis stream of the run's seed: same seed, same targets. */
  rng: Random
  options: NemesisOptions
}

export type NemesisEvent = Record<string, unknown>

export type Nemesis = {
  readonly name: NemesisName
  start(ctx: NemesisContext): Promise<NemesisEvent>
  stop(ctx: NemesisContext): Promise<NemesisEvent>
}

/** `count` distinct nodes picked by the nemesis stream. */
export const pickNodes = (ctx: NemesisContext, count: number): string[] =>
  ctx.rng.shuffle(ctx.cluster.nodes.map((n) => n.id)).slice(0, Math.max(1, Math.min(count, ctx.cluster.nodes.length)))
