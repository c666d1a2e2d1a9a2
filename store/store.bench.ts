/**
 * Store benchmark: GET and PUT on a 3-node cluster (N3 R2 W2), direct and through the
 * proxy, against a bare Hono app answering the same routes on the same machine, all
 * measured in the same run so the ratios hold on a noisy machine.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Benchmark, BenchRow } from '../harness/bench/benchmark.ts'
import { loadTest, startBareHono, type LoadResult } from '../harness/bench/load.ts'
import { freePorts } from '../harness/cluster/ports.ts'
import { LocalCluster, startProxiedCluster } from '../harness/stores/quorumlab/index.ts'
import { TEST_SETTINGS } from '../harness/cluster/testing.ts'
import { NODE_DEFAULTS } from './config.ts'
import { httpUrl } from '../common/helpers/address.ts'

/** Keys the GETs read: the first ones the PUTs wrote. */
export const READ_KEYS = 1000
/**
 * PUTs write fresh keys (each about once): autocannon's writes are blind, and blind
 * writes to one key pile up as siblings under dvv, measuring sibling growth rather
 * than the store's path.
 */
export const WRITE_KEYS = 100_000_000
const _CONNECTIONS = 16
/** Store settings of the benchmarks: test timings, but the default replica timeout and gossip. */
export const BENCH_SETTINGS = {
  ...TEST_SETTINGS,
  replicaTimeoutMs: NODE_DEFAULTS.replicaTimeoutMs,
  gossipIntervalMs: NODE_DEFAULTS.gossipIntervalMs,
}

export const benchmark: Benchmark = {
  name: 'store',
  description: 'store GET and PUT (3 nodes, N3 R2 W2), direct and through the proxy, against a bare Hono app',
  async run({ quick, log }) {
    const duration = quick ? 1 : 10
    // 16 clients leave the store waiting on disk flushes; 64 let its commits group.
    const concurrencies = quick ? [64] : [16, 64]
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-bench-store-'))
    const results = new Map<string, { connections: number; subject: string; get: LoadResult; put: LoadResult }>()
    // Clients spread over every node, as with random routing.
    const measure = async (subject: string, url: string | string[]): Promise<void> => {
      for (const connections of concurrencies) {
        const prefix = `c${connections}-`
        // PUT first: it fills the keys the GETs then read.
        const put = await loadTest({ url, method: 'PUT', connections, duration, keys: WRITE_KEYS, prefix })
        const get = await loadTest({ url, method: 'GET', connections, duration, keys: READ_KEYS, prefix })
        log(
          `${subject}, ${connections} connections: GET ${get.rps.toFixed(0)} req/s (p50 ${get.p50} ms, p99 ${get.p99} ms), PUT ${put.rps.toFixed(0)} req/s (p50 ${put.p50} ms, p99 ${put.p99} ms)`,
        )
        if (get.errors + get.non2xx + put.errors + put.non2xx > 0)
          log(`${subject}: ${get.errors + put.errors} errors, ${get.non2xx + put.non2xx} non-2xx answers`)
        results.set(`${subject}/${connections}`, { connections, subject, get, put })
      }
    }
    try {
      const bare = await startBareHono()
      try {
        await measure('bare Hono', bare.url)
      } finally {
        await bare.stop()
      }
      const direct = await LocalCluster.start({
        nodes: 3,
        ports: await freePorts(3),
        dataDir: join(dir, 'direct'),
        settings: BENCH_SETTINGS,
      })
      try {
        await measure(
          'store direct',
          direct.nodes.map((n) => n.url),
        )
      } finally {
        await direct.stop()
      }
      const proxied = await startProxiedCluster({ nodes: 3, settings: BENCH_SETTINGS, dataDir: join(dir, 'proxied') })
      try {
        await measure(`store via ${proxied.network.toxiproxy.kind} proxy`, proxied.nodes.map(httpUrl))
      } finally {
        await proxied.teardown()
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }

    const rows: BenchRow[] = []
    for (const { connections, subject, get, put } of results.values()) {
      const baseline = results.get(`bare Hono/${connections}`)!
      for (const [op, r, target] of [
        ['GET', get, 0.35],
        ['PUT', put, 0.25],
      ] as const) {
        const isBaseline = subject === 'bare Hono'
        const ratio = r.rps / (op === 'GET' ? baseline.get.rps : baseline.put.rps)
        const name = `${subject} ${op}, ${connections} conns`
        rows.push({
          benchmark: 'store',
          subject: name,
          metric: 'throughput',
          value: r.rps,
          unit: 'req/s',
          ...(isBaseline ? {} : { baseline: `bare Hono ${op}, ${connections} conns`, ratio }),
          ...(subject === 'store direct' ? { target: { text: `>= ${target * 100}% of bare Hono`, met: ratio >= target } } : {}),
        })
        rows.push({ benchmark: 'store', subject: name, metric: 'p99 latency', value: r.p99, unit: 'ms' })
      }
    }
    return rows
  },
}
