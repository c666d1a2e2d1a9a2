/**
 * Client benchmark: the harness's own store client in closed loop against autocannon,
 * same concurrency, same endpoint (the bare Hono baseline, so the server is not the
 * bottleneck), in the same run.
 */
import { median, type Benchmark } from '../../bench/benchmark.ts'
import { loadTest, startBareHono } from '../../bench/load.ts'
import { QuorumlabClient } from './client.ts'

const CONNECTIONS = 16

export const benchmark: Benchmark = {
  name: 'client',
  description: "the harness's store client in closed loop against autocannon, same concurrency and endpoint",
  async run({ quick, log }) {
    const duration = quick ? 2 : 10
    const bare = await startBareHono()
    try {
      const { hostname, port } = new URL(bare.url)
      const client = new QuorumlabClient([{ id: 'n1', host: hostname, port: Number(port) }], { timeoutMs: 5000 })
      const closedLoop = async (): Promise<number> => {
        let done = 0
        let failed = 0
        const end = performance.now() + duration * 1000
        await Promise.all(
          Array.from({ length: CONNECTIONS }, async (_, i) => {
            for (let n = 0; performance.now() < end; n++) {
              const outcome = await client.invoke({ f: 'get', key: `bench-${(i * 7919 + n) % 1000}`, node: 'n1' })
              if (outcome.type === 'ok') done++
              else failed++
            }
          }),
        )
        if (failed > 0) log(`harness client: ${failed} failed requests`)
        return done / duration
      }
      // Alternate the two so neither always gets the warmer or the quieter moment.
      const rounds = quick ? 1 : 3
      const ourRates: number[] = []
      const theirRates: number[] = []
      await closedLoop()
      for (let round = 0; round < rounds; round++) {
        theirRates.push((await loadTest({ url: bare.url, method: 'GET', connections: CONNECTIONS, duration, keys: 1000 })).rps)
        ourRates.push(await closedLoop())
      }
      await client.close()
      const ours = median(ourRates)
      const theirs = { rps: median(theirRates) }
      log(`harness client ${ours.toFixed(0)} req/s, autocannon ${theirs.rps.toFixed(0)} req/s`)
      const ratio = ours / theirs.rps
      return [
        { benchmark: 'client', subject: 'autocannon GET', metric: 'throughput', value: theirs.rps, unit: 'req/s' },
        {
          benchmark: 'client',
          subject: 'harness client GET',
          metric: 'throughput',
          value: ours,
          unit: 'req/s',
          baseline: 'autocannon GET',
          ratio,
          target: { text: ">= 90% of autocannon's req/s", met: ratio >= 0.9 },
        },
      ]
    } finally {
      await bare.stop()
    }
  },
}
