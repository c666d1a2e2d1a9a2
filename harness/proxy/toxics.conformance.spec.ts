/**
 * Conformance of the data path: every toxic, set up through toxiproxy-node-client, checked
 * over real TCP through an echo server, and the proxy's bound on what it holds for an
 * upstream that does not read, against the embedded server and (with TOXIPROXY_URL) a real
 * Toxiproxy 2.12. Timings are measured with tolerances: latency
 * within jitter + 10 ms, bandwidth within 5%.
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { type AddressInfo, createServer, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { test } from '@japa/runner'
import type { Proxy as ClientProxy, Toxic } from 'toxiproxy-node-client'
import { median } from '../bench/benchmark.ts'
import { Random } from '../../common/helpers/random.ts'
import { eventually } from '../cluster/testing.ts'
import { serversUnderTest } from './test/servers.ts'
import { useServer } from './test/scope.ts'
import type { TestClient } from './test/tcp-client.ts'

/** Allowed error on a measured delay, on top of the toxic's own jitter (ms). */
const LATENCY_TOLERANCE_MS = 10
/** Allowed lateness of a close the toxic schedules (slow_close, timeout, reset_peer), ms. */
const CLOSE_TOLERANCE_MS = 50
/**
 * Timing tests run again when they fail: a stall of the machine (another job, a collector
 * pause) can push one measurement out of bounds, while a wrong toxic fails every attempt.
 */
const TIMING_RETRIES = 2
/** Allowed relative error on a measured rate. */
const RATE_TOLERANCE = 0.05

type LatencyToxic = { name?: string; stream: 'upstream' | 'downstream'; latency: number; jitter?: number; toxicity?: number }

function addLatency(proxy: ClientProxy, { name, stream, latency, jitter = 0, toxicity = 1 }: LatencyToxic): Promise<Toxic<unknown>> {
  return proxy.addToxic({ name: name ?? `latency_${stream}`, type: 'latency', stream, toxicity, attributes: { latency, jitter } })
}

/** Round trips of a small message, one after another (ms). */
async function roundTrips(client: TestClient, count: number): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < count; i++) times.push(await client.roundTrip(`ping-${i}`))
  return times
}

/** Bytes the flow-control test sends: far more than the kernel's socket buffers on both sides of the proxy can hold (Linux: up to 32 MiB each). */
const FLOW_BYTES = 256 * 1024 * 1024
const FLOW_CHUNK = 1024 * 1024
/** Byte i of the stream is i mod 251 (a prime: a chunk dropped, repeated or reordered breaks it). */
const PATTERN = Buffer.from(Array.from({ length: FLOW_CHUNK + 251 }, (_, i) => i % 251))
const patterned = (offset: number): Buffer => PATTERN.subarray(offset % 251, (offset % 251) + FLOW_CHUNK)

