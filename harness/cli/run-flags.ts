/**
 * The flags of a run, shared by `quorumlab workload` and `quorumlab matrix`: load,
 * clients, nemesis parameters, the store's settings; and how Ctrl-C stops a run.
 */
import { Option, type Command } from 'commander'
import { ARRIVALS, type Arrival } from '../generator/arrivals.ts'
import { ROUTINGS, type Routing } from '../generator/op-generator.ts'
import { NEMESIS_NAMES, NETWORK_KINDS, type NemesisName, type NetworkKind } from '../../common/contracts/history.ts'
import { PARTITION_KINDS, refusedByNetwork, type PartitionKind } from '../nemesis/index.ts'
import { netnsCapabilities, netnsSupport } from '../network/index.ts'
import type { StoreAdapter } from '../adapter/index.ts'
import { RUN_DEFAULTS, type RunOptions } from '../run/run-options.ts'
import { WORKLOAD_KINDS, type WorkloadKind } from '../../common/contracts/history.ts'
import { loadWorkload } from '../../workloads/load.ts'
import { randomSeed } from '../../common/helpers/random.ts'
import { WorkloadError, type WorkloadSpec, type WriteStyle } from '../../workloads/workload.ts'
import { choiceOption, integerOption, numberOption, UsageError } from './command.ts'
import { addStoreOptions } from './store-options.ts'

export type RunFlags = Record<string, unknown> & {
  kind?: WorkloadKind
  keys?: number
  readFraction?: number
  valueBytes?: number
  writeStyle?: WriteStyle
  nodes: number
  network: NetworkKind
  time: number
  warmup: number
  rate: number
  arrival: Arrival
  concurrency: number
  seed?: number
  routing: Routing
  nemesisInterval: number
  latency: number
  jitter: number
  latencyClients: boolean
  drop: number
  partition: PartitionKind | 'random'
  clockSkew: number
  targets: number
  requestTimeout: number
  convergenceTimeout: number
  out: string
  progress: boolean
  forge: boolean
}

