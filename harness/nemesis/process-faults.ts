/** Nemeses on node processes: `crash` (kill -9, restart from its data) and `pause` (SIGSTOP, SIGCONT). */
import { pickNodes, type Nemesis } from './nemesis.ts'

export function crashNemesis(): Nemesis {
  let crashed: string[] = []
  return {
    name: 'crash',
    async start(ctx) {
      crashed = pickNodes(ctx, ctx.options.targets)
      for (const node of crashed) await ctx.cluster.control.crash(node)
      return { targets: crashed }
    },
    async stop(ctx) {
      const restarted = crashed
      crashed = []
      for (const node of restarted) await ctx.cluster.control.restart(node)
      return { targets: restarted }
    },
  }
}

export function pauseNemesis(): Nemesis {
  let paused: string[] = []
  return {
    name: 'pause',
    async start(ctx) {
      paused = pickNodes(ctx, ctx.options.targets)
      for (const node of paused) await ctx.cluster.control.pause(node)
      return { targets: paused }
    },
    async stop(ctx) {
      const resumed = paused
      paused = []
      for (const node of resumed) await ctx.cluster.control.resume(node)
      return { targets: resumed }
    },
  }
}
