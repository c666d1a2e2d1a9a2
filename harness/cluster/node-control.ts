/**
 * The adapter seam's {@link NodeControl} over a cluster's own node objects (processes the
 * harness started): look the node up by id, and restart as stop then start. Any store whose
 * nodes can be started, stopped, killed, paused and resumed one by one gets its control here.
 */
import type { NodeControl } from '../adapter/index.ts'

/** One node as its cluster runs it. */
export type ControlledNode = {
  /** Starts it (again, from its data) and resolves once it serves. */
  start(): Promise<void>
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>
  kill(): Promise<void>
  pause(): void | Promise<void>
  resume(): void | Promise<void>
}

/** Control of these nodes by id (a node id the map lacks is refused, naming it). */
export function nodeControl(nodes: ReadonlyMap<string, ControlledNode>): NodeControl {
  const node = (id: string): ControlledNode => {
    const found = nodes.get(id)
    if (!found) throw new Error(`no node ${id} (nodes: ${[...nodes.keys()].join(', ')})`)
    return found
  }
  return {
    can: { kill: true, pause: true },
    start: (id) => node(id).start(),
    stop: (id) => node(id).stop(),
    kill: (id) => node(id).kill(),
    restart: async (id) => {
      await node(id).stop()
      await node(id).start()
    },
    pause: async (id) => node(id).pause(),
    resume: async (id) => node(id).resume(),
  }
}
