/**
 * A small pool of worker threads running this package's task modules, reused from one
 * task to the next. A task module's default export takes the task's data and returns
 * `{ result, transfer? }`. Workers run bundles of their code (task-bundle.ts), not tsx, so
 * they work however the parent was started (the CLI, `node --import tsx`, the test runner)
 * and cost no more than a plain thread.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads'
import { bundleDeclaredTasks, taskBundle } from './task-bundle.ts'

const TASK_WORKER = new URL('./task-worker.ts', import.meta.url)

/** Node's flags that load a module (named after `=` or in the next argument). */
const LOADING = /^(--import|--require|-r|--loader|--experimental-loader)(=|$)/

/** Node's flags but those that load modules: a parent started with `--import tsx` would load tsx into every worker too. */
export function withoutLoaders(flags: readonly string[]): string[] {
  const kept: string[] = []
  for (let i = 0; i < flags.length; i++) {
    const loading = LOADING.exec(flags[i])
    if (!loading) kept.push(flags[i])
    else if (loading[2] === '') i++
  }
  return kept
}

/**
 * A worker running `code`, with this process's flags but loaders (`--cpu-prof` then profiles
 * it too), or with none where a worker refuses one of them (`--expose-gc`: Node accepts
 * some flags per process only, and throws for them when they are named for a worker).
 */
function startWorker(code: string, resourceLimits: ResourceLimits | undefined): Worker {
  try {
    return new Worker(code, { eval: true, execArgv: withoutLoaders(process.execArgv), resourceLimits })
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error
    return new Worker(code, { eval: true, execArgv: [], resourceLimits })
  }
}

/** What a task module's default export returns. */
export type TaskOutput<T> = { result: T; transfer?: ArrayBuffer[] }

export type TaskPoolOptions = {
  /** Threads at most; each starts when a task first needs it. */
  size: number
  /** Young-generation size etc. (a bigger young generation means fewer GC pauses when parsing). */
  resourceLimits?: ResourceLimits
  /**
   * Tasks a worker is handed at once (default 1): it runs them in order. Above 1, a worker
   * finishing a task starts the next without waiting for this thread, which may be busy
   * with long synchronous work and so unable to hand it one.
   */
  depth?: number
}

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string }
type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void }
/** A task as a worker is sent it: `code` is its module's bundle. */
export type TaskMessage = { id: number; module: string; code: string; data: unknown }
/** A task in line: its bundle is set once made, and it waits until then. */
type Task = Omit<TaskMessage, 'code'> & { code: string | undefined; alone: boolean }

export type RunOptions = {
  /**
   * The task runs for long (seconds): no other task is queued behind it on its thread. They
   * go to another thread or wait in the pool's line, rather than wait for this one to end.
   */
  alone?: boolean
}

export class TaskPool {
  #options: TaskPoolOptions
  #depth: number
  /** Every live worker and the tasks it holds, in the order it runs them (the first is running; none: idle). */
  #holding = new Map<Worker, Task[]>()
  /** The worker handed the last task: ties go to another, so tasks spread over the threads. */
  #last: Worker | undefined
  #queue: Task[] = []
  #pending = new Map<number, Pending>()
  #next = 0
  #closed = false

  constructor(options: TaskPoolOptions) {
    this.#options = { ...options, size: Math.max(1, options.size) }
    this.#depth = Math.max(1, options.depth ?? 1)
  }

