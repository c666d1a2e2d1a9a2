/**
 * Benchmark of the proxy with no toxics: round-trip latency of small messages (p50, p99)
 * and one-way throughput through one proxy, against a direct connection and the real
 * Toxiproxy: a `toxiproxy-server` binary the bench starts itself on a free port
 * (TOXIPROXY_SERVER, else `.tmp/bin/toxiproxy-server`, else one on the PATH), or, with
 * TOXIPROXY_URL set, that running one. The embedded proxy runs as `npm run toxiproxy`
 * does, in its own process; the echo and sink servers run in a worker thread, so the
 * client, the servers and the proxy do not share an event loop. A bare Node proxy (each
 * chunk read is written on, nothing else in its process) runs beside them: what any proxy
 * on Node's event loop costs on this machine, against which the embedded one's own code
 * shows.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { delimiter, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { Toxiproxy } from 'toxiproxy-node-client'
import { type Benchmark, type BenchOptions, type BenchRow, median, overRounds } from '../bench/benchmark.ts'
import { freePorts } from '../cluster/ports.ts'

/**
 * Latency rounds, then throughput rounds. In a latency round every subject's round trips
 * are interleaved one by one (subject after subject, the order turning each time), so a
 * busy moment of the machine hits them alike; throughput rounds take the subjects in turn,
 * the order reversed every other round. A figure is the median of the rounds' figures (a
 * percentile of each round's round trips), with their range.
 */
const QUICK = { rounds: 3, roundTrips: 1_000, warmup: 500, throughputMiB: 48 }
const FULL = { rounds: 8, roundTrips: 4_000, warmup: 4_000, throughputMiB: 192 }
const MESSAGE_BYTES = 64
const WRITE_BYTES = 64 * 1024
const LATENCY_TARGET_MS = 0.3
const EMBEDDED = 'embedded proxy'
const BARE = 'bare Node proxy'
/** Echo and sink servers: the sink reads an 8-byte length, then that many bytes, then answers one byte. */
const SERVERS_SOURCE = `
const { createServer } = require('node:net')
const { parentPort } = require('node:worker_threads')
const listen = (handler) => new Promise((resolve) => {
  const server = createServer({ noDelay: true }, (socket) => { socket.on('error', () => {}); handler(socket) })
  server.listen(0, '127.0.0.1', () => resolve(server.address().port))
})
Promise.all([
  listen((socket) => socket.pipe(socket)),
  listen((socket) => {
    let expected = -1
    let received = 0
    let header = Buffer.alloc(0)
    socket.on('data', (chunk) => {
      if (expected < 0) {
        header = Buffer.concat([header, chunk])
        if (header.length < 8) return
        expected = Number(header.readBigUInt64BE(0))
        chunk = header.subarray(8)
      }
      received += chunk.length
      if (received >= expected) socket.write('k')
    })
  }),
]).then(([echo, sink]) => parentPort.postMessage({ echo, sink }))
`

/**
 * The bare Node proxy, run with `node -e` and the upstreams' `host:port` as arguments: a
 * listener per upstream, each chunk written on as it is read; it prints the listeners'
 * ports as a JSON array.
 */
const BARE_PROXY_SOURCE = `
const { createServer, connect } = require('node:net')
const listen = (upstream) => new Promise((resolve) => {
  const at = upstream.lastIndexOf(':')
  const server = createServer({ noDelay: true, pauseOnConnect: true }, (client) => {
    const peer = connect({ host: upstream.slice(0, at), port: Number(upstream.slice(at + 1)), noDelay: true })
    for (const [from, to] of [[client, peer], [peer, client]]) {
      from.on('error', () => {})
      from.on('data', (chunk) => to.write(chunk))
      from.on('close', () => to.destroy())
    }
    peer.on('connect', () => client.resume())
  })
  server.listen(0, '127.0.0.1', () => resolve(server.address().port))
})
Promise.all(process.argv.slice(1).map(listen)).then((ports) => process.stdout.write(JSON.stringify(ports) + '\\n'))
`

/** Where the echo and sink servers answer, directly or through a proxy (`host:port`). */
type Servers = { echo: string; sink: string }
type Subject = Servers & { name: string; close(): Promise<void> }

