/**
 * `quorumlab workload` (alias `run`): the product's main command. A complete chaos run on
 * a local cluster (or an external one with --cluster), with a live progress line, ending
 * with the report and where the results are. Its flags and the run they describe
 * ({@link addWorkloadFlags}, {@link prepareWorkloadRun}) are also what every cell of
 * `quorumlab matrix` is made of.
 */
import { type Command, Option } from 'commander'
import { EXIT } from '../../common/contracts/exit-codes.ts'
import { NEMESIS_NAMES, type NemesisName } from '../../common/contracts/history.ts'
import { runWorkload } from '../run/run.ts'
import type { ForgeCounts } from '../run/run-context.ts'
import { RUN_DEFAULTS, type RunOptions } from '../run/run-options.ts'
import { RunFolderError } from '../run/run-folder.ts'
import { reportRunAtScale } from '../../reports/index.ts'
import { defineCommand, UsageError, type HelpExamples } from './command.ts'
import {
  addRunFlags,
  checkNetwork,
  interruptOnSignals,
  parseNemeses,
  RUN_GROUPS,
  runOptionsFrom,
  workloadFrom,
  type OwnRunFlags,
  type RunFlags,
} from './run-flags.ts'
import { storeAdapterFrom, storeChoiceOptions, type StoreFlags } from './store-choice.ts'
import { sayConsistencyFixes } from './store-options.ts'

export type WorkloadFlags = RunFlags & StoreFlags & { workload: string; nemesis: string }

const EXAMPLES: HelpExamples = [
  ['quorumlab workload', 'the distributed workload for 30 s on 3 local nodes: a crash, then a partition'],
  [
    'quorumlab workload --workload clustered --nemesis latency,crash --nemesis-schedule together --time 2m',
    'hot keys, two nemeses together, 2 minutes',
  ],
  ['quorumlab workload --versioning lww --nemesis clock --fail-on no-lost-writes', 'fail the run on the writes lww drops'],
  ['quorumlab workload --workload ./my-workload.ts --request-timeout 2s --seed 42', 'a workload file, a 2 s deadline, a fixed seed'],
  ['quorumlab workload --cluster cluster.json --nemesis pause', 'external mode: nodes somebody else started'],
]

/** The security test's verdict, one line. */
const forgeLine = ({ attempts, refused, accepted, unanswered }: ForgeCounts): string =>
  `forge: ${attempts} writes with forged, replayed or oversized contexts: ${refused} refused, ${accepted} accepted, ${unanswered} unanswered` +
  (accepted > 0 ? ' (VIOLATION: the store took contexts it must refuse; the forge records in the history say which)' : '')

/** Every flag of `quorumlab workload`, in its help groups: the workload, the nemeses, external mode, and the run flags. */
export function addWorkloadFlags(command: Command, own: OwnRunFlags = {}): Command {
  const workloadOwn: OwnRunFlags = {
    ...own,
    workload: [
      new Option('--workload <name|file>', 'preset (distributed, clustered) or a workload file: .json, .ts, .mts, .js or .mjs')
        .default('distributed')
        .helpGroup(RUN_GROUPS.workload),
      ...(own.workload ?? []),
    ],
    nemesis: [
      new Option('--nemesis <list>', `none, or a comma list of ${NEMESIS_NAMES.join(', ')} (see --nemesis-schedule)`)
        .default(RUN_DEFAULTS.nemeses.join(','))
        .helpGroup(RUN_GROUPS.nemesis),
      ...(own.nemesis ?? []),
    ],
    cluster: [
      ...storeChoiceOptions(RUN_GROUPS.cluster),
      new Option('--cluster <file>', 'quorumlab: external mode, a cluster config file (JSON) instead of local node processes').helpGroup(
        RUN_GROUPS.cluster,
      ),
      ...(own.cluster ?? []),
    ],
  }
  return addRunFlags(command, workloadOwn)
}

/**
 * The run that parsed workload flags describe, every value checked together (R and W
 * against N, the store against the nemeses, the network and the workload, `--targets`
 * against the nodes...); a problem is a {@link UsageError}. `given(attribute)` says whether
 * the user set a flag rather than leaving its default: a flag of another store than the
 * one chosen is refused only then.
 */
export async function prepareWorkloadRun(flags: WorkloadFlags, given: (attribute: string) => boolean = () => false): Promise<RunOptions> {
  const nemeses = parseNemeses(flags.nemesis)
  await checkNetwork(flags.network, nemeses, flags.cluster)
  const workload = await workloadFrom(flags.workload, flags)
  const plan = { nodes: flags.nodes, nemeses, workloads: [workload], routing: flags.routing, network: flags.network }
  const { store, nodes } = await storeAdapterFrom(flags, given, plan)
  checkTargets(flags.targets, nodes, nemeses)
  if (flags.forge && !store.openForger)
    throw new UsageError(`--forge: the ${store.name} store has no forging client (it needs signed contexts)`)
  return runOptionsFrom(flags, { workload, nemeses, store })
}

export function workloadCommand() {
  const command = defineCommand('workload', 'run a workload against a proxied cluster under nemeses and record every operation', EXAMPLES)
  return addWorkloadFlags(command).action(async (flags: WorkloadFlags, self: Command) => {
    const options = await prepareWorkloadRun(flags, (attribute) => self.getOptionValueSource(attribute) === 'cli')
    // Local reference-store nodes only: a cluster file's nodes were started with their own settings.
    if (flags.store === 'quorumlab' && !flags.cluster) sayConsistencyFixes(flags)
    const interrupt = interruptOnSignals()
    const result = await runWorkload(options, { signal: interrupt.signal, log: (line) => process.stderr.write(`${line}\n`) }).catch(
      (error: unknown) => {
        if (error instanceof RunFolderError) throw new UsageError(`--out ${flags.out}: ${error.message}`)
        throw error
      },
    )
    if (result.error) process.stderr.write(`the run stopped on an error: ${result.error}\n`)
    // Even a cut-short run gets its (partial) history analysed; a Ctrl-C meanwhile forces the exit.
    const report = await reportRunAtScale(result.dir, { failOn: options.failOn })
    interrupt.release()
    if (result.forge) console.log(forgeLine(result.forge))
    console.log(`results: ${result.dir}  (npm run serve to browse every run)`)
    process.exitCode = !result.completed ? EXIT.unknown : result.forge && result.forge.accepted > 0 ? EXIT.invalid : report.exitCode
  })
}

/** `--targets` beyond the cluster would be quietly cut to every node: refuse it instead. */
function checkTargets(targets: number, nodes: number, nemeses: NemesisName[]): void {
  const hit = nemeses.filter((n) => n === 'crash' || n === 'power' || n === 'pause' || n === 'clock')
  if (hit.length > 0 && targets > nodes) {
    throw new UsageError(`--targets ${targets}: the ${hit.join(', ')} nemesis can hit at most the cluster's ${nodes} nodes`)
  }
}
