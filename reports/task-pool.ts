/**
 * A small pool of worker threads running this package's task modules, reused from one
 * task to the next (starting a thread that loads tsx costs ~250 ms, more than some tasks).
 * A task module's default export takes the task's data and returns `{ result, transfer? }`.
 * Workers load tsx first, as `bin/quorumlab.js` does, so they work however the parent was
 * started (the CLI, `node --import tsx`, the test runner).
 */
import { Worker, type ResourceLimits } from 'node:worker_threads'

const TSX_API = import.meta.resolve('tsx/esm/api')
const TASK_WORKER = new URL('./task-worker.ts', import.meta.url)

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
type Task = { id: number; module: string; data: unknown }

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
  run<T>(module: URL, data: unknown): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the task pool is closed'))
    const id = this.#next++
    const done = new Promise<T>((resolve, reject) => this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject }))
    this.#queue.push({ id, module: module.href, data })
    this.#dispatch()
    return done
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
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

  /** The worker holding the fewest tasks, below `depth` (on a tie not the last one handed a task), or none. */
  #leastHeld(): Worker | undefined {
    let best: Worker | undefined
    let fewest = this.#depth
    for (const [worker, held] of this.#holding) {
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
    const bootstrap = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(TASK_WORKER.href)}) })`
    const worker = new Worker(bootstrap, { eval: true, resourceLimits: this.#options.resourceLimits })
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
