/**
 * Control of one child process the harness started (a store node, an etcd member): kill -9,
 * stop (SIGTERM, then SIGKILL after a grace period), pause (SIGSTOP) and resume (SIGCONT).
 * No process under control outlives the harness: those still running when it exits, for
 * whatever reason it exits, are killed then.
 */
import type { ChildProcess } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'

/** How long a SIGSTOPped process may take to stop in every thread before pause() gives up, ms. */
const STOP_DEADLINE_MS = 5000

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

  /**
   * SIGSTOP, resolving once every thread of the process is stopped. The signal is delivered
   * asynchronously: a thread inside a system call (an fsync) stops only when it returns, and
   * a fault test's next step must not race a member still acknowledging writes.
   */
  async pause(): Promise<void> {
    if (!this.running || this.#paused) return
    this.child.kill('SIGSTOP')
    this.#paused = true
    const pid = this.child.pid
    if (pid === undefined) return
    const deadline = performance.now() + STOP_DEADLINE_MS
    for (let state = await threadStates(pid); !allStopped(state); state = await threadStates(pid)) {
      if (!this.running) return
      if (performance.now() > deadline)
        throw new Error(`process ${pid} did not stop within ${STOP_DEADLINE_MS} ms of SIGSTOP (thread states: ${state?.join('')})`)
      await sleep(1)
    }
  }

  resume(): void {
    if (!this.running || !this.#paused) return
    this.child.kill('SIGCONT')
    this.#paused = false
  }
}

/** The state letter of each thread of `pid` (`T` stopped), from /proc; `undefined` where /proc is not Linux's. */
async function threadStates(pid: number): Promise<string[] | undefined> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => undefined)
  if (!tasks) return undefined
  const states = await Promise.all(
    tasks.map(async (task) => (await readFile(`/proc/${pid}/task/${task}/stat`, 'utf8').catch(() => '')).split(') ')[1]?.[0] ?? 'T'),
  )
  return states
}

/** Stopped in every thread, or nothing to tell (no /proc: the signal is all we can do). */
const allStopped = (states: string[] | undefined): boolean => states === undefined || states.every((s) => s === 'T' || s === 't')
