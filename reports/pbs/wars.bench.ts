/**
 * The PBS predictor's speed: t-visibility at 10 t-values from 100k WARS trials (N=3,
 * R=W=1, the paper-style Pareto + exponential mixture on every leg) against the target of
 * well under a second, and k-staleness for k = 1..3. Baseline: only drawing the same
 * latencies (4 legs × N replicas per trial), the floor any simulation of the model pays.
 * Each is the median of 5 runs after a warm-up, in wall and CPU time (CPU time is not
 * inflated by other load on the machine).
 */
import { availableParallelism, loadavg } from 'node:os'
import { median, type Benchmark, type BenchRow } from '../../harness/bench/benchmark.ts'
import { Random } from '../../common/helpers/random.ts'
import { sampler } from './distribution.ts'
import { parseDistribution } from './distribution-parser.ts'
import { simulateKStaleness, simulateVisibility } from './wars.ts'

const MIX = 'pareto(1.5,3)*0.95+exp(0.02)*0.05'
const T_VALUES = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500]
const N = 3
const TARGET_MS = 1000

/** Median wall and CPU ms of `runs` calls, after one warm-up call. */
function measure(fn: () => void, runs = 5): { wallMs: number; cpuMs: number } {
  fn()
  const wall: number[] = []
  const cpu: number[] = []
  for (let i = 0; i < runs; i++) {
    const cpuStart = process.cpuUsage()
    const start = performance.now()
    fn()
    wall.push(performance.now() - start)
    const used = process.cpuUsage(cpuStart)
    cpu.push((used.user + used.system) / 1000)
  }
  return { wallMs: median(wall), cpuMs: median(cpu) }
}

export const benchmark: Benchmark = {
  name: 'pbs',
  description: 'PBS predictor: WARS Monte Carlo, 100k trials',
  async run({ quick, log }) {
    const trials = quick ? 20_000 : 100_000
    const d = parseDistribution(MIX)
    const latencies = { write: d, ack: d, read: d, response: d }
    const options = { n: N, r: 1, w: 1, latencies, trials }
    let seed = 0
    const visibility = measure(() => {
      const v = simulateVisibility({ ...options, seed: seed++ })
      for (const t of T_VALUES) v.probabilityAt(t)
      v.visibleAfter(0.99)
      v.visibleAfter(0.999)
    })
    const kStaleness = measure(() => simulateKStaleness({ ...options, seed: seed++, k: [1, 2, 3] }))
    const draw = sampler(d)
    const random = new Random(1, 'bench')
    let sink = 0
    const drawsOnly = measure(() => {
      for (let i = 0; i < trials * 4 * N; i++) sink += draw(random)
    })
    log(`load average ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores; ${sink > 0 ? 'drew' : 'no'} samples`)
    const subject = `${trials / 1000}k trials, N=3 R=W=1, ${MIX}`
    const row = (what: string, m: { wallMs: number; cpuMs: number }, extra: Partial<BenchRow> = {}): BenchRow[] => [
      { benchmark: 'pbs', subject: `${what}, ${subject}`, metric: 'time', value: m.wallMs, unit: 'ms', ...extra },
      { benchmark: 'pbs', subject: `${what}, ${subject}`, metric: 'CPU time', value: m.cpuMs, unit: 'ms' },
    ]
    const baseline = { baseline: 'latency draws only', ratio: visibility.wallMs / drawsOnly.wallMs }
    return [
      ...row('t-visibility at 10 t + 99%/99.9% times', visibility, {
        ...baseline,
        ...(quick ? {} : { target: { text: `< ${TARGET_MS} ms for 10 t-values, 100k trials`, met: visibility.wallMs < TARGET_MS } }),
      }),
      ...row('k-staleness k=1..3', kStaleness, { baseline: 'latency draws only', ratio: kStaleness.wallMs / drawsOnly.wallMs }),
      ...row('latency draws only (4 legs × N per trial)', drawsOnly),
    ]
  },
}
