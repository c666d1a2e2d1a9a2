/**
 * The flags of a run, shared by `quorumlab workload` and `quorumlab matrix`: load,
 * clients, nemesis parameters, the store's settings; and how Ctrl-C stops a run.
 */
import { Option, type Command } from 'commander'
import { ARRIVALS, type Arrival } from '../generator/arrivals.ts'
import { ROUTINGS, type Routing } from '../generator/op-generator.ts'
import {
  NEMESIS_NAMES,
  NEMESIS_SCHEDULES,
  NETWORK_KINDS,
  type NemesisName,
  type NemesisScheduleMode,
  type NetworkKind,
} from '../../common/contracts/history.ts'
import { ALL_NODES, PARTITION_KINDS, refusedByNetwork, type PartitionKind } from '../nemesis/index.ts'
import { lazyFsSupport } from '../nemesis/power/index.ts'
import { netnsCapabilities, netnsSupport } from '../network/index.ts'
import type { StoreAdapter } from '../adapter/index.ts'
import { RUN_DEFAULTS, type RunOptions } from '../run/run-options.ts'
import { WORKLOAD_KINDS, type WorkloadKind } from '../../common/contracts/history.ts'
import { loadWorkload } from '../../workloads/load.ts'
import { randomSeed } from '../../common/helpers/random.ts'
import { WorkloadError, workloadProblems, type WorkloadSpec, type WriteStyle } from '../../workloads/workload.ts'
import { CHECK_NAMES } from '../../reports/index.ts'
import { EXIT } from '../../common/contracts/exit-codes.ts'
import { choiceOption, durationOption, durationRange, integerOption, listOption, numberOption, UsageError } from './command.ts'
import { addStoreOptions } from './store-options.ts'

export type RunFlags = Record<string, unknown> & {
  kind?: WorkloadKind
  keys?: number
  readFraction?: number
  casFraction?: number
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
  nemesisSchedule: NemesisScheduleMode
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
  failOn?: string[]
}

