/**
 * The `quorumlab` CLI: one program, one subcommand per job. Each subcommand is also an
 * npm script (`npm run store -- --help`).
 */
import { Command } from 'commander'
import { clusterCommand } from './cluster-command.ts'
import { composeCommand } from './compose-command.ts'
import { matrixCommand } from './matrix-command.ts'
import { netCommand } from './net-command.ts'
import { runProgram } from './command.ts'
import { predictCommand } from './predict-command.ts'
import { reportCommand } from './report-command.ts'
import { serveCommand } from './serve-command.ts'
import { storeCommand } from './store-command.ts'
import { toxiproxyCommand } from './toxiproxy-command.ts'
import { workloadCommand } from './workload-command.ts'

const program = new Command('quorumlab')
  .description('Jepsen-style tests and benchmarks of weakly consistent key-value stores')
  .exitOverride()
  .addCommand(storeCommand())
  .addCommand(clusterCommand())
  .addCommand(toxiproxyCommand())
  .addCommand(workloadCommand())
  .addCommand(matrixCommand())
  .addCommand(composeCommand())
  .addCommand(reportCommand())
  .addCommand(serveCommand())
  .addCommand(predictCommand())
  .addCommand(netCommand())

await runProgram(program, process.argv)
