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
}

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string }
type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void }
type Task = { id: number; module: string; data: unknown }

export class TaskPool {
  #options: TaskPoolOptions
  #idle: Worker[] = []
  #all: Worker[] = []
  /** The task each busy worker holds, by worker: what fails when that worker dies. */
  #holding = new Map<Worker, number>()
  #queue: Task[] = []
  #pending = new Map<number, Pending>()
  #next = 0
  #closed = false

  constructor(options: TaskPoolOptions) {
    this.#options = { ...options, size: Math.max(1, options.size) }
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
      let worker = this.#idle.pop()
      if (!worker && this.#all.length < this.#options.size) worker = this.#start()
      if (!worker) return
      const task = this.#queue.shift() as Task
      this.#holding.set(worker, task.id)
      worker.postMessage(task)
    }
  }

  #settle(id: number, settle: (pending: Pending) => void): void {
    const pending = this.#pending.get(id)
    this.#pending.delete(id)
    if (pending) settle(pending)
  }

  #start(): Worker {
    const bootstrap = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(TASK_WORKER.href)}) })`
    const worker = new Worker(bootstrap, { eval: true, resourceLimits: this.#options.resourceLimits })
    this.#all.push(worker)
    worker.on('message', (reply: Reply) => {
      this.#holding.delete(worker)
      this.#idle.push(worker)
      this.#settle(reply.id, (pending) => (reply.ok ? pending.resolve(reply.result) : pending.reject(new Error(reply.error))))
      this.#dispatch()
    })
    // A worker that dies (an uncaught error, out of memory, process.exit in a task) fails
    // only the task it held; it leaves the pool, and queued tasks go to the others or to
    // a fresh worker.
    let failure: Error | undefined
    worker.once('error', (error) => (failure = error))
    worker.once('exit', (code) => {
      this.#all = this.#all.filter((w) => w !== worker)
      this.#idle = this.#idle.filter((w) => w !== worker)
      const held = this.#holding.get(worker)
      this.#holding.delete(worker)
      if (this.#closed) return
      if (held !== undefined)
        this.#settle(held, (pending) => pending.reject(failure ?? new Error(`a report worker exited with code ${code}`)))
      this.#dispatch()
    })
    return worker
  }

  /** Stops every thread; tasks still running are abandoned. */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.all(this.#all.map((worker) => worker.terminate()))
    this.#all = []
    this.#idle = []
    this.#holding.clear()
  }
}
