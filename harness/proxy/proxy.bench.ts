/**
 * Benchmark of the proxy with no toxics: round-trip latency of small messages (p50, p99)
 * and one-way throughput through one proxy, against a direct connection and, with
 * TOXIPROXY_URL set, the real Toxiproxy. The embedded proxy runs as `npm run toxiproxy`
 * does, in its own process; the echo and sink servers run in a worker thread, so the
 * client, the servers and the proxy do not share an event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { Toxiproxy } from 'toxiproxy-node-client'
import type { Benchmark, BenchOptions, BenchRow } from '../bench/benchmark.ts'

/**
 * Subjects are measured in turns, round after round, so a busy moment of the machine hits
 * them alike: latency samples are pooled over the rounds, throughput is the median round.
 */
const QUICK = { rounds: 3, roundTrips: 1_000, warmup: 300, throughputMiB: 48 }
const FULL = { rounds: 8, roundTrips: 4_000, warmup: 2_000, throughputMiB: 192 }
const MESSAGE_BYTES = 64
const WRITE_BYTES = 64 * 1024
const LATENCY_TARGET_MS = 0.3

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

/** Round-trip times (ms) of `count` messages of MESSAGE_BYTES, one at a time. */
async function roundTrips(address: string, count: number): Promise<number[]> {
  const socket = await open(address)
  const message = Buffer.alloc(MESSAGE_BYTES, 7)
  const times: number[] = []
  let pending = 0
  let start = 0
  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => (finish = resolve))
  socket.on('data', (chunk: Buffer) => {
    pending -= chunk.length
    if (pending > 0) return
    times.push(performance.now() - start)
    if (times.length === count) return finish()
    pending = MESSAGE_BYTES
    start = performance.now()
    socket.write(message)
  })
  pending = MESSAGE_BYTES
  start = performance.now()
  socket.write(message)
  await done
  socket.destroy()
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

/** `npm run toxiproxy` on an ephemeral port; resolves with its API URL once it listens. */
async function startEmbeddedProcess(): Promise<{ url: string; child: ChildProcess }> {
  const bin = fileURLToPath(new URL('../../bin/quorumlab.js', import.meta.url))
  const child = spawn(process.execPath, [bin, 'toxiproxy', '--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the embedded toxiproxy exited (${code}) before listening: ${output}`)))
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const found = /listening on (http:\/\/\S+)/.exec(output)
      if (found) resolve(found[1])
    })
  })
  return { url, child }
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

async function measure(options: BenchOptions): Promise<BenchRow[]> {
  const plan = options.quick ? QUICK : FULL
  const servers = await startServers()
  const subjects: Subject[] = [{ name: 'direct', echo: servers.echo, sink: servers.sink, close: async () => {} }]
  const rows: BenchRow[] = []
  try {
    const embedded = await startEmbeddedProcess()
    subjects.push(
      await proxySubject('embedded proxy', embedded.url, servers, async () => {
        embedded.child.kill('SIGTERM')
        if (embedded.child.exitCode === null) await once(embedded.child, 'exit')
      }),
    )
    const realUrl = process.env.TOXIPROXY_URL?.trim().replace(/\/+$/, '')
    if (realUrl) subjects.push(await proxySubject(`real toxiproxy (${realUrl})`, realUrl, servers, async () => {}))
    else options.log('TOXIPROXY_URL is not set: no comparison with the real Toxiproxy')

    const samples = new Map<string, number[]>(subjects.map((s) => [s.name, []]))
    const rounds = new Map<string, number[]>(subjects.map((s) => [s.name, []]))
    for (const subject of subjects) {
      await roundTrips(subject.echo, plan.warmup)
      await throughput(subject.sink, 8)
    }
    for (let round = 1; round <= plan.rounds; round++) {
      for (const subject of subjects) {
        samples.get(subject.name)!.push(...(await roundTrips(subject.echo, plan.roundTrips)))
        rounds.get(subject.name)!.push(await throughput(subject.sink, plan.throughputMiB))
      }
      options.log(
        `round ${round} of ${plan.rounds}: ${subjects.map((s) => `${s.name} ${rounds.get(s.name)!.at(-1)!.toFixed(0)} MiB/s`).join(', ')}`,
      )
    }
    const latency = new Map<string, { p50: number; p99: number }>()
    const rates = new Map<string, number>()
    for (const subject of subjects) {
      const sorted = samples.get(subject.name)!.sort((a, b) => a - b)
      latency.set(subject.name, { p50: percentile(sorted, 50), p99: percentile(sorted, 99) })
      rates.set(
        subject.name,
        percentile(
          rounds.get(subject.name)!.sort((a, b) => a - b),
          50,
        ),
      )
    }

    const direct = latency.get('direct')!
    const real = subjects.find((s) => s.name.startsWith('real'))?.name
    for (const subject of subjects) {
      const own = latency.get(subject.name)!
      const row = (metric: string, value: number, unit: string, extra: Partial<BenchRow> = {}): BenchRow => ({
        benchmark: 'proxy',
        subject: subject.name,
        metric,
        value,
        unit,
        ...extra,
      })
      rows.push(row('p50 round trip', own.p50, 'ms'), row('p99 round trip', own.p99, 'ms'))
      if (subject.name !== 'direct') {
        const addedP50 = own.p50 - direct.p50
        rows.push(
          row('p50 added round trip', addedP50, 'ms', {
            baseline: 'direct',
            ratio: own.p50 / direct.p50,
            ...(subject.name === 'embedded proxy'
              ? { target: { text: `< ${LATENCY_TARGET_MS} ms overhead`, met: addedP50 < LATENCY_TARGET_MS } }
              : {}),
          }),
          row('p99 added round trip', own.p99 - direct.p99, 'ms', { baseline: 'direct', ratio: own.p99 / direct.p99 }),
        )
      }
      const rate = rates.get(subject.name)!
      const throughputRow = row('throughput', rate, 'MiB/s')
      if (subject.name === 'embedded proxy' && real) {
        const realRate = rates.get(real)!
        Object.assign(throughputRow, {
          baseline: real,
          ratio: rate / realRate,
          target: { text: '>= real Toxiproxy', met: rate >= realRate },
        })
      } else if (subject.name !== 'direct') {
        Object.assign(throughputRow, { baseline: 'direct', ratio: rate / rates.get('direct')! })
      }
      rows.push(throughputRow)
    }
  } finally {
    for (const subject of subjects) await subject.close()
    await servers.close()
  }
  return rows
}

export const benchmark: Benchmark = {
  name: 'proxy',
  description: 'round-trip latency and throughput through one proxy with no toxics: direct, embedded, real Toxiproxy',
  run: measure,
}