function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':')
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) }
}

async function open(address: string): Promise<Socket> {
  const socket = connect({ ...splitAddress(address), noDelay: true })
  await once(socket, 'connect')
  return socket
}

/** One kept-open echo connection that times one round trip of a MESSAGE_BYTES message at a time. */
class Pinger {
  #socket: Socket
  #message = Buffer.alloc(MESSAGE_BYTES, 7)
  #pending = 0
  #start = 0
  #done: (ms: number) => void = () => {}

  private constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.#pending -= chunk.length
      if (this.#pending <= 0) this.#done(performance.now() - this.#start)
    })
  }

  static async open(address: string): Promise<Pinger> {
    return new Pinger(await open(address))
  }

  /** The time of one round trip, ms. */
  ping(): Promise<number> {
    return new Promise((resolve) => {
      this.#done = resolve
      this.#pending = MESSAGE_BYTES
      this.#start = performance.now()
      this.#socket.write(this.#message)
    })
  }

  close(): void {
    this.#socket.destroy()
  }
}

/** `count` round trips through each pinger, interleaved: one through each in turn, starting one further on each time. */
async function interleavedRoundTrips(pingers: Pinger[], count: number): Promise<number[][]> {
  const times = pingers.map(() => [] as number[])
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < pingers.length; k++) {
      const j = (i + k) % pingers.length
      times[j].push(await pingers[j].ping())
    }
  }
  return times
}

