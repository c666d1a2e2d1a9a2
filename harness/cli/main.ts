/**
 * The `quorumlab` CLI: one program, one subcommand per job. Each subcommand is also an
 * npm script (`npm run store -- --help`).
 */
import { Command } from 'commander'
import { clusterCommand } from './cluster-command.ts'
import { runProgram } from './command.ts'
import { storeCommand } from './store-command.ts'

const program = new Command('quorumlab')
  .description('Jepsen-style tests and benchmarks of weakly consistent key-value stores')
  .exitOverride()
  .addCommand(storeCommand())
  .addCommand(clusterCommand())

await runProgram(program, process.argv)
