/**
 * What a benchmark is: a named async function that measures something and its baseline
 * in the same run, returning rows. `npm run bench` finds every `*.bench.ts` module (each
 * exports `benchmark`) and prints, stores and compares the rows.
 */

export type BenchOptions = {
  /** Short runs (CI): the whole suite in under a minute. */
  quick: boolean
  /** Prints progress lines. */
  log: (line: string) => void
}

/** One measured figure. */
export type BenchRow = {
  /** Which benchmark, e.g. `proxy`. */
  benchmark: string
  /** What was measured, e.g. `embedded proxy` or `direct`. */
  subject: string
  /** e.g. `p50 latency`, `throughput`. */
  metric: string
  /** The figure; over several rounds, their median. */
  value: number
  /** Over several rounds: the lowest and the highest, around the median `value`. */
  range?: Range
  /** e.g. `ms`, `req/s`, `MiB/s`, `s`, `MiB`. */
  unit: string
  /** The subject this row is compared with, when there is one. */
  baseline?: string
  /** value / baseline value. */
  ratio?: number
  /** The target from the issue, in words (e.g. `< 0.3 ms overhead`), and whether it was met. */
  target?: { text: string; met: boolean }
}

export type Benchmark = {
  name: string
  description: string
  run(options: BenchOptions): Promise<BenchRow[]>
}

/** The lowest and the highest of a figure measured in rounds. */
export type Range = { min: number; max: number }

/** The middle value (the upper middle of an even count). */
export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** The median of rounds and their range, as a row shows them. */
export const overRounds = (values: number[]): { value: number; range: Range } => ({
  value: median(values),
  range: { min: Math.min(...values), max: Math.max(...values) },
})
