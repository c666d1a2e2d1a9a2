/**
 * Spawning one etcd member: its output appended to a log file (written by the process
 * itself, so nothing is lost if the harness stalls), and the process handed over to a
 * {@link ProcessControl} for kill, stop, pause and resume. No member outlives the harness:
 * the control kills those still running when it exits, and the etcd built from `server/`
 * also asks the kernel to kill it when the harness dies without exiting (SIGKILL), told
 * the harness's pid by `QUORUMLAB_PARENT_PID`.
 */
import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { dirname } from 'node:path'
import { ProcessControl } from '../../cluster/process-control.ts'

/** Starts `argv` (etcd, or a launcher that execs it) with its output appended to `logFile`; resolves once the process exists. */
export async function spawnMember(argv: string[], logFile: string): Promise<ProcessControl> {
  mkdirSync(dirname(logFile), { recursive: true })
  const log = openSync(logFile, 'a')
  const [file, ...args] = argv
  const env = { ...process.env, QUORUMLAB_PARENT_PID: String(process.pid) }
  try {
    const child = spawn(file, args, { stdio: ['ignore', log, log], env })
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', (error) => reject(new Error(`could not start ${file}: ${error.message}`)))
    })
    return new ProcessControl(child)
  } finally {
    closeSync(log)
  }
}

/** The last `bytes` of a member's log, to say why it failed. */
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