/** `none`, or a comma list of nemeses (`latency,crash`), run in turn or together as `--nemesis-schedule` says. */
export function parseNemeses(raw: string, flag = '--nemesis'): NemesisName[] {
  if (raw === 'none' || raw === '') return []
  const names = raw.split(/[,+]/).map((s) => s.trim())
  if (names.includes('none')) {
    throw new UsageError(`${flag}: "none" means no faults and cannot be combined with ${names.filter((n) => n !== 'none').join(', ')}`)
  }
  for (const name of names) {
    if (!(NEMESIS_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(`${flag}: unknown nemesis "${name}"; expected none or a list of ${NEMESIS_NAMES.join(', ')}`)
    }
  }
  return [...new Set(names)] as NemesisName[]
}

/** The power nemesis mounts a lazyfs disk under each node the harness starts itself, on the proxy network. */
function checkPower(network: NetworkKind, clusterFile?: string): void {
  if (clusterFile)
    throw new UsageError(`--nemesis power puts the nodes the harness starts on lazyfs disks: it cannot be used with --cluster`)
  if (network !== 'proxy')
    throw new UsageError(`--nemesis power runs on --network proxy only (lazyfs disks are not mounted inside the nodes' namespaces)`)
  const support = lazyFsSupport()
  if (!support.ok) throw new UsageError(`--nemesis power needs lazyfs (a FUSE filesystem), which cannot run here: ${support.reason}`)
}

/**
 * Refuses, before anything starts, a network this machine cannot run (`netns` off Linux,
 * without root or without iptables), one an external cluster (`--cluster`) cannot use,
 * nemeses the network cannot serve (latency under netns without netem), and the power
 * nemesis where lazyfs cannot run.
 */
export async function checkNetwork(network: NetworkKind, nemeses: readonly NemesisName[], clusterFile?: string): Promise<void> {
  if (nemeses.includes('power')) checkPower(network, clusterFile)
  if (network === 'proxy') return
  if (clusterFile) throw new UsageError(`--network ${network} starts its own nodes: it cannot be used with --cluster ${clusterFile}`)
  const support = netnsSupport()
  if (!support.ok) throw new UsageError(support.reason)
  const refused = refusedByNetwork(await netnsCapabilities(), nemeses)
  if (refused.length > 0) throw new UsageError(`--network ${network} cannot run every nemesis asked for: ${refused.join('; ')}`)
}

/** The headings `workload --help` (and `matrix --help`) sorts its flags under, in order. */
export const RUN_GROUPS = {
  workload: 'Workload:',
  cluster: 'Cluster:',
  load: 'Load and clients:',
  nemesis: 'Nemesis:',
  store: 'Store settings (the local nodes):',
  output: 'Output and verdict:',
} as const

const option = (group: string, flags: string, description: string, parse?: (raw: string) => unknown, value?: unknown): Option => {
  const made = new Option(flags, description).helpGroup(group)
  if (parse) made.argParser(parse)
  if (value !== undefined) made.default(value)
  return made
}

function workloadFlags(): Option[] {
  const g = RUN_GROUPS.workload
  return [
    option(g, '--kind <kind>', `override the workload kind: ${WORKLOAD_KINDS.join(' | ')}`, choiceOption(WORKLOAD_KINDS)),
    option(g, '--keys <count>', 'override the number of keys, 1..10000000', integerOption(1, 10_000_000)),
    option(g, '--read-fraction <0..1>', 'override the fraction of reads, 0..1', numberOption(0, 1)),
    option(g, '--cas-fraction <0..1>', 'fraction of compare-and-set ops, 0..1 (register kind; stores with cas: etcd)', numberOption(0, 1)),
    option(g, '--value-bytes <bytes>', 'override the register value size, 1..1048576 bytes', integerOption(1, 1024 * 1024)),
    option(g, '--write-style <style>', 'override: read-modify-write | blind', choiceOption(['read-modify-write', 'blind'] as const)),
  ]
}

function loadFlags(): Option[] {
  const d = RUN_DEFAULTS
  const g = RUN_GROUPS.load
  return [
    option(g, '--time <s>', 'measured run length, 1..86400 s (or 90s, 5m)', durationOption('s', 1, 86_400), d.timeS),
    option(g, '--warmup <s>', 'warm-up before the measured run (no faults), 0..3600 s', durationOption('s', 0, 3600), d.warmupS),
    option(
      g,
      '--rate <ops/s>',
      'offered load over all clients (open loop), 0..1000000; 0 = closed loop',
      integerOption(0, 1_000_000),
      d.rate,
    ),
    option(g, '--arrival <kind>', `open-loop inter-arrival times: ${ARRIVALS.join(' | ')}`, choiceOption(ARRIVALS), d.arrival),
    option(g, '--concurrency <clients>', 'logical clients (sessions), 1..10000', integerOption(1, 10_000), d.concurrency),
    option(
      g,
      '--seed <n>',
      'seed of ops, keys, values, arrivals and nemesis targets, 0..2147483647 (default: random, printed)',
      integerOption(0, 2 ** 31 - 1),
    ),
    option(
      g,
      '--routing <how>',
      `where a client sends an op: ${ROUTINGS.join(' | ')} (coordinator: the key's first home replica, from a client-side ring; sticky: each session on one node, always with --consistency causal or sequential)`,
      choiceOption(ROUTINGS),
      d.routing,
    ),
    option(
      g,
      '--request-timeout <ms>',
      `client deadline per request, ${durationRange('ms', MIN_REQUEST_TIMEOUT_MS, 600_000)} (or 5s)`,
      durationOption('ms', MIN_REQUEST_TIMEOUT_MS, 600_000),
      d.requestTimeoutMs,
    ),
  ]
}

function nemesisFlags(): Option[] {
  const d = RUN_DEFAULTS
  const g = RUN_GROUPS.nemesis
  return [
    option(
      g,
      '--nemesis-interval <s>',
      'faults on this long, then off as long, 1..3600 s',
      durationOption('s', 1, 3600),
      d.nemesisIntervalS,
    ),
    option(
      g,
      '--nemesis-schedule <mode>',
      'with several nemeses: rotate (one per fault window, in the order given) | together (all in every window)',
      choiceOption(NEMESIS_SCHEDULES),
      d.nemesisSchedule,
    ),
    option(
      g,
      '--latency <ms>',
      'latency nemesis: delay added to each node-to-node response, 0..60000 ms',
      durationOption('ms', 0, 60_000),
      d.nemesis.latencyMs,
    ),
    option(g, '--jitter <ms>', 'latency nemesis: ± variation, 0..60000 ms', durationOption('ms', 0, 60_000), d.nemesis.jitterMs),
    option(g, '--latency-clients', 'latency nemesis: delay client links too', undefined, false),
    option(
      g,
      '--drop <p>',
      'drop nemesis: probability a node-to-node message is lost, 0..1',
      numberOption(0, 1),
      d.nemesis.dropProbability,
    ),
    option(
      g,
      '--partition <kind>',
      `partition nemesis: random | ${PARTITION_KINDS.join(' | ')}`,
      choiceOption(['random', ...PARTITION_KINDS] as const),
      d.nemesis.partition,
    ),
    option(
      g,
      '--clock-skew <ms>',
      "clock nemesis: how far a node's wall clock moves, 0..86400000 ms",
      durationOption('ms', 0, 86_400_000),
      d.nemesis.clockSkewMs,
    ),
    option(
      g,
      '--targets <count>',
      'crash, power, pause and clock nemeses: nodes hit at once, 1..the number of nodes, or all',
      (raw: string) => (raw === 'all' ? ALL_NODES : integerOption(1, 64)(raw)),
      d.nemesis.targets,
    ),
    option(
      g,
      '--forge',
      'security test: a client also sends writes with forged, replayed and oversized contexts; any the store accepts fails the run',
      undefined,
      false,
    ),
  ]
}

function outputFlags(): Option[] {
  const d = RUN_DEFAULTS
  const g = RUN_GROUPS.output
  return [
    option(g, '--out <dir>', 'folder for run folders', undefined, d.out),
    new Option('--no-progress', 'no live progress line').helpGroup(g),
    option(
      g,
      '--fail-on <checks>',
      `also fail (exit 1) when one of these checks finds a violation, though the configuration does not promise it: a comma list of ${CHECK_NAMES.join(', ')}`,
      listOption(choiceOption(CHECK_NAMES)),
    ),
  ]
}

/** Client deadlines below this are refused: `--request-timeout 5` is far more likely meant as seconds than as 5 ms. */
const MIN_REQUEST_TIMEOUT_MS = 100

/** A command's own flags of a run, shown first in their {@link RUN_GROUPS} group. */
export type OwnRunFlags = Partial<Record<keyof typeof RUN_GROUPS, Option[]>>

/** Adds every flag of a run, each under its {@link RUN_GROUPS} heading, the command's own (`own`) first in theirs. */
export function addRunFlags(command: Command, own: OwnRunFlags = {}): Command {
  const d = RUN_DEFAULTS
  const cluster = [
    option(RUN_GROUPS.cluster, '--nodes <count>', 'local mode: store nodes to start, 1..32', integerOption(1, 32), d.nodes),
    option(
      RUN_GROUPS.cluster,
      '--network <kind>',
      'local mode: proxy (Toxiproxy links, everywhere) | netns (a network namespace per node, iptables faults; Linux, root)',
      choiceOption(NETWORK_KINDS),
      d.network,
    ),
    option(
      RUN_GROUPS.cluster,
      '--convergence-timeout <s>',
      'how long to wait for replicas to converge after the final heal, 0..3600 s',
      durationOption('s', 0, 3600),
      d.convergenceTimeoutS,
    ),
  ]
  const groups = [
    [...(own.workload ?? []), ...workloadFlags()],
    [...(own.load ?? []), ...loadFlags()],
    [...(own.nemesis ?? []), ...nemesisFlags()],
    [...(own.cluster ?? []), ...cluster],
  ]
  for (const flag of groups.flat()) command.addOption(flag)
  addStoreOptions(command, RUN_GROUPS.store)
  for (const flag of [...(own.output ?? []), ...outputFlags()]) command.addOption(flag)
  return command
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
    casFraction: flags.casFraction,
    valueBytes: flags.valueBytes,
    writeStyle: flags.writeStyle,
  }
  for (const [field, value] of Object.entries(overrides)) if (value !== undefined) Object.assign(workload, { [field]: value })
  // An override can clash with the workload's own fields (a cas fraction beside its reads, on a set).
  const problems = workloadProblems(workload)
  if (problems.length > 0) throw new UsageError(problems.map((p) => `${nameOrFile} with the flags given: ${p}`).join('\n       '))
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
    nemesisSchedule: flags.nemesisSchedule,
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
    failOn: flags.failOn ?? [],
  }
}

