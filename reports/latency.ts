/**
 * Latency percentiles with HdrHistogram (µs resolution, 3 significant digits), from the
 * intended time (the open-loop schedule: includes time queued behind slow ops, so no
 * coordinated omission) and from the invoke time (service time), per op type, outcome and
 * phase, with roll-ups over phases and over everything.
 */
import * as hdr from 'hdr-histogram-js'
import { FUNCTIONS, OUTCOMES, PHASES, type OpTable } from './op-table.ts'
import type { OpFunction, OpOutcome, Phase } from '../common/contracts/history.ts'

export type LatencyFrom = 'intended' | 'invoke'

export type LatencyRow = {
  from: LatencyFrom
  f: OpFunction | 'all'
  outcome: OpOutcome | 'all'
  phase: Phase | 'all'
  count: number
  /** ms */
  meanMs: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  p999Ms: number
  maxMs: number
}

type Histogram = ReturnType<typeof hdr.build>

// The WebAssembly histograms record ~5x faster than the JS ones (2M values: ~50 ms);
// their memory is freed explicitly with destroy().
const newHistogram = (): Histogram =>
  hdr.build({ useWebAssembly: true, bitBucketSize: 32, numberOfSignificantValueDigits: 3, autoResize: true })

/** Every row has ops; rows come grouped by `from`, specific groups first, then roll-ups. */
export async function latencyTable(table: OpTable): Promise<LatencyRow[]> {
  // The synchronous start compiles the module from its bytes: the asynchronous one first asks
  // whether its source is a fetch `Response`, which loads undici (~35 ms and ~3 MiB) for nothing.
  hdr.initWebAssemblySync()
  const made: Histogram[] = []
  try {
    return collect(table, () => {
      const h = newHistogram()
      made.push(h)
      return h
    })
  } finally {
    for (const h of made) h.destroy()
  }
}

function collect(table: OpTable, newHistogram: () => Histogram): LatencyRow[] {
  const groups = FUNCTIONS.length * OUTCOMES.length * PHASES.length
  const fromIntended: (Histogram | undefined)[] = new Array(groups)
  const fromInvoke: (Histogram | undefined)[] = new Array(groups)
  for (let r = 0; r < table.length; r++) {
    const g = (table.f[r] * OUTCOMES.length + table.type[r]) * PHASES.length + table.phase[r]
    fromIntended[g] ??= newHistogram()
    fromInvoke[g] ??= newHistogram()
    fromIntended[g].recordValue(Math.max(1, Math.round(table.complete[r] - table.intended[r])))
    fromInvoke[g].recordValue(Math.max(1, Math.round(table.complete[r] - table.invoke[r])))
  }
  const rows: LatencyRow[] = []
  for (const [from, histograms] of [
    ['intended', fromIntended],
    ['invoke', fromInvoke],
  ] as const) {
    const pick = (f: number | 'all', o: number | 'all', p: number | 'all'): Histogram | undefined => {
      let sum: Histogram | undefined
      for (let fi = 0; fi < FUNCTIONS.length; fi++) {
        if (f !== 'all' && f !== fi) continue
        for (let oi = 0; oi < OUTCOMES.length; oi++) {
          if (o !== 'all' && o !== oi) continue
          for (let pi = 0; pi < PHASES.length; pi++) {
            if (p !== 'all' && p !== pi) continue
            const h = histograms[(fi * OUTCOMES.length + oi) * PHASES.length + pi]
            if (!h) continue
            sum ??= newHistogram()
            sum.add(h)
          }
        }
      }
      return sum
    }
    const push = (f: number | 'all', o: number | 'all', p: number | 'all'): void => {
      const h = pick(f, o, p)
      if (!h || h.totalCount === 0) return
      // A quantile is the top of its HdrHistogram bucket (3 significant digits), which can lie
      // above the largest value recorded: no quantile may exceed the maximum.
      const at = (percentile: number): number => Math.min(h.getValueAtPercentile(percentile), h.maxValue) / 1000
      rows.push({
        from,
        f: f === 'all' ? 'all' : FUNCTIONS[f],
        outcome: o === 'all' ? 'all' : OUTCOMES[o],
        phase: p === 'all' ? 'all' : PHASES[p],
        count: h.totalCount,
        meanMs: h.mean / 1000,
        p50Ms: at(50),
        p90Ms: at(90),
        p99Ms: at(99),
        p999Ms: at(99.9),
        maxMs: h.maxValue / 1000,
      })
    }
    for (let f = 0; f < FUNCTIONS.length; f++)
      for (let o = 0; o < OUTCOMES.length; o++) for (let p = 0; p < PHASES.length; p++) push(f, o, p)
    for (let f = 0; f < FUNCTIONS.length; f++) for (let o = 0; o < OUTCOMES.length; o++) push(f, o, 'all')
    for (let p = 0; p < PHASES.length; p++) push('all', 'all', p)
    push('all', 'all', 'all')
  }
  return rows
}
