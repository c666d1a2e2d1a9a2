/**
 * Client benchmark: the harness's HTTP client in closed loop against two baselines at the
 * same concurrency and endpoint (the bare Hono baseline, so the server is not the
 * bottleneck), in the same run: autocannon (a load generator) for the whole store client,
 * and undici (Node's own HTTP client, a Pool per node) for the HTTP/1.1 endpoint under it.
 */
import { Pool } from 'undici'
import { HttpEndpoint } from '../../../common/helpers/http-endpoint.ts'
import { type Benchmark, type BenchRow, median, overRounds } from '../../bench/benchmark.ts'
import { loadTest, startBareHono } from '../../bench/load.ts'
import { QuorumlabClient } from './client.ts'

const CONNECTIONS = 16
const KEYS = 1000

/** One closed-loop worker's next request: resolves true when it succeeded. */
type Requester = (key: string) => Promise<boolean>

/** CONNECTIONS workers, each sending its next request when the last is answered, for `seconds`; resolves with successes per second. */
async function closedLoop(seconds: number, request: Requester, log: (line: string) => void, name: string): Promise<number> {
  let done = 0
  let failed = 0
  const end = performance.now() + seconds * 1000
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, i) => {
      for (let n = 0; performance.now() < end; n++) {
        if (await request(`bench-${(i * 7919 + n) % KEYS}`)) done++
        else failed++
      }
    }),
  )
  if (failed > 0) log(`${name}: ${failed} failed requests`)
  return done / seconds
}

type Subject = { name: string; rate(seconds: number): Promise<number>; close(): Promise<void> }

function subjects(url: string, log: (line: string) => void): Subject[] {
  const { hostname, port } = new URL(url)
  const client = new QuorumlabClient([{ id: 'n1', host: hostname, port: Number(port) }], { timeoutMs: 5000 })
  const endpoint = HttpEndpoint.ofUrl(url)
  // undici's pool per node, as many connections as workers: every worker always has one.
  const pool = new Pool(url, { connections: CONNECTIONS })
  return [
    {
      name: 'autocannon GET',
      rate: async (seconds) => (await loadTest({ url, method: 'GET', connections: CONNECTIONS, duration: seconds, keys: KEYS })).rps,
      close: async () => {},
    },
    {
      name: 'harness client GET',
      rate: (seconds) =>
        closedLoop(seconds, async (key) => (await client.invoke({ f: 'get', key, node: 'n1' })).type === 'ok', log, 'harness client'),
      close: () => client.close(),
    },
    {
      name: 'HTTP endpoint GET',
      rate: (seconds) =>
        closedLoop(
          seconds,
          async (key) => (await endpoint.request({ method: 'GET', path: `/kv/${key}`, timeoutMs: 5000 })).status === 200,
          log,
          'HTTP endpoint',
        ),
      close: async () => endpoint.close(),
    },
    {
      name: 'undici Pool GET',
      rate: (seconds) =>
        closedLoop(
          seconds,
          async (key) => {
            // The body read as text, as the endpoint hands it over.
            const { statusCode, body } = await pool.request({ method: 'GET', path: `/kv/${key}`, headersTimeout: 5000, bodyTimeout: 5000 })
            await body.text()
            return statusCode === 200
          },
          log,
          'undici',
        ),
      close: () => pool.close(),
    },
  ]
}

export const benchmark: Benchmark = {
  name: 'client',
  description: "the harness's HTTP client in closed loop against autocannon and undici, same concurrency and endpoint",
  async run({ quick, log }) {
    const seconds = quick ? 1 : 5
    // Alternate the order so none always gets the warmer or the quieter moment.
    const rounds = quick ? 1 : 5
    const bare = await startBareHono()
    const all = subjects(bare.url, log)
    const rates = new Map<string, number[]>(all.map((s) => [s.name, []]))
    try {
      for (const subject of all) await subject.rate(quick ? 0.25 : 1)
      for (let round = 1; round <= rounds; round++) {
        for (const subject of round % 2 === 0 ? [...all].reverse() : all) rates.get(subject.name)!.push(await subject.rate(seconds))
        log(`round ${round} of ${rounds}: ${all.map((s) => `${s.name} ${rates.get(s.name)!.at(-1)!.toFixed(0)} req/s`).join(', ')}`)
      }
    } finally {
      for (const subject of all) await subject.close()
      await bare.stop()
    }
    return rowsOf(rates)
  },
}

/** Each subject's rate; the store client against autocannon, the endpoint against undici (the median of the rounds' ratios). */
function rowsOf(rates: Map<string, number[]>): BenchRow[] {
  const versus = (ours: string, theirs: string): number => median(rates.get(ours)!.map((r, i) => r / rates.get(theirs)![i]))
  const row = (subject: string, extra: Partial<BenchRow> = {}): BenchRow => ({
    benchmark: 'client',
    subject,
    metric: 'throughput',
    unit: 'req/s',
    ...overRounds(rates.get(subject)!),
    ...extra,
  })
  const overAutocannon = versus('harness client GET', 'autocannon GET')
  const overUndici = versus('HTTP endpoint GET', 'undici Pool GET')
  return [
    row('autocannon GET'),
    row('harness client GET', {
      baseline: 'autocannon GET',
      ratio: overAutocannon,
      target: { text: ">= 90% of autocannon's req/s", met: overAutocannon >= 0.9 },
    }),
    row('undici Pool GET'),
    row('HTTP endpoint GET', {
      baseline: 'undici Pool GET',
      ratio: overUndici,
      target: { text: ">= undici's req/s", met: overUndici >= 1 },
    }),
  ]
}
