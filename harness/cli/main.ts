/**
 * The `quorumlab` CLI: one program, one subcommand per job. Each subcommand is also an
 * npm script (`npm run store -- --help`).
 */
import { readFileSync } from 'node:fs'
import { Command } from 'commander'
import { benchCommand } from './bench-command.ts'
import { mutantsCommand } from './mutants-command.ts'
import { checkCommand } from './check-command.ts'
import { clusterCommand } from './cluster-command.ts'
import { composeCommand } from './compose-command.ts'
import { matrixCommand } from './matrix-command.ts'
import { netCommand } from './net-command.ts'
import { guardProcess, runProgram } from './command.ts'
import { exitCodesHelp } from '../../common/contracts/exit-codes.ts'
import { predictCommand } from './predict-command.ts'
import { reportCommand } from './report-command.ts'
import { serveCommand } from './serve-command.ts'
import { storeCommand } from './store-command.ts'
import { toxiproxyCommand } from './toxiproxy-command.ts'
import { workloadCommand } from './workload-command.ts'

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

const program = new Command('quorumlab')
  .description('Jepsen-style tests and benchmarks of weakly consistent key-value stores')
  .version(version, '-V, --version', 'print the version')
  .exitOverride()
  .addHelpText('after', exitCodesHelp())
  .addCommand(storeCommand())
  .addCommand(clusterCommand())
  .addCommand(toxiproxyCommand())
  .addCommand(workloadCommand().alias('run'))
  .addCommand(matrixCommand())
  .addCommand(composeCommand())
  .addCommand(reportCommand())
  .addCommand(serveCommand())
  .addCommand(predictCommand())
  .addCommand(netCommand())
  .addCommand(benchCommand())
  .addCommand(checkCommand())
  .addCommand(mutantsCommand())

guardProcess()
await runProgram(program, process.argv)
