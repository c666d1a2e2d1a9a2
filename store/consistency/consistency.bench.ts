/**
 * The cost of each consistency mode: GET and PUT throughput and p50/p99 latency on a
 * 3-node cluster (N = 3; R = W = 2 for eventual) of real node processes, every mode in the
 * same run and under the same load, so the ratios to `eventual` hold on a noisy machine:
 * every cluster is up throughout, and the modes are measured in turn, forward then back.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CONSISTENCY_MODES, type ConsistencyMode } from '../../common/contracts/history.ts'
import type { Benchmark, BenchRow } from '../../harness/bench/benchmark.ts'
import { loadTest, type LoadResult } from '../../harness/bench/load.ts'
import { freePorts } from '../../harness/cluster/ports.ts'
import { LocalCluster } from '../../harness/stores/quorumlab/index.ts'
import { withConsistencyFixes } from '../config.ts'
import { BENCH_SETTINGS, READ_KEYS, WRITE_KEYS } from '../store.bench.ts'

/** Rounds of measurements, the modes in turn (forward, then backward, then forward...): load on a shared machine drifts. */
const ROUNDS = 2

export const benchmark: Benchmark = {
  name: 'consistency',
  description: 'GET and PUT per consistency mode (3 nodes, N = 3), against eventual in the same run',
  async run({ quick, log }) {
    const duration = quick ? 1 : 8
    const connections = 32
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-bench-consistency-'))
    const clusters = new Map<ConsistencyMode, LocalCluster>()
    const rounds = new Map<ConsistencyMode, { get: LoadResult; put: LoadResult }[]>()
    try {
      for (const consistency of CONSISTENCY_MODES) {
        const settings = withConsistencyFixes({ ...BENCH_SETTINGS, consistency })
        clusters.set(
          consistency,
          await LocalCluster.start({ nodes: 3, ports: await freePorts(3), dataDir: join(dir, consistency), settings }),
        )
        rounds.set(consistency, [])
      }
      for (let round = 0; round < (quick ? 1 : ROUNDS); round++) {
        const order = round % 2 === 0 ? [...CONSISTENCY_MODES] : [...CONSISTENCY_MODES].reverse()
        for (const consistency of order) {
          // Clients spread over every node; PUT first: it fills the keys the GETs then read.
          const url = clusters.get(consistency)!.nodes.map((n) => n.url)
          const prefix = `${consistency}-${round}-`
          const put = await loadTest({ url, method: 'PUT', connections, duration, keys: WRITE_KEYS, prefix })
          const get = await loadTest({ url, method: 'GET', connections, duration, keys: READ_KEYS, prefix })
          log(`${consistency}, round ${round + 1}: GET ${describe(get)}, PUT ${describe(put)}`)
          rounds.get(consistency)!.push({ get, put })
        }
      }
    } finally {
      for (const cluster of clusters.values()) await cluster.stop()
      await rm(dir, { recursive: true, force: true })
    }
    return rowsOf(rounds, connections)
  },
}

const describe = (r: LoadResult): string =>
  `${r.rps.toFixed(0)} req/s (p50 ${r.p50} ms, p99 ${r.p99} ms${r.errors + r.non2xx > 0 ? `, ${r.errors} errors, ${r.non2xx} non-2xx` : ''})`

/** Throughput and p50 averaged over the rounds, p99 the worst of them. */
function combined(results: LoadResult[]): LoadResult {
  const mean = (pick: (r: LoadResult) => number): number => results.reduce((sum, r) => sum + pick(r), 0) / results.length
  return {
    rps: mean((r) => r.rps),
    p50: mean((r) => r.p50),
    p99: Math.max(...results.map((r) => r.p99)),
    errors: mean((r) => r.errors),
    non2xx: mean((r) => r.non2xx),
  }
}

function rowsOf(rounds: Map<ConsistencyMode, { get: LoadResult; put: LoadResult }[]>, connections: number): BenchRow[] {
  const results = new Map(
    [...rounds].map(([mode, all]) => [mode, { get: combined(all.map((r) => r.get)), put: combined(all.map((r) => r.put)) }]),
  )
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
