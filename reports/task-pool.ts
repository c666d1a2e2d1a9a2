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
      worker.postMessage(this.#queue.shift())
    }
  }

  #start(): Worker {
    const bootstrap = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(TASK_WORKER.href)}) })`
    const worker = new Worker(bootstrap, { eval: true, resourceLimits: this.#options.resourceLimits })
    this.#all.push(worker)
    worker.on('message', (reply: Reply) => {
      const pending = this.#pending.get(reply.id)
      this.#pending.delete(reply.id)
      this.#idle.push(worker)
      if (reply.ok) pending?.resolve(reply.result)
      else pending?.reject(new Error(reply.error))
      this.#dispatch()
    })
    // A worker that dies fails every task still waiting: there is no telling which it held.
    const fail = (error: Error): void => {
      for (const pending of this.#pending.values()) pending.reject(error)
      this.#pending.clear()
    }
    worker.once('error', fail)
    worker.once('exit', (code) => {
      if (!this.#closed) fail(new Error(`a report worker exited with code ${code}`))
    })
    return worker
  }

  /** Stops every thread; tasks still running are abandoned. */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.all(this.#all.map((worker) => worker.terminate()))
    this.#all = []
    this.#idle = []
  }
}
