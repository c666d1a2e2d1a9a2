/**
 * Sibling growth benchmark: 10 concurrent blind writers put 1 KiB values to one key of a
 * 3-node cluster (dvv), as in the finding that made writes slow down without bound.
 * With the default sibling limit, PUT latency (answers 200 or 409) stays flat; with the
 * limit out of the way it grows with the siblings. Both in the same run.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { median, type Benchmark, type BenchRow } from '../harness/bench/benchmark.ts'
import { LocalCluster } from '../harness/stores/quorumlab/index.ts'
import { freePorts } from '../harness/cluster/ports.ts'
import { TEST_SETTINGS } from '../harness/cluster/testing.ts'
import { NODE_DEFAULTS } from './config.ts'

const WRITERS = 10
const VALUE = 'x'.repeat(1024)

type Window = { p50: number; statuses: Record<number, number> }

/** PUT latencies in windows of `window` writes, `writes` in all, through the nodes in turn. */
async function blindWrites(urls: string[], writes: number, window: number): Promise<Window[]> {
  const latencies: { at: number; ms: number; status: number }[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      for (let i = next++; i < writes; i = next++) {
        const started = performance.now()
        const response = await fetch(`${urls[i % urls.length]}/kv/crowded`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ value: `${i}-${VALUE}` }),
        })
        await response.arrayBuffer()
        latencies.push({ at: i, ms: performance.now() - started, status: response.status })
      }
    }),
  )
  const windows: Window[] = []
  for (let start = 0; start < writes; start += window) {
    const inWindow = latencies.filter((l) => l.at >= start && l.at < start + window)
    const statuses: Record<number, number> = {}
    for (const l of inWindow) statuses[l.status] = (statuses[l.status] ?? 0) + 1
    windows.push({ p50: median(inWindow.map((l) => l.ms)), statuses })
  }
  return windows
}

export const benchmark: Benchmark = {
  name: 'siblings',
  description: `${WRITERS} blind writers, 1 KiB values, one key (3 nodes, dvv): PUT p50 per window, with and without the sibling limit`,
  async run({ quick, log }) {
    // Quick: two windows; the no-limit run costs about the square of the writes.
    const writes = quick ? 400 : 2000
    const window = quick ? 200 : 500
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-bench-siblings-'))
    const rows: BenchRow[] = []
    try {
      for (const [subject, maxSiblings] of [
        [`limit ${NODE_DEFAULTS.maxSiblings}`, NODE_DEFAULTS.maxSiblings],
        ['no limit', 1_000_000],
      ] as const) {
        const settings = { ...TEST_SETTINGS, replicaTimeoutMs: 10_000, maxSiblings, maxObjectBytes: 1024 * 1024 * 1024 }
        const cluster = await LocalCluster.start({ nodes: 3, ports: await freePorts(3), dataDir: join(dir, String(maxSiblings)), settings })
        try {
          const windows = await blindWrites(
            cluster.nodes.map((n) => n.url),
            writes,
            window,
          )
          windows.forEach((w, i) => {
            log(
              `${subject}, writes ${i * window}-${(i + 1) * window - 1}: PUT p50 ${w.p50.toFixed(1)} ms, answers ${JSON.stringify(w.statuses)}`,
            )
          })
          const first = windows[0].p50
          const last = windows.at(-1)!.p50
          rows.push({ benchmark: 'siblings', subject: `${subject}, first ${window} writes`, metric: 'PUT p50', value: first, unit: 'ms' })
          rows.push({
            benchmark: 'siblings',
            subject: `${subject}, last ${window} writes`,
            metric: 'PUT p50',
            value: last,
            unit: 'ms',
            baseline: `${subject}, first ${window} writes`,
            ratio: last / first,
            ...(maxSiblings === NODE_DEFAULTS.maxSiblings
              ? { target: { text: 'p50 does not grow (< 3x the first window)', met: last < 3 * first } }
              : {}),
          })
        } finally {
          await cluster.stop()
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    return rows
  },
}
