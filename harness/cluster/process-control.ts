/**
 * Control of one child process the harness started (a store node, an etcd member): kill -9,
 * stop (SIGTERM, then SIGKILL after a grace period), pause (SIGSTOP) and resume (SIGCONT).
 * No process under control outlives the harness: those still running when it exits, for
 * whatever reason it exits, are killed then.
 */
import type { ChildProcess } from 'node:child_process'

const live = new Set<ChildProcess>()
let exitHookInstalled = false

function killLiveOnExit(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL')
  })
}

export class ProcessControl {
  readonly child: ChildProcess
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>
  #paused = false

  /** Takes control of a process just spawned. */
  constructor(child: ChildProcess) {
    this.child = child
    live.add(child)
    killLiveOnExit()
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        live.delete(child)
        resolve()
      }),
    )
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  get paused(): boolean {
    return this.#paused
  }

  /** How the process ended (`code 1`, `SIGKILL`), or undefined while it runs. */
  get exitStatus(): string | undefined {
    if (this.running) return undefined
    return this.child.signalCode ?? `code ${this.child.exitCode}`
  }

  /** kill -9: no chance to flush or say goodbye. */
  async kill(): Promise<void> {
    if (!this.running) return
    this.child.kill('SIGKILL')
    await this.exited
    this.#paused = false
  }

  /** SIGTERM (after SIGCONT if paused), then SIGKILL if it has not exited within `graceMs` ms. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return
    this.resume()
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    await this.exited
    clearTimeout(timer)
  }

  pause(): void {
    if (!this.running || this.#paused) return
    this.child.kill('SIGSTOP')
    this.#paused = true
  }

  resume(): void {
    if (!this.running || !this.#paused) return
    this.child.kill('SIGCONT')
    this.#paused = false
  }
}
