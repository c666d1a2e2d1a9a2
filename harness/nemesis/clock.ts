/** The `clock` nemesis: moves a node's wall clock (what `lww` orders writes by) through `/admin/clock`. */
import { setClockSkew } from '../cluster/admin.ts'
import { pickNodes, type Nemesis } from './nemesis.ts'

export function clockNemesis(): Nemesis {
  let skewed: string[] = []
  return {
    name: 'clock',
    async start(ctx) {
      skewed = pickNodes(ctx, ctx.options.targets)
      const skews: Record<string, number> = {}
      for (const node of skewed) {
        skews[node] = (ctx.rng.float() < 0.5 ? -1 : 1) * ctx.options.clockSkewMs
        await setClockSkew(ctx.cluster, node, skews[node])
      }
      return { targets: skewed, skewMs: skews }
    },
    async stop(ctx) {
      const reset = skewed
      skewed = []
      for (const node of reset) await setClockSkew(ctx.cluster, node, 0)
      return { targets: reset }
    },
  }
}
