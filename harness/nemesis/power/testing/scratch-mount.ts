/**
 * Test helpers for lazyfs: a fresh backing dir and mount point under the system's temp
 * dir, mounted, and unmounted and removed by the test's cleanup even when it fails; and
 * a child process run to its first JSON line.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LazyFs, lazyFsSupport } from '../index.ts'

type Cleanup = (handler: () => Promise<void> | void) => void

/** Why the lazyfs tests are skipped on this machine, or undefined when they can run. */
export const skipReason: string | undefined = (() => {
  const support = lazyFsSupport()
  return support.ok ? undefined : `lazyfs cannot run here: ${support.reason}`
})()

export type Scratch = { root: string; backingDir: string; mountPoint: string }

/** Empty backing dir and mount point, removed by the cleanup. */
export function scratchDirs(cleanup: Cleanup): Scratch {
  const root = mkdtempSync(join(tmpdir(), 'lazyfs-test-'))
  const backingDir = join(root, 'backing')
  const mountPoint = join(root, 'mnt')
  mkdirSync(backingDir)
  mkdirSync(mountPoint)
  // Registered first, so it runs last (Japa runs cleanups in reverse), after the unmount.
  cleanup(() => rmSync(root, { recursive: true, force: true }))
  return { root, backingDir, mountPoint }
}

/** lazyfs mounted over a fresh backing dir; the cleanup unmounts it and removes both. */
export async function scratchMount(cleanup: Cleanup): Promise<Scratch & { fs: LazyFs }> {
  const dirs = scratchDirs(cleanup)
  const fs = await LazyFs.mount(dirs)
  cleanup(() => fs.unmount())
  return { ...dirs, fs }
}

export const TSX_NODE = [process.execPath, '--import', 'tsx']

/** Spawns a child (killed by the cleanup) and resolves with it and its first JSON line of stdout. */
export function spawnUntilLine<T>(cleanup: Cleanup, args: string[], timeoutMs = 20_000): Promise<{ child: ChildProcess; line: T }> {
  const child = spawn(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
  cleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let stdout = ''
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolveLine, reject) => {
    const timer = setTimeout(() => reject(new Error(`no line from ${args.join(' ')} within ${timeoutMs} ms: ${stderr}`)), timeoutMs)
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const end = stdout.indexOf('\n')
      if (end < 0) return
      clearTimeout(timer)
      resolveLine({ child, line: JSON.parse(stdout.slice(0, end)) as T })
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${args.join(' ')} exited (code ${code}) without a line: ${stderr}`))
    })
  })
}

/** Kills the child with SIGKILL and waits until it is gone (its mappings written back, its files closed). */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((resolveGone) => child.once('exit', resolveGone))
  child.kill('SIGKILL')
  await gone
}
