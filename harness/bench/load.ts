/**
 * Load generation for benchmarks: closed-loop autocannon runs against one endpoint or the
 * nodes of a cluster, each connection building its own requests, and the child process
 * that serves the bare Hono baseline.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { processCpuSeconds } from './process-cpu.ts'

export type LoadResult = {
  /** Mean requests per second. */
  rps: number
  /** Latency percentiles, ms (autocannon measures whole milliseconds). */
  p50: number
  p99: number
  errors: number
  non2xx: number
  /** CPU time the `serverPids` spent per completed request, µs (all their threads); absent where it was not measured. */
  cpuPerRequestUs?: number
  /**
   * CPU time this process (the load generator: autocannon and the request builders, all
   * threads) spent per completed request, µs; absent when none completed. On a machine the
   * servers share with it, this is CPU they did not get.
   */
  clientCpuPerRequestUs?: number
}

/** One request as a connection sends it. */
export type LoadRequest = { method: string; path: string; body?: string; headers?: Record<string, string> }

/**
 * The requests of one connection: called once per connection with its number (0, 1...),
 * it returns what makes that connection's next request, so each connection keeps its own
 * sequence (of fresh keys, say) without sharing a counter.
 */
export type RequestBuilder = (connection: number) => () => LoadRequest

export type LoadRun = {
  /** One endpoint, or several sharing the connections round-robin (the nodes of a cluster). */
  urls: string[]
  connections: number
  /** s */
  duration: number
  requests: RequestBuilder
  /** The processes serving `urls`, whose CPU time per request is measured (Linux only). */
  serverPids?: readonly number[]
}

/** Closed-loop load with autocannon: `connections` clients spread over `urls`, each sending its next request when the last is answered. */
export async function runLoad({ urls, connections, duration, requests, serverPids = [] }: LoadRun): Promise<LoadResult> {
  let next = 0
  const cpuBefore = serverPids.length > 0 ? await processCpuSeconds(serverPids) : undefined
  const clientBefore = process.cpuUsage()
  const result = await autocannon({
    // autocannon takes several URLs (its types say one) and deals the connections over them in turn.
    url: urls as unknown as string,
    connections,
    duration,
    setupClient: (client) => {
      const build = requests(next++)
      client.setRequests([{ setupRequest: (request) => ({ ...request, ...withType(build()) }) as typeof request }])
    },
  })
  const client = process.cpuUsage(clientBefore)
  const cpuAfter = cpuBefore === undefined ? undefined : await processCpuSeconds(serverPids)
  const completed = result.requests.total
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    ...(cpuAfter !== undefined && cpuBefore !== undefined && completed > 0
      ? { cpuPerRequestUs: ((cpuAfter - cpuBefore) / completed) * 1e6 }
      : {}),
    ...(completed > 0 ? { clientCpuPerRequestUs: (client.user + client.system) / completed } : {}),
  }
}

/** A body is JSON: it gets its content type (autocannon adds the length). */
function withType(request: LoadRequest): LoadRequest {
  if (request.body === undefined) return request
  return { ...request, headers: { 'content-type': 'application/json', ...request.headers } }
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
 * The store's routes under load: GET or PUT `/kv/<prefix><n>`, n counting up over every
 * connection and wrapping at `keys`, so PUTs write each key once until they wrap and GETs
 * read the first `keys` keys written.
 */
export function loadTest({ url, method, connections, duration, keys, prefix = 'bench-' }: LoadOptions): Promise<LoadResult> {
  let n = 0
  return runLoad({
    urls: Array.isArray(url) ? url : [url],
    connections,
    duration,
    requests: () => () => {
      const count = n++
      const path = `/kv/${prefix}${count % keys}`
      return method === 'GET' ? { method, path } : { method, path, body: JSON.stringify({ value: `v${count}` }) }
    },
  })
}

export type BareHono = { url: string; pid: number; stop(): Promise<void> }

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
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
