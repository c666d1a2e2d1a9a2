/**
 * `quorumlab workload`: the product's main command. A complete chaos run on a local
 * cluster (or an external one with --cluster), with a live progress line, ending with
 * the report and where the results are. Its flags and the run they describe
 * ({@link addWorkloadFlags}, {@link prepareWorkloadRun}) are also what every cell of
 * `quorumlab matrix` is made of.
 */
import type { Command } from 'commander'
import { NEMESIS_NAMES } from '../../common/contracts/history.ts'
import { runWorkload } from '../run/run.ts'
import type { ForgeCounts } from '../run/run-context.ts'
import { RUN_DEFAULTS, type RunOptions } from '../run/run-options.ts'
import { reportRun } from '../../reports/index.ts'
import { ClusterConfigError, quorumlabAdapter, readClusterConfig } from '../stores/quorumlab/index.ts'
import { defineCommand, UsageError } from './command.ts'
import { addRunFlags, checkNetwork, interruptOnSignals, parseNemeses, runOptionsFrom, workloadFrom, type RunFlags } from './run-flags.ts'
import { checkedStoreSettings, storeSettings } from './store-options.ts'

export type WorkloadFlags = RunFlags & { workload: string; nemesis: string; cluster?: string }

/** Exit status of a run that could not complete (interrupted, or an error), as `report` says it. */
const RUN_INCOMPLETE = 2

/** Exit status when the store accepted a forged write: a promised guarantee (forged contexts are refused) was violated. */
const FORGE_ACCEPTED = 1

/** The security test's verdict, one line. */
const forgeLine = ({ attempts, refused, accepted, unanswered }: ForgeCounts): string =>
  `forge: ${attempts} writes with forged, replayed or oversized contexts: ${refused} refused, ${accepted} accepted, ${unanswered} unanswered` +
  (accepted > 0 ? ' (VIOLATION: the store took contexts it must refuse; the forge records in the history say which)' : '')

/** Every flag of `quorumlab workload`: the workload, the nemeses, external mode, and the run flags. */
export function addWorkloadFlags(command: Command): Command {
  command
    .option('--workload <name|file>', 'preset (distributed, clustered) or a .json/.ts workload file', 'distributed')
    .option('--nemesis <list>', `none, or a comma list of ${NEMESIS_NAMES.join(', ')}`, RUN_DEFAULTS.nemeses.join(','))
    .option('--cluster <file>', 'external mode: a cluster config file (JSON) instead of local node processes')
  return addRunFlags(command)
}

/**
 * The run that parsed workload flags describe, every value checked together (R and W
 * against N, the nemeses against the cluster file...); a problem is a {@link UsageError}.
 */
export async function prepareWorkloadRun(flags: WorkloadFlags): Promise<RunOptions> {
  const nemeses = parseNemeses(flags.nemesis)
  await checkNetwork(flags.network, nemeses, flags.cluster)
  const workload = await workloadFrom(flags.workload, flags)
  // External mode takes the store's settings from the cluster file.
  const settings = flags.cluster ? storeSettings(flags) : checkedStoreSettings(flags, flags.nodes)
  if (flags.cluster) {
    try {
      const config = await readClusterConfig(flags.cluster)
      const needs = nemeses.filter((n) => n === 'crash' || n === 'pause' || n === 'wipe')
      if (needs.length > 0 && config.control.type === 'none') {
        throw new UsageError(`--nemesis ${needs.join(',')} needs node control, but ${flags.cluster} has control.type "none"`)
      }
    } catch (error) {
      if (error instanceof ClusterConfigError) throw new UsageError(error.message)
      throw error
    }
  }
  const store = quorumlabAdapter({ settings, clusterFile: flags.cluster })
  return runOptionsFrom(flags, { workload, nemeses, store })
}

export function workloadCommand() {
  const command = defineCommand('workload', 'run a workload against a proxied cluster under nemeses and record every operation')
  return addWorkloadFlags(command).action(async (flags: WorkloadFlags) => {
    const options = await prepareWorkloadRun(flags)
    const interrupt = interruptOnSignals()
    const result = await runWorkload(options, { signal: interrupt.signal, log: (line) => process.stderr.write(`${line}\n`) })
    interrupt.release()

    if (result.error) process.stderr.write(`the run stopped on an error: ${result.error}\n`)
    // Even a cut-short run gets its (partial) history analysed.
    const report = await reportRun(result.dir)
    if (result.forge) console.log(forgeLine(result.forge))
    console.log(`results: ${result.dir}  (npm run serve to browse every run)`)
    process.exitCode = !result.completed ? RUN_INCOMPLETE : result.forge && result.forge.accepted > 0 ? FORGE_ACCEPTED : report.exitCode
  })
}
