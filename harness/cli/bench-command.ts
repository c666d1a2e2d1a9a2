/**
 * `quorumlab bench`: every benchmark, each against its baseline measured in the same run.
 * The figures go to runs/bench/ unless `--write` (a full run) replaces the committed
 * BENCHMARKS.md and bench.csv.
 */
import { findBenchmarks, runBenchmarks } from '../bench/run-benchmarks.ts'
import { defineCommand, UsageError } from './command.ts'

type Flags = { quick: boolean; only?: string; write: boolean }

export function benchCommand() {
  return defineCommand('bench', 'run the benchmarks (store, proxy, client, analysis, pbs): each figure against its baseline', [
    ['quorumlab bench --quick', 'every benchmark, short (under a minute; CI runs this); figures in runs/bench/'],
    ['quorumlab bench --only proxy', 'one benchmark; figures in runs/bench/'],
    ['quorumlab bench --write', 'everything, full length, and replace BENCHMARKS.md and bench.csv'],
  ])
    .option('--quick', 'short runs: the whole suite in under a minute', false)
    .option('--only <name>', 'only this benchmark (the names are listed when one is wrong)')
    .option('--write', 'write BENCHMARKS.md and bench.csv at the top of the repository (a full run only)', false)
    .action(async (flags: Flags) => {
      if (flags.write && (flags.quick || flags.only)) {
        throw new UsageError('--write replaces the committed figures: only a full run (no --quick, no --only) may')
      }
      const benchmarks = await findBenchmarks().catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ERR_MODULE_NOT_FOUND') throw error
        // A production install (the Docker image) leaves out the load generators the benchmarks use.
        throw new UsageError(`the benchmarks need the dev dependencies (npm install, without --omit=dev): ${error.message}`)
      })
      const names = benchmarks.map((b) => b.benchmark.name)
      if (flags.only && !names.includes(flags.only)) {
        throw new UsageError(`--only: no benchmark named "${flags.only}"; there are: ${names.join(', ')}`)
      }
      const where = await runBenchmarks({ ...flags, log: (line) => console.log(line) }, benchmarks)
      console.log(`wrote BENCHMARKS.md and bench.csv in ${where}`)
    })
}
