/**
 * Mounts lazyfs over a node's data dir and cuts its power. lazyfs (./lazyfs/, Go) passes
 * everything through to a backing directory, except that file data waits in memory until
 * the file is fsynced and namespace changes wait until any fsync; `powerCut()` drops what
 * waits, as a power loss does. Kill the processes using the mount (SIGKILL) before the
 * cut, restart them after.
 *
 * A mount never outlives its owner: `unmount()` is idempotent, every live mount is sent
 * SIGTERM when this process exits, and the daemon unmounts itself when its stdin (a pipe
 * from this process) ends, even if this process was killed.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { rmSync, statSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureLazyFs } from './lazy-fs-build.ts'
import { canonicalPath, cleanupLazyFsMounts, isLazyFsMounted, lazyUnmount } from './mount-table.ts'

export type LazyFsMountOptions = {
  /** Directory holding the durable data; must exist. */
  backingDir: string
  /** Directory to mount over; must exist, and neither contain nor sit inside backingDir. */
  mountPoint: string
  /** How long the daemon may take to mount once built, ms. Default 10 000. */
  timeoutMs?: number
}

/** What a power cut dropped. */
export type PowerCutResult = {
  /** Files that had unsynced data or size changes. */
  droppedFiles: number
  /** Unsynced bytes dropped (cached pages within the files' sizes). */
  droppedBytes: number
  /** Creates, mkdirs, unlinks, rmdirs and renames undone. */
  undoneChanges: number
}

/** A file with unsynced data. */
export type PendingFile = {
  /** Path relative to the mount point; empty when unlinked while pending. */
  path: string
  unlinked: boolean
  /** Size as readers see it, bytes. */
  size: number
  pendingPages: number
  pendingBytes: number
}

/** A namespace change no fsync has committed yet. */
export type PendingChange = { kind: 'create' | 'mkdir' | 'remove' | 'rename'; path: string; from?: string }

export type LazyFsStats = {
  /** Bytes a power cut would drop now. */
  pendingBytes: number
  files: PendingFile[]
  changes: PendingChange[]
}

const COMMAND_TIMEOUT_MS = 10_000
const UNMOUNT_TIMEOUT_MS = 10_000
const STDERR_KEPT = 64 * 1024

const live = new Set<LazyFs>()
let exitHookInstalled = false

export class LazyFs {
  readonly backingDir: string
  readonly mountPoint: string
  #daemon: ChildProcess
  #control: string
  #stderr = ''
  #exited: Promise<void>
  #exitCode: number | null | undefined = undefined

