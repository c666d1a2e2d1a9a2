/**
 * Load generation for benchmarks: autocannon runs against an endpoint, and the child
 * process that serves the bare Hono baseline.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { median } from './benchmark.ts'

export type LoadResult = {
  /** Mean requests per second. */
  rps: number
  /** Latency percentiles, ms. */
  p50: number
  p99: number
  errors: number
  non2xx: number
}

export type LoadOptions = {
  /** One endpoint, or several sharing the connections (the nodes of a cluster). */
  url: string | string[]
  method: 'GET' | 'PUT'
  connections: number
  /** s */
  duration: number
  /** Distinct keys to spread requests over. */
  keys: number
  /** Key names are `<prefix><n>`. Default `bench-`. */
  prefix?: string
}

/**
 * Closed-loop load with autocannon. Several URLs run side by side, splitting the
 * connections; their rates add up, p50 is the median of theirs and p99 the worst.
 */
export async function loadTest({ url, method, connections, duration, keys, prefix = 'bench-' }: LoadOptions): Promise<LoadResult> {
  const urls = Array.isArray(url) ? url : [url]
  // One sequence of keys over every URL, so a key is not written by several at once.
  const counter = { next: 0 }
  const results = await Promise.all(
    urls.map((u, i) =>
      loadOne(u, method, Math.floor(connections / urls.length) + (i < connections % urls.length ? 1 : 0), duration, {
        keys,
        prefix,
        counter,
      }),
    ),
  )
  return {
    rps: results.reduce((sum, r) => sum + r.rps, 0),
    p50: median(results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
  }
}

async function loadOne(
  url: string,
  method: 'GET' | 'PUT',
  connections: number,
  duration: number,
  { keys, prefix, counter }: { keys: number; prefix: string; counter: { next: number } },
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections,
    duration,
    requests: [
      {
        method,
        setupRequest: (request) => {
          const n = counter.next++
          const key = `${prefix}${n % keys}`
          return method === 'GET'
            ? { ...request, path: `/kv/${key}` }
            : { ...request, path: `/kv/${key}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: `v${n}` }) }
        },
      },
    ],
  })
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx }
}

export type BareHono = { url: string; stop(): Promise<void> }

/** Starts the bare Hono baseline in its own process. */
export async function startBareHono(): Promise<BareHono> {
  const script = fileURLToPath(new URL('./bare-hono.ts', import.meta.url))
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script, '0'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /ready (\d+)/.exec(chunk.toString())
      if (match) resolve(Number(match[1]))
    })
    child.once('exit', (code) => reject(new Error(`the bare Hono app exited (${code})`)))
  })
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
