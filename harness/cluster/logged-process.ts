/**
 * Spawning one node process of any store (an etcd member, a node started from an http
 * store description's command): its output appended to a log file (written by the process
 * itself, so nothing is lost if the harness stalls), and the process handed over to a
 * {@link ProcessControl} for kill, stop, pause and resume. No such process outlives the
 * harness: the control kills those still running when it exits, and a program that reads
 * `QUORUMLAB_PARENT_PID` (the etcd built from `harness/stores/etcd/server/`) can ask the
 * kernel to kill it when the harness dies without exiting (SIGKILL).
 */
import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { dirname } from 'node:path'
import { ProcessControl } from './process-control.ts'

export type SpawnOptions = {
  /** Working folder of the process; default the harness's. */
  cwd?: string
  /** Variables added to the harness's environment. */
  env?: Record<string, string>
}

/** Starts `argv` (a node program, or a launcher that execs it) with its output appended to `logFile`; resolves once the process exists. */
export async function spawnLogged(argv: string[], logFile: string, options: SpawnOptions = {}): Promise<ProcessControl> {
  mkdirSync(dirname(logFile), { recursive: true })
  const log = openSync(logFile, 'a')
  const [file, ...args] = argv
  const env = { ...process.env, ...options.env, QUORUMLAB_PARENT_PID: String(process.pid) }
  try {
    const child = spawn(file, args, { stdio: ['ignore', log, log], env, cwd: options.cwd })
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', (error) => reject(new Error(`could not start ${file}: ${error.message}`)))
    })
    return new ProcessControl(child)
  } finally {
    closeSync(log)
  }
}

/** The last `bytes` of a process's log, to say why it failed. */
export async function logTail(logFile: string, bytes = 4000): Promise<string> {
  const file = await open(logFile, 'r').catch(() => undefined)
  if (!file) return '(no log)'
  try {
    const { size } = await file.stat()
    const length = Math.min(bytes, size)
    const buffer = Buffer.alloc(length)
    await file.read(buffer, 0, length, size - length)
    return buffer.toString('utf8')
  } finally {
    await file.close()
  }
}