/** A server that accepts one connection and reads nothing until `read`, which checks the pattern and resolves with the bytes counted once `total` arrived. */
async function stalledSink(): Promise<{ address: string; read(total: number): Promise<number>; close(): Promise<void> }> {
  let accepted: Socket | undefined
  const server = createServer({ pauseOnConnect: true })
  const connected = new Promise<Socket>((resolve) => {
    server.once('connection', (socket: Socket) => {
      accepted = socket
      socket.on('error', () => {})
      resolve(socket)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    address: `127.0.0.1:${port}`,
    async read(total) {
      const socket = await connected
      let count = 0
      return new Promise((resolve, reject) => {
        socket.on('data', (chunk: Buffer) => {
          for (let i = 0; i < chunk.length; i++) {
            if (chunk[i] !== (count + i) % 251) {
              reject(new Error(`byte ${count + i} is ${chunk[i]}, not ${(count + i) % 251}`))
              socket.destroy()
              return
            }
          }
          count += chunk.length
          if (count >= total) resolve(count)
        })
        socket.once('close', () => resolve(count))
        socket.resume()
      })
    },
    async close() {
      accepted?.destroy()
      server.close()
    },
  }
}

/** `measure`'s value once it has stopped changing (the same for 500 ms), polled for at most 20 s. */
function settled(measure: () => number): Promise<number> {
  let last = measure()
  let since = performance.now()
  return eventually(
    'the bytes the client handed off to stop growing',
    () => {
      const now = measure()
      if (now !== last) {
        last = now
        since = performance.now()
        return undefined
      }
      return performance.now() - since >= 500 ? now : undefined
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  )
}

const servers = serversUnderTest()
console.log(`proxy conformance (toxics over TCP) against: ${servers.map((s) => s.label).join('; ')}`)

for (const server of servers) {
  test.group(`conformance: ${server.label}: toxics over TCP`, (group) => {
    group.tap((t) => t.tags(['integration']))
    const scope = useServer(group, server)

    test('bytes pass unchanged without toxics, on several connections at once', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('plain', echo.address)
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          const client = await s.connect(proxy.listen)
          const data = randomBytes(1024 * 1024)
          client.write(data)
          assert.isTrue((await client.read(data.length, 10_000)).equals(data))
        }),
      )
    })

    test('an upstream that stops reading stops the proxy reading its client, and every byte arrives in order once it reads again', async ({
      assert,
    }) => {
      const s = scope()
      const sink = await stalledSink()
      s.defer(() => sink.close())
      const proxy = await s.proxy('flow', sink.address)
      const { socket: client } = await s.connect(proxy.listen)
      // The client writes as fast as it is let: bytes that left it are held by the kernel's buffers or by the proxy.
      let handed = 0
      const writing = (async () => {
        while (handed < FLOW_BYTES) {
          const more = client.write(patterned(handed))
          handed += FLOW_CHUNK
          if (!more) await once(client, 'drain')
        }
      })()
      const accepted = await settled(() => handed - client.writableLength)
      assert.isBelow(accepted, FLOW_BYTES / 2, `the proxy took ${accepted} bytes from a client its upstream does not read`)
      const arrived = sink.read(FLOW_BYTES)
      await writing
      assert.equal(await arrived, FLOW_BYTES)
    })

    test('latency on {0} delays each round trip by latency ± jitter')
      .with([
        ['downstream', [{ stream: 'downstream', latency: 80 }]],
        ['upstream', [{ stream: 'upstream', latency: 80 }]],
        ['downstream with jitter', [{ stream: 'downstream', latency: 60, jitter: 20 }]],
        [
          'both streams',
          [
            { stream: 'upstream', latency: 40 },
            { stream: 'downstream', latency: 40 },
          ],
        ],
      ] as [string, LatencyToxic[]][])
      .run(async ({ assert }, [, toxics]) => {
        const s = scope()
        const echo = await s.echo()
        const proxy = await s.proxy('latency', echo.address)
        for (const toxic of toxics) await addLatency(proxy, toxic)
        const expected = toxics.reduce((sum, t) => sum + t.latency, 0)
        const jitter = toxics.reduce((sum, t) => sum + (t.jitter ?? 0), 0)
        const client = await s.connect(proxy.listen)
        const rtts = await roundTrips(client, 7)
        const shown = `round trips ${rtts.map((rtt) => rtt.toFixed(1)).join(', ')} ms`
        // No chunk may leave early; a loaded machine may stall one, so the bound above is on the median.
        assert.isAtLeast(Math.min(...rtts), expected - jitter - 1, shown)
        assert.isAtMost(median(rtts), expected + jitter + LATENCY_TOLERANCE_MS, shown)
      })
      .retry(TIMING_RETRIES)

    test('latency with jitter keeps chunks in order', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('order', echo.address)
      await addLatency(proxy, { stream: 'downstream', latency: 20, jitter: 20 })
      const client = await s.connect(proxy.listen)
      const count = 60
      for (let i = 0; i < count; i++) {
        const word = Buffer.alloc(4)
        word.writeUInt32BE(i)
        client.write(word)
        // Spaced writes become separate chunks, each drawing its own jitter.
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
      const echoed = await client.read(count * 4)
      const order = Array.from({ length: count }, (_, i) => echoed.readUInt32BE(i * 4))
      assert.deepEqual(
        order,
        Array.from({ length: count }, (_, i) => i),
      )
      assert.isAbove(client.arrivals.length, 5, 'the writes should arrive as several chunks')
    })

    test('bandwidth on {0} passes {1} KB/s within 5%')
      .with([
        ['downstream', 1000, 500_000],
        ['upstream', 500, 250_000],
      ] as const)
      .run(async ({ assert }, [stream, rate, bytes]) => {
        const s = scope()
        const echo = await s.echo()
        const proxy = await s.proxy('bandwidth', echo.address)
        await proxy.addToxic({ name: 'bw', type: 'bandwidth', stream, toxicity: 1, attributes: { rate } })
        const client = await s.connect(proxy.listen)
        const data = randomBytes(bytes)
        const start = performance.now()
        client.write(data)
        const echoed = await client.read(bytes, 10_000)
        const seconds = (performance.now() - start) / 1000
        assert.isTrue(echoed.equals(data))
        const measured = bytes / 1000 / seconds
        assert.closeTo(measured, rate, rate * RATE_TOLERANCE, `measured ${measured.toFixed(1)} KB/s`)
      })
      .retry(TIMING_RETRIES)

    test('bandwidth 0 holds data back until the toxic is removed', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('hold', echo.address)
      const toxic = await proxy.addToxic({ name: 'hold', type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: 0 } })
      const client = await s.connect(proxy.listen)
      client.write('held')
      assert.isUndefined(await client.closedWithin(300))
      assert.equal(client.buffered, 0, 'data passed a zero bandwidth')
      await toxic.remove()
      assert.equal((await client.read(4, 2000)).toString(), 'held')
    })

    test('slicer cuts data into pieces of about average_size bytes, delay µs apart', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('slicer', echo.address)
      await proxy.addToxic({
        name: 'slice',
        type: 'slicer',
        stream: 'downstream',
        toxicity: 1,
        attributes: { average_size: 100, size_variation: 20, delay: 3000 },
      })
      const client = await s.connect(proxy.listen)
      const data = randomBytes(2000)
      client.write(data)
      assert.isTrue((await client.read(data.length)).equals(data))
      const sizes = client.arrivals.map((a) => a.bytes)
      assert.isAtLeast(sizes.length, 10, `arrivals: ${sizes.join(', ')}`)
      assert.isAtLeast(sizes.filter((size) => size <= 120).length / sizes.length, 0.8, `arrivals: ${sizes.join(', ')}`)
      const span = client.arrivals.at(-1)!.at - client.arrivals[0].at
      // At least 2000 / 120 pieces, each followed by a 3 ms pause.
      assert.isAtLeast(span, 15 * 3 * 0.8, `pieces spread over ${span.toFixed(1)} ms`)
    }).retry(TIMING_RETRIES)

    test('limit_data closes the connection once bytes have passed', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('limit', echo.address)
      await proxy.addToxic({ name: 'limit', type: 'limit_data', stream: 'downstream', toxicity: 1, attributes: { bytes: 100 } })
      const client = await s.connect(proxy.listen)
      const data = randomBytes(300)
      client.write(data)
      assert.isTrue((await client.read(100)).equals(data.subarray(0, 100)))
      assert.isDefined(await client.closedWithin(2000), 'the connection stayed open')
      assert.equal(client.buffered, 0, 'more than the limit passed')
    })

    test('slow_close delays the close by delay ms', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('slow-close', echo.address)
      const closeTime = async (): Promise<number> => {
        const client = await s.connect(proxy.listen)
        await client.roundTrip()
        const start = performance.now()
        client.end()
        const closure = await client.closedWithin(3000)
        if (!closure) throw new Error('the connection did not close')
        return closure.at - start
      }
      assert.isBelow(await closeTime(), CLOSE_TOLERANCE_MS, 'without the toxic the close is prompt')
      await proxy.addToxic({ name: 'slow', type: 'slow_close', stream: 'downstream', toxicity: 1, attributes: { delay: 200 } })
      const delayed = await closeTime()
      assert.isAtLeast(delayed, 199)
      assert.isAtMost(delayed, 200 + CLOSE_TOLERANCE_MS)
    }).retry(TIMING_RETRIES)

    test('timeout 0 drops data and holds the connection open; removing it closes the connection', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('blackhole', echo.address)
      const toxic = await proxy.addToxic({ name: 'hole', type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 0 } })
      const client = await s.connect(proxy.listen)
      client.write('lost')
      assert.isUndefined(await client.closedWithin(300), 'the connection closed')
      assert.equal(client.buffered, 0, 'data passed a black hole')
      await toxic.remove()
      assert.isDefined(await client.closedWithin(2000), 'removing the timeout toxic did not close the connection')
      assert.equal(client.buffered, 0, 'dropped data came back')
    })

    test('timeout closes a connection after timeout ms without data; data re-arms it', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('timeout', echo.address)
      await proxy.addToxic({ name: 'idle', type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 200 } })
      const idle = await s.connect(proxy.listen)
      const idleStart = performance.now()
      const busy = await s.connect(proxy.listen)
      const busyStart = performance.now()
      // 100 ms in, echoed data reaches the busy connection's toxic and its 200 ms start again.
      await new Promise((resolve) => setTimeout(resolve, 100))
      const sentAt = performance.now()
      busy.write('x')
      const [idleClosure, busyClosure] = await Promise.all([idle.closedWithin(2000), busy.closedWithin(2000)])
      assert.isDefined(idleClosure)
      assert.isAtLeast(idleClosure!.at - idleStart, 199)
      assert.isAtMost(idleClosure!.at - idleStart, 200 + CLOSE_TOLERANCE_MS)
      assert.isDefined(busyClosure)
      const busyShown = `closed ${(busyClosure!.at - busyStart).toFixed(0)} ms after connecting`
      assert.isAtLeast(busyClosure!.at - sentAt, 199, busyShown)
      assert.isAtMost(busyClosure!.at - sentAt, 200 + CLOSE_TOLERANCE_MS, busyShown)
      assert.equal(busy.buffered, 0)
    }).retry(TIMING_RETRIES)

    test('delays beyond a Node timer (2^31 ms) still wait: timeout, slow_close and latency of 3e9 ms', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const longMs = 3_000_000_000
      const timeoutProxy = await s.proxy('long-timeout', echo.address)
      await timeoutProxy.addToxic({ name: 'idle', type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: longMs } })
      const idle = await s.connect(timeoutProxy.listen)
      idle.write('x')
      const slowProxy = await s.proxy('long-slow-close', echo.address)
      await slowProxy.addToxic({ name: 'slow', type: 'slow_close', stream: 'downstream', toxicity: 1, attributes: { delay: longMs } })
      const closing = await s.connect(slowProxy.listen)
      await closing.roundTrip()
      closing.end()
      const latencyProxy = await s.proxy('long-latency', echo.address)
      await addLatency(latencyProxy, { stream: 'downstream', latency: longMs })
      const delayed = await s.connect(latencyProxy.listen)
      delayed.write('late')
      const [idleClosure, closingClosure] = await Promise.all([idle.closedWithin(300), closing.closedWithin(300)])
      assert.isUndefined(idleClosure, 'the timeout toxic closed the connection at once')
      assert.isUndefined(closingClosure, 'slow_close passed the close on at once')
      assert.equal(delayed.buffered, 0, 'latency let the data through at once')
    })

    test('reset_peer resets the connection {0} ms after data arrives')
      .with([[0], [150]] as const)
      .run(async ({ assert }, [timeout]) => {
        const s = scope()
        const echo = await s.echo()
        const proxy = await s.proxy('reset', echo.address)
        await proxy.addToxic({ name: 'reset', type: 'reset_peer', stream: 'downstream', toxicity: 1, attributes: { timeout } })
        const client = await s.connect(proxy.listen)
        const start = performance.now()
        client.write('x')
        const closure = await client.closedWithin(2000)
        assert.equal(closure?.how, 'reset')
        assert.isAtLeast(closure!.at - start, timeout - 1)
        assert.isAtMost(closure!.at - start, timeout + CLOSE_TOLERANCE_MS)
        assert.equal(client.buffered, 0, 'the data that triggered the reset was delivered')
      })
      .retry(TIMING_RETRIES)

    test('reset_peer added to an open connection closes it with a FIN, not a reset', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('late-reset', echo.address)
      const client = await s.connect(proxy.listen)
      await client.roundTrip()
      await proxy.addToxic({ name: 'reset', type: 'reset_peer', stream: 'downstream', toxicity: 1, attributes: { timeout: 0 } })
      client.write('x')
      assert.equal((await client.closedWithin(2000))?.how, 'end')
    })

    test('toxicity 0 never applies, 1 always; it is rolled when a connection starts', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('toxicity', echo.address)
      const toxic = await addLatency(proxy, { stream: 'downstream', latency: 150, toxicity: 0 })
      const spared = await s.connect(proxy.listen)
      assert.isBelow(await spared.roundTrip(), 100)
      await toxic.update({ ...toxic.toJson(), toxicity: 1 })
      const hit = await s.connect(proxy.listen)
      assert.isAtLeast(await hit.roundTrip(), 150)
    }).retry(TIMING_RETRIES)

    test('toxicity 0.5 applies to about half of the connections', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('half', echo.address)
      await addLatency(proxy, { stream: 'downstream', latency: 300, toxicity: 0.5 })
      const rtts = await Promise.all(Array.from({ length: 40 }, async () => (await s.connect(proxy.listen)).roundTrip()))
      const hit = rtts.filter((rtt) => rtt >= 300).length
      // Binomial(40, 0.5): outside 6..34 with probability below 1e-6.
      assert.isAtLeast(hit, 6, `${hit} of 40 connections delayed`)
      assert.isAtMost(hit, 34, `${hit} of 40 connections delayed`)
    }).retry(TIMING_RETRIES)

    test('a toxic added to an open connection applies at once; removing it restores the link', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('live', echo.address)
      const client = await s.connect(proxy.listen)
      assert.isBelow(await client.roundTrip(), 50)
      const toxic = await addLatency(proxy, { stream: 'upstream', latency: 100 })
      const delayed = await client.roundTrip()
      assert.isAtLeast(delayed, 100)
      assert.isAtMost(delayed, 100 + LATENCY_TOLERANCE_MS)
      await toxic.remove()
      assert.isBelow(await client.roundTrip(), 50)
    }).retry(TIMING_RETRIES)

    test('removing a latency toxic sends the data it holds at once', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('release', echo.address)
      const toxic = await addLatency(proxy, { stream: 'downstream', latency: 2000 })
      const client = await s.connect(proxy.listen)
      client.write('held')
      assert.isUndefined(await client.closedWithin(100))
      assert.equal(client.buffered, 0)
      const removedAt = performance.now()
      await toxic.remove()
      assert.equal((await client.read(4, 1000)).toString(), 'held')
      assert.isBelow(performance.now() - removedAt, 500)
    })

    test('a client of an unreachable upstream is disconnected', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const address = echo.address
      await echo.close()
      const proxy = await s.proxy('unreachable', address)
      const client = await s.connect(proxy.listen)
      assert.isDefined(await client.closedWithin(2000), 'the client stayed connected')
    })

    test('bytes arrive whole and in order while toxics come and go mid-stream', async ({ assert }) => {
      const s = scope()
      const echo = await s.echo()
      const proxy = await s.proxy('integrity', echo.address)
      const client = await s.connect(proxy.listen)
      // Seeded, so a failing mid-stream schedule can be replayed.
      const seed = Date.now() % 100_000
      const rng = new Random(seed)
      const random = (): number => rng.float()
      const data = randomBytes(2 * 1024 * 1024)
      const steps = 16
      const pieceBytes = 16 * 1024
      const active: Toxic<unknown>[] = []
      let changes = 0

      // One toxic comes or goes before each sixteenth of the data is written.
      const changeToxics = async (): Promise<void> => {
        changes += 1
        if (active.length > 0 && (active.length >= 4 || random() < 0.4)) {
          const [toxic] = active.splice(Math.floor(random() * active.length), 1)
          await toxic.remove()
          return
        }
        const stream = random() < 0.5 ? 'upstream' : 'downstream'
        const name = `t${changes}`
        const choice = random()
        if (choice < 0.4) {
          active.push(
            await proxy.addToxic({
              name,
              type: 'latency',
              stream,
              toxicity: 1,
              attributes: { latency: 2 + Math.floor(random() * 15), jitter: Math.floor(random() * 10) },
            }),
          )
        } else if (choice < 0.7) {
          active.push(
            await proxy.addToxic({
              name,
              type: 'slicer',
              stream,
              toxicity: 1,
              attributes: { average_size: 512 + Math.floor(random() * 4096), size_variation: 256, delay: Math.floor(random() * 200) },
            }),
          )
        } else {
          active.push(
            await proxy.addToxic({
              name,
              type: 'bandwidth',
              stream,
              toxicity: 1,
              attributes: { rate: 8000 + Math.floor(random() * 16000) },
            }),
          )
        }
      }

      const reading = client.read(data.length, 20_000).then(
        (echoed) => ({ echoed }),
        (error: Error) => ({ error }),
      )
      for (let step = 0; step < steps; step++) {
        await changeToxics()
        const end = ((step + 1) * data.length) / steps
        for (let at = (step * data.length) / steps; at < end; at += pieceBytes) {
          if (!client.socket.write(data.subarray(at, Math.min(end, at + pieceBytes)))) {
            await Promise.race([once(client.socket, 'drain'), client.closed])
          }
          await new Promise((resolve) => setTimeout(resolve, 2))
        }
      }
      for (const toxic of active.splice(0)) await toxic.remove()
      const result = await reading
      if ('error' in result) throw new Error(`seed ${seed}: ${result.error.message}`)
      assert.isTrue(result.echoed.equals(data), `echoed bytes differ (seed ${seed})`)
    })
  })
}
