/**
 * What a nemesis is: something that injects one kind of fault into a cluster and takes
 * it away again. `start` says what it did (recorded in the history); `stop` heals it and
 * is safe to call when nothing is active, so a run can always heal everything.
 */
import type { NemesisName } from '../../common/contracts/history.ts'
import type { Cluster } from '../adapter/index.ts'
import type { Random } from '../../common/helpers/random.ts'
import { settledFailures } from '../../common/helpers/settled.ts'

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
  /** How many nodes crash, power, pause or clock faults hit at once; {@link ALL_NODES} hits every node. */
  targets: number
}

export type NemesisContext = {
  cluster: Cluster
  /** The nemesis stream of the run's seed: same seed, same targets. */
  rng: Random
  options: NemesisOptions
  /**
   * The nodes a process fault (crash, pause, wipe) has down right now, kept by those
   * nemeses: the drop nemesis leaves their traffic out of the rate it achieved.
   */
  down?: Set<string>
}

export type NemesisEvent = Record<string, unknown>

export type Nemesis = {
  readonly name: NemesisName
  start(ctx: NemesisContext): Promise<NemesisEvent>
  stop(ctx: NemesisContext): Promise<NemesisEvent>
}

/** `targets` meaning every node of the cluster at once (`--targets all`): a power loss of the whole rack. */
export const ALL_NODES = 0

/** `count` distinct nodes picked by the nemesis stream ({@link ALL_NODES}: every node). */
function pickNodes(ctx: NemesisContext, count: number): string[] {
  const all = ctx.cluster.nodes.length
  return ctx.rng.shuffle(ctx.cluster.nodes.map((n) => n.id)).slice(0, count === ALL_NODES ? all : Math.max(1, Math.min(count, all)))
}

export type TargetNemesisOptions = {
  name: NemesisName
  /** The fault takes the node down (its messages fail or go unanswered): it is in the context's `down` while hit. */
  takesDown?: boolean
  /** Does the fault to one node; what it returns goes into the start event. */
  hit(ctx: NemesisContext, node: string): Promise<unknown>
  /** Undoes it. */
  undo(ctx: NemesisContext, node: string): Promise<unknown>
}

/**
 * A nemesis that hits a few nodes (crash, pause, clock). Each node is hit and healed on
 * its own: a node whose hit failed is not healed, and a node whose heal failed stays
 * pending, so the next stop (the run's final heal) tries it again.
 */
export function targetNemesis({ name, hit, undo, takesDown = false }: TargetNemesisOptions): Nemesis {
  let hurt: string[] = []
  return {
    name,
    async start(ctx) {
      const targets = pickNodes(ctx, ctx.options.targets)
      const results = await Promise.allSettled(targets.map((node) => hit(ctx, node)))
      const done = targets.filter((_, i) => results[i].status === 'fulfilled')
      hurt.push(...done)
      if (takesDown) for (const node of done) ctx.down?.add(node)
      const details = Object.fromEntries(
        targets.flatMap((node, i) => {
          const r = results[i]
          return r.status === 'fulfilled' && r.value !== undefined ? [[node, r.value]] : []
        }),
      )
      return { targets, ...(Object.keys(details).length > 0 ? { details } : {}), ...settledFailures(targets, results) }
    },
    async stop(ctx) {
      const targets = hurt
      const results = await Promise.allSettled(targets.map((node) => undo(ctx, node)))
      hurt = targets.filter((_, i) => results[i].status === 'rejected')
      if (takesDown) for (const node of targets) if (!hurt.includes(node)) ctx.down?.delete(node)
      return { targets, ...settledFailures(targets, results) }
    },
  }
}
