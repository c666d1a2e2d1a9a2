/**
 * Node control by shell commands a cluster config gives (`{node}` replaced by the node
 * id), and the control of a cluster the harness may not touch.
 */
import { exec } from 'node:child_process'
import { promisify } from 'node:util'
import type { NodeControl } from '../adapter/index.ts'

const run = promisify(exec)

export type CommandControlConfig = {
  type: 'command'
  crash: string
  restart: string
  pause: string
  resume: string
  /** kill -9 the node and delete its data (the wipe nemesis); `restart` brings it back empty. */
  wipe?: string
  timeoutMs?: number
}

/** `crash` is kill -9 and `restart` brings a crashed node back; there is no command for a graceful stop. */
export function commandControl(config: CommandControlConfig): NodeControl {
  const timeout = config.timeoutMs ?? 30_000
  const act = (template: string) => async (node: string) => {
    await run(template.replaceAll('{node}', node), { timeout })
  }
  const noStop = (): Promise<void> =>
    Promise.reject(new Error('control.type "command" has crash and restart commands, none to stop a node gracefully'))
  return {
    can: { kill: true, pause: true },
    start: act(config.restart),
    stop: noStop,
    kill: act(config.crash),
    restart: noStop,
    pause: act(config.pause),
    resume: act(config.resume),
    ...(config.wipe === undefined ? {} : { wipe: act(config.wipe) }),
  }
}

const refuse = (what: string) => (): Promise<void> =>
  Promise.reject(new Error(`this cluster config has control.type "none": nodes cannot be ${what}`))

export const noControl: NodeControl = {
  can: { kill: false, pause: false },
  start: refuse('started'),
  stop: refuse('stopped'),
  kill: refuse('crashed'),
  restart: refuse('restarted'),
  pause: refuse('paused'),
  resume: refuse('resumed'),
}