/** Signals that stop a run: Ctrl-C, a CI runner's or `kill`'s SIGTERM, a closed terminal's SIGHUP. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/**
 * One Ctrl-C can arrive twice: the terminal sends it to the whole foreground process group
 * (npm and node alike) and `npm run` forwards its own copy to the script. A second signal
 * this soon after the first is that copy, not a user insisting.
 */
const SAME_INTERRUPT_MS = 1000

/**
 * Ctrl-C, SIGTERM or SIGHUP aborts the returned signal once, so the run heals, cleans up,
 * ends its history and writes its report; another one (a second after the first or later)
 * exits at once with 2. Call `release` when done listening.
 */
export function interruptOnSignals(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController()
  let firstAt = 0
  const interrupt = (name: string): void => {
    if (controller.signal.aborted) {
      if (performance.now() - firstAt < SAME_INTERRUPT_MS) return
      process.stderr.write(`\n${name} again: exiting now; nodes stop as the harness goes, the history may lack its end record\n`)
      process.exit(EXIT.unknown)
    }
    firstAt = performance.now()
    // Aborting first clears the progress line, so the notice gets a line of its own.
    controller.abort()
    process.stderr.write(`interrupted (${name}): healing the cluster, stopping every process, writing the report (Ctrl-C again to force)\n`)
  }
  for (const name of STOP_SIGNALS) process.on(name, interrupt)
  return {
    signal: controller.signal,
    release: () => {
      for (const name of STOP_SIGNALS) process.off(name, interrupt)
    },
  }
}
