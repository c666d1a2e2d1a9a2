/** The `clock` nemesis: moves a node's wall clock (what `lww` orders writes by) through `/admin/clock`. */
import { setClockSkew } from '../cluster/admin.ts'
import { targetNemesis, type Nemesis } from './nemesis.ts'

export const clockNemesis = (): Nemesis =>
  targetNemesis({
    name: 'clock',
    async hit(ctx, node) {
      const skewMs = (ctx.rng.float() < 0.5 ? -1 : 1) * ctx.options.clockSkewMs
      await setClockSkew(ctx.cluster, node, skewMs)
      return { skewMs }
    },
    undo: (ctx, node) => setClockSkew(ctx.cluster, node, 0),
  })