/** `none`, or a comma list of nemeses to run together (`latency,crash`). */
export function parseNemeses(raw: string, flag = '--nemesis'): NemesisName[] {
  if (raw === 'none' || raw === '') return []
  const names = raw.split(/[,+]/).map((s) => s.trim())
  for (const name of names) {
    if (!(NEMESIS_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(`${flag}: unknown nemesis "${name}"; expected none or a list of ${NEMESIS_NAMES.join(', ')}`)
    }
  }
  return [...new Set(names)] as NemesisName[]
}

/**
 * Refuses, before anything starts, a network this machine cannot run (`netns` off Linux,
 * without root or without iptables), one an external cluster (`--cluster`) cannot use,
 * and nemeses the network cannot serve (latency under netns without netem).
 */
export async function checkNetwork(network: NetworkKind, nemeses: readonly NemesisName[], clusterFile?: string): Promise<void> {
  if (network === 'proxy') return
  if (clusterFile) throw new UsageError(`--network ${network} starts its own nodes: it cannot be used with --cluster ${clusterFile}`)
  const support = netnsSupport()
  if (!support.ok) throw new UsageError(support.reason)
  const refused = refusedByNetwork(await netnsCapabilities(), nemeses)
  if (refused.length > 0) throw new UsageError(`--network ${network} cannot run every nemesis asked for: ${refused.join('; ')}`)
}

export function addRunFlags(command: Command): Command {
  const d = RUN_DEFAULTS
  command
    .option('--kind <kind>', `override the workload kind: ${WORKLOAD_KINDS.join(' | ')}`, choiceOption(WORKLOAD_KINDS))
    .option('--keys <count>', 'override the number of keys', integerOption(1, 10_000_000))
    .option('--read-fraction <0..1>', 'override the fraction of reads', numberOption(0, 1))
    .option('--value-bytes <bytes>', 'override the register value size, bytes', integerOption(1, 1024 * 1024))
    .option('--write-style <style>', 'override: read-modify-write | blind', choiceOption(['read-modify-write', 'blind'] as const))
    .option('--nodes <count>', 'local mode: store nodes to start', integerOption(1, 32), d.nodes)
    .option(
      '--network <kind>',
      'local mode: proxy (Toxiproxy links, everywhere) | netns (a network namespace per node, iptables faults; Linux, root)',
      choiceOption(NETWORK_KINDS),
      d.network,
    )
    .option('--time <s>', 'measured run length, s', integerOption(1, 86_400), d.timeS)
    .option('--warmup <s>', 'warm-up before the measured run (no faults), s', integerOption(0, 3600), d.warmupS)
    .option('--rate <ops/s>', 'offered load, ops/s over all clients (open loop); 0 = closed loop', integerOption(0, 1_000_000), d.rate)
    .option('--arrival <kind>', `open-loop inter-arrival times: ${ARRIVALS.join(' | ')}`, choiceOption(ARRIVALS), d.arrival)
    .option('--concurrency <clients>', 'logical clients (sessions)', integerOption(1, 10_000), d.concurrency)
    .option(
      '--seed <n>',
      'seed for ops, keys, values, arrivals and nemesis targets (default: random, printed)',
      integerOption(0, 2 ** 31 - 1),
    )
    .option('--routing <how>', "random node, or the key's coordinator from a client-side ring", choiceOption(ROUTINGS), d.routing)
    .option('--nemesis-interval <s>', 'faults on this long, then off as long, s', integerOption(1, 3600), d.nemesisIntervalS)
    .option('--latency <ms>', 'latency nemesis: added delay per node-to-node response, ms', integerOption(0, 60_000), d.nemesis.latencyMs)
    .option('--jitter <ms>', 'latency nemesis: ± variation, ms', integerOption(0, 60_000), d.nemesis.jitterMs)
    .option('--latency-clients', 'latency nemesis: delay client links too', false)
    .option('--drop <p>', 'drop nemesis: probability a node-to-node message is lost', numberOption(0, 1), d.nemesis.dropProbability)
    .option(
      '--partition <kind>',
      `partition nemesis: random | ${PARTITION_KINDS.join(' | ')}`,
      choiceOption(['random', ...PARTITION_KINDS] as const),
      d.nemesis.partition,
    )
    .option(
      '--clock-skew <ms>',
      "clock nemesis: how far a node's wall clock moves, ms",
      integerOption(0, 86_400_000),
      d.nemesis.clockSkewMs,
    )
    .option('--targets <count>', 'crash, pause and clock nemeses: nodes hit at once', integerOption(1, 32), d.nemesis.targets)
    .option('--request-timeout <ms>', 'client deadline per request, ms', integerOption(1, 600_000), d.requestTimeoutMs)
    .option(
      '--convergence-timeout <s>',
      'how long to wait for replicas to converge after the final heal, s',
      integerOption(0, 3600),
      d.convergenceTimeoutS,
    )
    .option(
      '--forge',
      'security test: a client also sends writes with forged, replayed and oversized contexts; any the store accepts fails the run',
      false,
    )
    .option('--out <dir>', 'folder for run folders', d.out)
    .addOption(new Option('--no-progress', 'no live progress line'))
  return addStoreOptions(command)
}

/** A workload by preset name or file, with the `--kind`/`--keys`/... overrides applied. */
export async function workloadFrom(nameOrFile: string, flags: RunFlags): Promise<WorkloadSpec> {
  let workload: WorkloadSpec
  try {
    workload = await loadWorkload(nameOrFile)
  } catch (error) {
    if (error instanceof WorkloadError) throw new UsageError(error.problems.join('\n       '))
    throw error
  }
  const overrides = {
    kind: flags.kind,
    keys: flags.keys,
    readFraction: flags.readFraction,
    valueBytes: flags.valueBytes,
    writeStyle: flags.writeStyle,
  }
  for (const [field, value] of Object.entries(overrides)) if (value !== undefined) Object.assign(workload, { [field]: value })
  return workload
}

export type RunChoice = {
  workload: WorkloadSpec
  nemeses: NemesisName[]
  store: StoreAdapter
  out?: string
  seed?: number
}

/** The run these flags describe, for one workload and one set of nemeses. */
export function runOptionsFrom(flags: RunFlags, choice: RunChoice): RunOptions {
  return {
    workload: choice.workload,
    store: choice.store,
    nodes: flags.nodes,
    network: flags.network,
    timeS: flags.time,
    warmupS: flags.warmup,
    rate: flags.rate,
    arrival: flags.arrival,
    concurrency: flags.concurrency,
    seed: choice.seed ?? flags.seed ?? randomSeed(),
    routing: flags.routing,
    nemeses: choice.nemeses,
    nemesisIntervalS: flags.nemesisInterval,
    nemesis: {
      latencyMs: flags.latency,
      jitterMs: flags.jitter,
      latencyClients: flags.latencyClients,
      dropProbability: flags.drop,
      partition: flags.partition,
      clockSkewMs: flags.clockSkew,
      targets: flags.targets,
    },
    requestTimeoutMs: flags.requestTimeout,
    convergenceTimeoutS: flags.convergenceTimeout,
    out: choice.out ?? flags.out,
    progress: flags.progress,
    ...(flags.forge ? { forge: true } : {}),
  }
}

/**
 * Ctrl-C (and SIGTERM) aborts the returned signal once, so the run heals and cleans up;
 * a second one exits at once. Call the returned function when done listening.
 */
export function interruptOnSignals(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController()
  const interrupt = (): void => {
    if (controller.signal.aborted) process.exit(130)
    process.stderr.write('\ninterrupted: healing the cluster and stopping every process (Ctrl-C again to force)\n')
    controller.abort()
  }
  process.on('SIGINT', interrupt)
  process.on('SIGTERM', interrupt)
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', interrupt)
      process.off('SIGTERM', interrupt)
    },
  }
}
