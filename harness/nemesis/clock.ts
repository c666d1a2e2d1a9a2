/** The `clock` nemesis: moves a node's wall clock (what `lww` orders writes by), on stores whose cluster can. */
import type { Cluster } from '../adapter/index.ts'
import { targetNemesis, type Nemesis } from './nemesis.ts'

const skew = (cluster: Cluster, node: string, skewMs: number): Promise<void> =>
  cluster.skewClock ? cluster.skewClock(node, skewMs) : Promise.reject(new Error('this store cannot skew a node clock'))

export const clockNemesis = (): Nemesis =>
  targetNemesis({
    name: 'clock',
    async hit(ctx, node) {
      const skewMs = (ctx.rng.float() < 0.5 ? -1 : 1) * ctx.options.clockSkewMs
      await skew(ctx.cluster, node, skewMs)
      return { skewMs }
    },
    undo: (ctx, node) => skew(ctx.cluster, node, 0),
  })