/** MiB/s of `mib` MiB sent one way to the sink, until it acknowledges the last byte. */
async function throughput(address: string, mib: number): Promise<number> {
  const socket = await open(address)
  const total = mib * 1024 * 1024
  const header = Buffer.alloc(8)
  header.writeBigUInt64BE(BigInt(total))
  const block = Buffer.alloc(WRITE_BYTES, 1)
  const acknowledged = once(socket, 'data')
  const start = performance.now()
  socket.write(header)
  for (let sent = 0; sent < total; sent += WRITE_BYTES) {
    if (!socket.write(sent + WRITE_BYTES <= total ? block : block.subarray(0, total - sent))) await once(socket, 'drain')
  }
  await acknowledged
  const seconds = (performance.now() - start) / 1000
  socket.destroy()
  return mib / seconds
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function startServers(): Promise<Servers & { close(): Promise<void> }> {
  const worker = new Worker(SERVERS_SOURCE, { eval: true })
  const [ports] = (await once(worker, 'message')) as [{ echo: number; sink: number }]
  return { echo: `127.0.0.1:${ports.echo}`, sink: `127.0.0.1:${ports.sink}`, close: async () => void (await worker.terminate()) }
}

/**
 * Starts Node with `args`; resolves with what `found` picks from its standard output once
 * it picks something (its address), rejects if it exits first.
 */
async function startNode<T>(
  name: string,
  args: string[],
  found: (output: string) => T | undefined,
): Promise<{ child: ChildProcess; picked: T }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  const picked = await new Promise<T>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening: ${output}`)))
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const value = found(output)
      if (value !== undefined) resolve(value)
    })
  })
  return { child, picked }
}

/** `npm run toxiproxy` on an ephemeral port; resolves with its API URL once it listens. */
async function startEmbeddedProcess(): Promise<{ url: string; child: ChildProcess }> {
  const bin = fileURLToPath(new URL('../../bin/quorumlab.js', import.meta.url))
  const { child, picked } = await startNode(
    'the embedded toxiproxy',
    [bin, 'toxiproxy', '--host', '127.0.0.1', '--port', '0'],
    (output) => /listening on (http:\/\/\S+)/.exec(output)?.[1],
  )
  return { url: picked, child }
}

/** The bare Node proxy in front of the echo and sink servers, in a process of its own. */
async function bareNodeProxy(servers: Servers): Promise<Subject> {
  const { child, picked } = await startNode('the bare Node proxy', ['-e', BARE_PROXY_SOURCE, servers.echo, servers.sink], (output) =>
    output.includes('\n') ? (JSON.parse(output) as number[]) : undefined,
  )
  const [echo, sink] = picked
  return { name: BARE, echo: `127.0.0.1:${echo}`, sink: `127.0.0.1:${sink}`, close: () => stopChild(child) }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  await exited
}

/** The real Toxiproxy's server binary to start, if there is one. */
function toxiproxyServerBinary(): string | undefined {
  const candidates = [
    process.env.TOXIPROXY_SERVER,
    fileURLToPath(new URL('../../.tmp/bin/toxiproxy-server', import.meta.url)),
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'toxiproxy-server')),
  ]
  return candidates.find((path) => path && existsSync(path))
}

/** A real `toxiproxy-server` on a free port; resolves with its API URL once it answers. */
async function startRealToxiproxy(binary: string): Promise<{ url: string; child: ChildProcess }> {
  const [port] = await freePorts(1)
  const child = spawn(binary, ['-host', '127.0.0.1', '-port', String(port)], { stdio: 'ignore' })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${binary} exited (${child.exitCode}) before answering`)
    const answered = await fetch(`${url}/version`).then(
      (response) => response.ok,
      () => false,
    )
    if (answered) return { url, child }
    if (Date.now() > deadline) {
      await stopChild(child)
      throw new Error(`${binary} did not answer on ${url} within 10 s`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The echo and sink servers behind two new proxies of the Toxiproxy at `url`. */
async function proxySubject(name: string, url: string, servers: Servers, stop: () => Promise<void>): Promise<Subject> {
  const api = new Toxiproxy(url)
  const tag = `ql-bench-${process.pid}`
  const echo = await api.createProxy({ name: `${tag}-echo`, listen: '127.0.0.1:0', upstream: servers.echo })
  const sink = await api.createProxy({ name: `${tag}-sink`, listen: '127.0.0.1:0', upstream: servers.sink })
  return {
    name,
    echo: echo.listen,
    sink: sink.listen,
    async close() {
      await echo.remove()
      await sink.remove()
      await stop()
    },
  }
}

/** Per subject, one figure per round. */
type Rounds = { p50: number[]; p99: number[]; throughput: number[] }

async function measureRounds(subjects: Subject[], plan: typeof FULL, log: BenchOptions['log']): Promise<Map<string, Rounds>> {
  const rounds = new Map<string, Rounds>(subjects.map((s) => [s.name, { p50: [], p99: [], throughput: [] }]))
  const pingers = await Promise.all(subjects.map((s) => Pinger.open(s.echo)))
  try {
    for (const subject of subjects) await throughput(subject.sink, 8)
    await interleavedRoundTrips(pingers, plan.warmup)
    for (let round = 1; round <= plan.rounds; round++) {
      const times = await interleavedRoundTrips(pingers, plan.roundTrips)
      subjects.forEach((subject, i) => {
        const sorted = times[i].sort((a, b) => a - b)
        rounds.get(subject.name)!.p50.push(percentile(sorted, 50))
        rounds.get(subject.name)!.p99.push(percentile(sorted, 99))
      })
      log(
        `latency round ${round} of ${plan.rounds}: ${subjects.map((s) => `${s.name} p99 ${rounds.get(s.name)!.p99.at(-1)!.toFixed(3)} ms`).join(', ')}`,
      )
    }
  } finally {
    for (const pinger of pingers) pinger.close()
  }
  // After the latency rounds: the garbage a throughput run leaves is collected while it runs, not during round trips.
  for (let round = 1; round <= plan.rounds; round++) {
    const order = round % 2 === 0 ? [...subjects].reverse() : subjects
    for (const subject of order) rounds.get(subject.name)!.throughput.push(await throughput(subject.sink, plan.throughputMiB))
    log(
      `throughput round ${round} of ${plan.rounds}: ${subjects.map((s) => `${s.name} ${rounds.get(s.name)!.throughput.at(-1)!.toFixed(0)} MiB/s`).join(', ')}`,
    )
  }
  return rounds
}

/**
 * The rows: each subject's round trip and throughput, a proxy's round trip less the
 * direct one's in the same round (what it adds), and the embedded and the bare Node proxy
 * against the real Toxiproxy where there is one (only the embedded one has targets).
 */
function rowsOf(subjects: Subject[], rounds: Map<string, Rounds>): BenchRow[] {
  const direct = rounds.get('direct')!
  const real = subjects.find((s) => s.name.startsWith('real'))?.name
  const added = (name: string, p: 'p50' | 'p99'): number[] => rounds.get(name)![p].map((v, i) => v - direct[p][i])
  const rows: BenchRow[] = []
  for (const { name } of subjects) {
    const own = rounds.get(name)!
    const row = (metric: string, values: number[], unit: string, extra: Partial<BenchRow> = {}): BenchRow => ({
      benchmark: 'proxy',
      subject: name,
      metric,
      unit,
      ...overRounds(values),
      ...extra,
    })
    rows.push(row('p50 round trip', own.p50, 'ms'), row('p99 round trip', own.p99, 'ms'))
    if (name !== 'direct') {
      for (const p of ['p50', 'p99'] as const) {
        const ours = median(added(name, p))
        const theirs = real === undefined ? undefined : median(added(real, p))
        // The embedded and the bare proxy against the real one; the real one against no proxy.
        const extra: Partial<BenchRow> =
          theirs !== undefined && (name === EMBEDDED || name === BARE)
            ? { baseline: real, ratio: ours / theirs }
            : { baseline: 'direct', ratio: median(own[p]) / median(direct[p]) }
        if (name === EMBEDDED && (theirs !== undefined || p === 'p50')) extra.target = addedTarget(p, ours, theirs)
        rows.push(row(`${p} added round trip`, added(name, p), 'ms', extra))
      }
    }
    const rate = median(own.throughput)
    const realRate = real === undefined ? undefined : median(rounds.get(real)!.throughput)
    const extra: Partial<BenchRow> =
      name === 'direct'
        ? {}
        : realRate !== undefined && (name === EMBEDDED || name === BARE)
          ? {
              baseline: real,
              ratio: rate / realRate,
              ...(name === EMBEDDED ? { target: { text: '>= real Toxiproxy', met: rate >= realRate } } : {}),
            }
          : { baseline: 'direct', ratio: rate / median(direct.throughput) }
    rows.push(row('throughput', own.throughput, 'MiB/s', extra))
  }
  return rows
}

/** The p50 overhead is below LATENCY_TARGET_MS; both overheads are at most the real Toxiproxy's. */
function addedTarget(p: 'p50' | 'p99', ours: number, real?: number): BenchRow['target'] {
  const texts = [p === 'p50' ? `< ${LATENCY_TARGET_MS} ms overhead` : '', real === undefined ? '' : "<= real Toxiproxy's"].filter(Boolean)
  const met = (p === 'p99' || ours < LATENCY_TARGET_MS) && (real === undefined || ours <= real)
  return { text: texts.join(' and '), met }
}

async function measure(options: BenchOptions): Promise<BenchRow[]> {
  const plan = options.quick ? QUICK : FULL
  const servers = await startServers()
  const subjects: Subject[] = [{ name: 'direct', echo: servers.echo, sink: servers.sink, close: async () => {} }]
  try {
    const embedded = await startEmbeddedProcess()
    subjects.push(await proxySubject(EMBEDDED, embedded.url, servers, () => stopChild(embedded.child)))
    subjects.push(await bareNodeProxy(servers))
    const realUrl = process.env.TOXIPROXY_URL?.trim().replace(/\/+$/, '')
    const server = realUrl ? undefined : toxiproxyServerBinary()
    if (realUrl) subjects.push(await proxySubject(`real toxiproxy (${realUrl})`, realUrl, servers, async () => {}))
    else if (server) {
      const real = await startRealToxiproxy(server)
      subjects.push(await proxySubject('real toxiproxy', real.url, servers, () => stopChild(real.child)))
    } else
      options.log(
        'no toxiproxy-server binary (TOXIPROXY_SERVER, .tmp/bin, PATH) and no TOXIPROXY_URL: no comparison with the real Toxiproxy',
      )
    return rowsOf(subjects, await measureRounds(subjects, plan, options.log))
  } finally {
    for (const subject of subjects) await subject.close()
    await servers.close()
  }
}

export const benchmark: Benchmark = {
  name: 'proxy',
  description: 'round-trip latency and throughput through one proxy with no toxics: direct, embedded, a bare Node proxy, real Toxiproxy',
  run: measure,
}
