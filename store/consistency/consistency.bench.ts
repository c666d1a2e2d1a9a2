/**
 * The cost of each consistency mode: GET and PUT throughput and p50/p99 latency on a
 * 3-node cluster (N = 3; R = W = 2 for eventual) of real node processes, every mode in the
 * same run and under the same load, so the ratios to `eventual` hold on a noisy machine.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CONSISTENCY_MODES } from '../../common/contracts/history.ts'
import type { Benchmark, BenchRow } from '../../harness/bench/benchmark.ts'
import { loadTest, type LoadResult } from '../../harness/bench/load.ts'
import { freePorts } from '../../harness/cluster/ports.ts'
import { LocalCluster } from '../../harness/stores/quorumlab/index.ts'
import { withConsistencyFixes } from '../config.ts'
import { BENCH_SETTINGS, READ_KEYS, WRITE_KEYS } from '../store.bench.ts'

export const benchmark: Benchmark = {
  name: 'consistency',
  description: 'GET and PUT per consistency mode (3 nodes, N = 3), against eventual in the same run',
  async run({ quick, log }) {
    const duration = quick ? 2 : 8
    const connections = 32
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-bench-consistency-'))
    const results = new Map<string, { get: LoadResult; put: LoadResult }>()
    try {
      for (const consistency of CONSISTENCY_MODES) {
        const settings = withConsistencyFixes({ ...BENCH_SETTINGS, consistency })
        const cluster = await LocalCluster.start({ nodes: 3, ports: await freePorts(3), dataDir: join(dir, consistency), settings })
        try {
          // Clients spread over every node; PUT first: it fills the keys the GETs then read.
          const urls = cluster.nodes.map((n) => n.url)
          const put = await loadTest({ url: urls, method: 'PUT', connections, duration, keys: WRITE_KEYS, prefix: `${consistency}-` })
          const get = await loadTest({ url: urls, method: 'GET', connections, duration, keys: READ_KEYS, prefix: `${consistency}-` })
          log(
            `${consistency}: GET ${get.rps.toFixed(0)} req/s (p50 ${get.p50} ms, p99 ${get.p99} ms), PUT ${put.rps.toFixed(0)} req/s (p50 ${put.p50} ms, p99 ${put.p99} ms)`,
          )
          const failed = get.errors + get.non2xx + put.errors + put.non2xx
          if (failed > 0) log(`${consistency}: ${get.errors + put.errors} errors, ${get.non2xx + put.non2xx} non-2xx answers`)
          results.set(consistency, { get, put })
        } finally {
          await cluster.stop()
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    return rowsOf(results, connections)
  },
}

function rowsOf(results: Map<string, { get: LoadResult; put: LoadResult }>, connections: number): BenchRow[] {
  const eventual = results.get('eventual')!
  const rows: BenchRow[] = []
  for (const [consistency, { get, put }] of results) {
    for (const [op, r, base] of [
      ['GET', get, eventual.get],
      ['PUT', put, eventual.put],
    ] as const) {
      const subject = `${consistency} ${op}, ${connections} conns`
      const compared = consistency === 'eventual' ? {} : { baseline: `eventual ${op}, ${connections} conns`, ratio: r.rps / base.rps }
      rows.push({ benchmark: 'consistency', subject, metric: 'throughput', value: r.rps, unit: 'req/s', ...compared })
      rows.push({ benchmark: 'consistency', subject, metric: 'p50 latency', value: r.p50, unit: 'ms' })
      rows.push({ benchmark: 'consistency', subject, metric: 'p99 latency', value: r.p99, unit: 'ms' })
    }
  }
  return rows
}
