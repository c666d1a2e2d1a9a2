/**
 * `quorumlab predict`: the PBS (WARS) prediction of how fresh reads are for N, R, W and
 * the four legs' latency distributions, as a table or (`--json`) as data.
 */
import { InvalidArgumentError } from 'commander'
import { randomSeed } from '../../common/helpers/random.ts'
import {
  type Distribution,
  DistributionSyntaxError,
  describe,
  meanMs,
  type Prediction,
  type Probability,
  parseDistribution,
  predict,
  readSamplesFile,
} from '../../reports/pbs/index.ts'
import { defineCommand, integerOption, listOption, numberOption, UsageError } from './command.ts'

type Flags = {
  n: number
  r: number
  w: number
  write: Distribution
  ack: Distribution
  read: Distribution
  response: Distribution
  t: number[]
  k: number[]
  trials: number
  seed?: number
  json: boolean
}

const SYNTAX =
  'const(c) | uniform(a,b) | exp(λ) (λ per ms, mean 1/λ) | pareto(xm,α) | lognormal(μ,σ) | empirical(FILE) | d1*w1+d2*w2 (weights sum to 1), ms'

/** A distribution flag's value; a syntax error shows the text with a caret under the column. */
function distributionOption(raw: string): Distribution {
  try {
    return parseDistribution(raw, { readSamples: readSamplesFile })
  } catch (error) {
    if (!(error instanceof DistributionSyntaxError)) throw error
    throw new InvalidArgumentError(`${error.message}\n  ${raw}\n  ${' '.repeat(error.column - 1)}^`)
  }
}

export function predictCommand() {
  return defineCommand(
    'predict',
    'predict staleness with PBS (the WARS model): P(a read is consistent) t ms after a write, and within k versions',
  )
    .option('--n <replicas>', 'replicas of a key', integerOption(1, 100), 3)
    .option('--r <replies>', 'replies a read waits for (1 to n)', integerOption(1, 100), 1)
    .option('--w <acks>', 'acknowledgements a write waits for (1 to n)', integerOption(1, 100), 1)
    .requiredOption('--write <distribution>', `W: coordinator → replica, the write: ${SYNTAX}`, distributionOption)
    .requiredOption('--ack <distribution>', "A: replica → coordinator, the write's acknowledgement", distributionOption)
    .requiredOption('--read <distribution>', 'R: coordinator → replica, the read request', distributionOption)
    .requiredOption('--response <distribution>', "S: replica → coordinator, the read's response", distributionOption)
    .option(
      '--t <list>',
      'read start times after the write commits, ms (comma list, >= 0)',
      listOption(numberOption(0)),
      [0, 1, 5, 10, 50, 100],
    )
    .option('--k <list>', 'versions for k-staleness (comma list, 1 to 100)', listOption(integerOption(1, 100)), [1, 2, 3])
    .option(
      '--trials <count>',
      'Monte Carlo trials: 95% intervals at most ±0.98/sqrt(trials) wide',
      integerOption(100, 10_000_000),
      100_000,
    )
    .option('--seed <n>', 'seed of the Monte Carlo draws (default: random, printed)', integerOption(0, 2 ** 31 - 1))
    .option('--json', 'print the prediction as JSON', false)
    .action((flags: Flags) => {
      for (const [name, value] of [
        ['--r', flags.r],
        ['--w', flags.w],
      ] as const) {
        if (value > flags.n) throw new UsageError(`${name} ${value} must be from 1 to --n ${flags.n}`)
      }
      const prediction = predict({
        n: flags.n,
        r: flags.r,
        w: flags.w,
        latencies: { write: flags.write, ack: flags.ack, read: flags.read, response: flags.response },
        tMs: flags.t,
        k: flags.k,
        trials: flags.trials,
        seed: flags.seed ?? randomSeed(),
      })
      process.stdout.write(flags.json ? `${JSON.stringify(prediction, null, 2)}\n` : renderPrediction(prediction, flags))
    })
}

const probability = (p: number) => p.toFixed(5)
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2))

/** "0.93679  [0.93526, 0.93828]" or "1 (exact)". */
function shown(p: Probability): string {
  return p.kind === 'exact' ? `${p.p} (exact)` : `${probability(p.p)}  [${probability(p.low)}, ${probability(p.high)}]`
}

function renderPrediction(p: Prediction, flags: Flags): string {
  const lines = [`PBS prediction (WARS model): N=${p.n} R=${p.r} W=${p.w}, ${p.trials} trials, seed ${p.seed}`]
  for (const leg of ['write', 'ack', 'read', 'response'] as const) {
    const mean = meanMs(flags[leg])
    lines.push(`  ${leg.padEnd(9)} ${describe(flags[leg])}  (mean ${Number.isFinite(mean) ? `${ms(mean)} ms` : 'infinite'})`)
  }
  lines.push('Assumes independent latencies and no failures (so sloppy and strict quorums coincide), no read repair or anti-entropy.')
  if (p.quorumsIntersect) lines.push('R + W > N: every read quorum overlaps the write quorum, so every figure is exactly 1 (not sampled).')
  else lines.push('[low, high]: the 95% interval of a sampled figure (Wilson score for probabilities, order statistics for times).')
  lines.push('', 't-visibility: P(a read starting t ms after the write commits returns it or a newer version)')
  lines.push(`  ${'t (ms)'.padStart(8)}  P(consistent)`)
  for (const row of p.visibility) lines.push(`  ${String(row.tMs).padStart(8)}  ${shown(row.probability)}`)
  for (const v of p.visibleAfter) {
    const share = `${(v.q * 100).toPrecision(3).replace(/\.?0+$/, '')}%`
    lines.push(
      v.kind === 'exact'
        ? `${share} of reads are consistent from t = 0 ms (exact)`
        : `${share} of reads are consistent from t = ${ms(v.tMs)} ms  [${ms(v.lowMs)}, ${ms(v.highMs)}]`,
    )
  }
  if (p.kStaleness.length > 0) {
    lines.push('', 'k-staleness: P(a read returns one of the last k versions)')
    lines.push(
      `  ${'k'.padStart(3)}  ${'closed form'.padEnd(11)}  ${'Monte Carlo, same model'.padEnd(28)}  expanding quorums, t = 0 (lower bound)`,
    )
    for (const row of p.kStaleness) {
      lines.push(
        `  ${String(row.k).padStart(3)}  ${probability(row.closedForm).padEnd(11)}  ${shown(row.nonExpanding).padEnd(28)}  ${shown(row.expanding[0].probability)}`,
      )
    }
    lines.push(
      'The closed form 1 - (C(N-W,R)/C(N,R))^k and its Monte Carlo: non-expanding quorums (a version reaches only the W replicas',
      'that acknowledged it). Expanding (every replica gets each write, as in a Dynamo store): each version drawn as if just committed.',
    )
  }
  return `${lines.join('\n')}\n`
}
