/**
 * Nemeses on node processes: `crash` (kill -9, restart from its data), `pause` (SIGSTOP,
 * SIGCONT), `wipe` (kill -9 and delete its data, restart it empty: Jepsen's lost disk) and
 * `power` (kill -9 and lose what the disk had not made durable, restart).
 */
import { targetNemesis, type Nemesis } from './nemesis.ts'

export const crashNemesis = (): Nemesis =>
  targetNemesis({
    name: 'crash',
    takesDown: true,
    hit: ({ cluster }, node) => cluster.control.kill(node),
    undo: ({ cluster }, node) => cluster.control.start(node),
  })

export const pauseNemesis = (): Nemesis =>
  targetNemesis({
    name: 'pause',
    takesDown: true,
    hit: ({ cluster }, node) => cluster.control.pause(node),
    undo: ({ cluster }, node) => cluster.control.resume(node),
  })

export const wipeNemesis = (): Nemesis =>
  targetNemesis({
    name: 'wipe',
    takesDown: true,
    hit: ({ cluster }, node) => {
      if (!cluster.control.wipe) return Promise.reject(new Error("this cluster cannot delete a node's data"))
      return cluster.control.wipe(node)
    },
    undo: ({ cluster }, node) => cluster.control.start(node),
  })

/**
 * A power loss: unlike `crash`, which leaves the kernel's page cache (and so every write
 * the node made, synced or not), the node's disk drops what was not fsynced.
 */
export const powerNemesis = (): Nemesis =>
  targetNemesis({
    name: 'power',
    hit: ({ cluster }, node) => {
      if (!cluster.powerCut) return Promise.reject(new Error("this cluster cannot cut a node's power (its nodes are not on lazyfs disks)"))
      return cluster.powerCut(node)
    },
    undo: ({ cluster }, node) => cluster.control.start(node),
  })
