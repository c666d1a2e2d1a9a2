/**
 * `quorumlab workload`: the product's main command. A complete chaos run on a local
 * cluster (or an external one with --cluster), with a live progress line, ending with
 * the report and where the results are.
 */
import type { Command } from 'commander'
import { NEMESIS_NAMES } from '../../common/contracts/history.ts'
import { runWorkload } from '../run/run.ts'
import { RUN_DEFAULTS } from '../run/run-options.ts'
import { reportRun } from '../../reports/index.ts'
import { defineCommand } from './command.ts'
import { addRunFlags, interruptOnSignals, parseNemeses, runOptionsFrom, workloadFrom, type RunFlags } from './run-flags.ts'
import { addStoreChoiceFlags, storeAdapterFrom, type StoreFlags } from './store-choice.ts'

type Flags = RunFlags & StoreFlags & { workload: string; nemesis: string }

/** Exit status of a run that could not complete (interrupted, or an error), as `report` says it. */
const RUN_INCOMPLETE = 2

export function workloadCommand() {
  const command = defineCommand('workload', 'run a workload against a proxied cluster under nemeses and record every operation')
    .option('--workload <name|file>', 'preset (distributed, clustered) or a .json/.ts workload file', 'distributed')
    .option('--nemesis <list>', `none, or a comma list of ${NEMESIS_NAMES.join(', ')}`, RUN_DEFAULTS.nemeses.join(','))
    .option('--cluster <file>', 'quorumlab: an external cluster config file (JSON) instead of local node processes')
  addStoreChoiceFlags(command)
  return addRunFlags(command).action(async (flags: Flags, parsed: Command) => {
    const nemeses = parseNemeses(flags.nemesis)
    const workload = await workloadFrom(flags.workload, flags)
    const store = await storeAdapterFrom(flags, parsed, { nodes: flags.nodes, nemeses, workloads: [workload], routing: flags.routing })
    const options = runOptionsFrom(flags, { workload, nemeses, store })
    const interrupt = interruptOnSignals()
    const result = await runWorkload(options, { signal: interrupt.signal, log: (line) => process.stderr.write(`${line}\n`) })
    interrupt.release()

    if (result.error) process.stderr.write(`the run stopped on an error: ${result.error}\n`)
    // Even a cut-short run gets its (partial) history analysed.
    const report = await reportRun(result.dir)
    console.log(`results: ${result.dir}  (npm run serve to browse every run)`)
    process.exitCode = result.completed ? report.exitCode : RUN_INCOMPLETE
  })
}
