/** Nemeses on node processes: `crash` (kill -9, restart from its data) and `pause` (SIGSTOP, SIGCONT). */
import { targetNemesis, type Nemesis } from './nemesis.ts'

export const crashNemesis = (): Nemesis =>
  targetNemesis({
    name: 'crash',
    hit: ({ cluster }, node) => cluster.control.kill(node),
    undo: ({ cluster }, node) => cluster.control.start(node),
  })

export const pauseNemesis = (): Nemesis =>
  targetNemesis({
    name: 'pause',
    hit: ({ cluster }, node) => cluster.control.pause(node),
    undo: ({ cluster }, node) => cluster.control.resume(node),
  })