  private constructor(backingDir: string, mountPoint: string, daemon: ChildProcess, control: string) {
    this.backingDir = backingDir
    this.mountPoint = mountPoint
    this.#daemon = daemon
    this.#control = control
    // A forgotten mount must not keep this process alive: the exit hook stops it.
    daemon.unref()
    for (const stream of [daemon.stdin, daemon.stdout, daemon.stderr]) (stream as Socket | null)?.unref()
    daemon.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-STDERR_KEPT)
    })
    this.#exited = new Promise((resolveExit) => {
      daemon.once('exit', (code, signal) => {
        this.#exitCode = code ?? (signal ? -1 : null)
        live.delete(this)
        resolveExit()
      })
    })
  }

  /**
   * Mounts lazyfs at `mountPoint` over `backingDir` (building it first if needed) and
   * resolves once the mount serves. A stale lazyfs mount left at `mountPoint` by a dead
   * daemon is unmounted first. Throws LazyFsUnavailableError when the machine cannot
   * run FUSE or Go, and an Error naming the problem for a bad directory.
   */
  static async mount(options: LazyFsMountOptions): Promise<LazyFs> {
    const backingDir = canonicalPath(options.backingDir)
    const mountPoint = canonicalPath(options.mountPoint)
    for (const [what, dir] of [
      ['backingDir', backingDir],
      ['mountPoint', mountPoint],
    ]) {
      if (!isDirectory(dir)) throw new Error(`lazyfs ${what} ${dir} is not an existing directory`)
    }
    const binary = await ensureLazyFs()
    cleanupLazyFsMounts({ under: mountPoint })
    if (isLazyFsMounted(mountPoint)) throw new Error(`lazyfs is already mounted at ${mountPoint}`)
    // Short, whatever the mount point's length: a unix socket path must fit in 108 bytes.
    const control = join(tmpdir(), `quorumlab-lazyfs-${process.pid}-${randomUUID().slice(0, 8)}.sock`)
    const daemon = spawn(binary, ['--backing', backingDir, '--mount', mountPoint, '--control', control, '--watch-stdin'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const fs = new LazyFs(backingDir, mountPoint, daemon, control)
    live.add(fs)
    LazyFs.#installExitHook()
    try {
      await fs.#ready(options.timeoutMs ?? 10_000)
    } catch (error) {
      await fs.unmount().catch(() => undefined)
      throw error
    }
    return fs
  }

  /** Drops every write and namespace change not yet fsynced, as a power loss does. */
  async powerCut(): Promise<PowerCutResult> {
    const { droppedFiles, droppedBytes, undoneChanges } = await this.#command('clear-cache')
    return { droppedFiles, droppedBytes, undoneChanges } as PowerCutResult
  }

  /** Makes everything pending durable, as a sync(1) does. */
  async flush(): Promise<void> {
    await this.#command('flush')
  }

  /** What a power cut would drop now. */
  async stats(): Promise<LazyFsStats> {
    const { pendingBytes, files, changes } = await this.#command('stats')
    return { pendingBytes, files, changes } as LazyFsStats
  }

  /**
   * Unmounts cleanly (what is pending is flushed first, as a clean unmount of a disk
   * does; call powerCut() before to lose it instead). Files still open are detached
   * lazily. Idempotent; after it resolves nothing is mounted at the mount point.
   */
  async unmount(): Promise<void> {
    if (this.#exitCode === undefined) {
      this.#daemon.kill('SIGTERM')
      const exited = await withTimeout(
        this.#exited.then(() => true),
        UNMOUNT_TIMEOUT_MS,
        () => false,
      )
      if (!exited) {
        this.#daemon.kill('SIGKILL')
        await this.#exited
      }
    }
    if (isLazyFsMounted(this.mountPoint)) lazyUnmount(this.mountPoint)
    // The daemon removes its socket, unless it was killed.
    rmSync(this.#control, { force: true })
  }

  static #installExitHook(): void {
    if (exitHookInstalled) return
    exitHookInstalled = true
    // An exit handler cannot wait: each daemon, told to stop, unmounts on its own.
    process.on('exit', () => {
      for (const fs of live) fs.#daemon.kill('SIGTERM')
    })
  }

  async #ready(timeoutMs: number): Promise<void> {
    const stdout = this.#daemon.stdout!
    let text = ''
    const ready = new Promise<void>((resolveReady, reject) => {
      stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString()
        if (text.includes('"ready":true')) resolveReady()
      })
      this.#daemon.once('error', (error) => reject(new Error(`lazyfs could not start: ${error.message}`)))
      void this.#exited.then(() => reject(new Error(`lazyfs exited (code ${this.#exitCode}) before mounting: ${this.#stderr.trim()}`)))
    })
    await withTimeout(ready, timeoutMs, () => {
      throw new Error(`lazyfs did not mount ${this.mountPoint} within ${timeoutMs} ms: ${this.#stderr.trim()}`)
    })
  }

  // biome-ignore lint/suspicious/noExplicitAny: the daemon's JSON reply, narrowed by each caller
  #command(command: string): Promise<any> {
    if (this.#exitCode !== undefined) {
      return Promise.reject(new Error(`lazyfs at ${this.mountPoint} is not running (exit code ${this.#exitCode}): ${this.#stderr.trim()}`))
    }
    return new Promise((resolveReply, reject) => {
      const socket = connect({ path: this.#control })
      let reply = ''
      socket.setTimeout(COMMAND_TIMEOUT_MS, () => socket.destroy(new Error(`lazyfs ${command}: no answer within ${COMMAND_TIMEOUT_MS} ms`)))
      socket.on('data', (chunk: Buffer) => {
        reply += chunk.toString()
      })
      socket.on('error', (error) => reject(new Error(`lazyfs ${command}: ${error.message}`)))
      socket.on('end', () => {
        try {
          const parsed = JSON.parse(reply)
          if (parsed.ok) resolveReply(parsed)
          else reject(new Error(`lazyfs ${command}: ${parsed.error}`))
        } catch {
          reject(new Error(`lazyfs ${command}: unreadable reply ${JSON.stringify(reply)}`))
        }
      })
      socket.end(`${command}\n`)
    })
  }
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory()
  } catch {
    return false
  }
}

/** `promise`, or what `late` returns (or throws) once `ms` have passed; the timer holds the event loop meanwhile. */
async function withTimeout<T>(promise: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<T>((resolveLate, reject) => {
    timer = setTimeout(() => {
      try {
        resolveLate(late())
      } catch (error) {
        reject(error)
      }
    }, ms)
  })
  try {
    return await Promise.race([promise, deadline])
  } finally {
    clearTimeout(timer)
  }
}