  /** Runs `module`'s default export on `data` in a worker; resolves with its result. */
  run<T>(module: URL, data: unknown, options: RunOptions = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the task pool is closed'))
    const id = this.#next++
    const done = new Promise<T>((resolve, reject) => this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject }))
    // At the first task, every task module named so far is bundled too (made once): not in
    // the constructor, since a small history's pool may never run one.
    // (A failed bundle fails its tasks, below.)
    if (id === 0) bundleDeclaredTasks().catch(() => undefined)
    const task: Task = { id, module: module.href, code: undefined, data, alone: options.alone ?? false }
    this.#queue.push(task)
    const worker = taskBundle(TASK_WORKER)
    const own = taskBundle(module)
    if (worker.code !== undefined && own.code !== undefined) this.#bundled(task, own.code)
    else {
      Promise.all([worker.made, own.made]).then(
        ([, code]) => this.#bundled(task, code),
        (error: Error) => {
          this.#queue = this.#queue.filter((queued) => queued !== task)
          this.#settle(id, (pending) => pending.reject(new Error(`task module ${module.href} could not be bundled: ${error.message}`)))
          this.#dispatch()
        },
      )
    }
    return done
  }

  /**
   * Bundles every task module named so far and starts every thread, resolving when they are
   * ready: tasks handed over afterwards reach a thread at once, even while this thread then
   * runs for seconds without an event turn (a bundle made meanwhile would wait for one).
   * Never rejects.
   */
  async prepare(): Promise<void> {
    // A bundle that cannot be made fails the tasks of its module, when they are run.
    await Promise.all([bundleDeclaredTasks(), taskBundle(TASK_WORKER).made]).catch(() => undefined)
    if (taskBundle(TASK_WORKER).code === undefined) return
    while (!this.#closed && this.#holding.size < this.#options.size) this.#start()
  }

  #bundled(task: Task, code: string): void {
    task.code = code
    this.#dispatch()
  }

  /** Hands queued tasks to workers, in order; a task whose bundle is not made yet holds back the ones behind it. */
  #dispatch(): void {
    while (this.#queue.length > 0 && this.#queue[0].code !== undefined) {
      let worker = this.#leastHeld()
      // A fresh thread rather than a place in a busy one's line.
      if ((worker === undefined || this.#held(worker) > 0) && this.#holding.size < this.#options.size) worker = this.#start()
      if (!worker) return
      const task = this.#queue.shift() as Task
      this.#holding.get(worker)?.push(task)
      this.#last = worker
      worker.postMessage(task)
    }
  }

  #held(worker: Worker): number {
    return this.#holding.get(worker)?.length ?? 0
  }

  /** The worker holding the fewest tasks, below `depth` and none of them alone (on a tie not the last one handed a task), or none. */
  #leastHeld(): Worker | undefined {
    let best: Worker | undefined
    let fewest = this.#depth
    for (const [worker, held] of this.#holding) {
      if (held.some((task) => task.alone)) continue
      if (held.length < fewest || (held.length === fewest && held.length < this.#depth && best === this.#last)) {
        best = worker
        fewest = held.length
      }
    }
    return best
  }

  #settle(id: number, settle: (pending: Pending) => void): void {
    const pending = this.#pending.get(id)
    this.#pending.delete(id)
    if (pending) settle(pending)
  }

  #start(): Worker {
    // Made before any task could be handed out (see run).
    const worker = startWorker(taskBundle(TASK_WORKER).code as string, this.#options.resourceLimits)
    this.#holding.set(worker, [])
    worker.on('message', (reply: Reply) => {
      this.#holding.get(worker)?.shift()
      this.#settle(reply.id, (pending) => (reply.ok ? pending.resolve(reply.result) : pending.reject(new Error(reply.error))))
      this.#dispatch()
    })
    // A worker that dies (an uncaught error, out of memory, process.exit in a task) fails
    // only the task it was running; it leaves the pool, and queued tasks go to the others or to
    // a fresh worker.
    let failure: Error | undefined
    worker.once('error', (error) => (failure = error))
    worker.once('exit', (code) => {
      const [running, ...waiting] = this.#holding.get(worker) ?? []
      this.#holding.delete(worker)
      if (this.#closed) return
      if (running !== undefined)
        this.#settle(running.id, (pending) => pending.reject(failure ?? new Error(`a report worker exited with code ${code}`)))
      // Tasks it held but had not started go to the others, first in line.
      this.#queue.unshift(...waiting)
      this.#dispatch()
    })
    return worker
  }

  /** Stops every thread; tasks still running are abandoned. */
  async close(): Promise<void> {
    this.#closed = true
    const workers = [...this.#holding.keys()]
    this.#holding.clear()
    await Promise.all(workers.map((worker) => worker.terminate()))
  }
}
