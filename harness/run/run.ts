/**
 * One run, start to end (DESIGN.md, "A run"), as a list of named stages over one
 * {@link RunContext}: start the cluster and record the configuration, run the clients
 * (a warm-up, then the measured run while the nemesis schedule cycles), heal and wait
 * for the replicas to converge, read every written key through every node, and tear
 * down. The history is streamed to the run folder as it happens. Ctrl-C or any error
 * skips to the tear-down, which heals the cluster, stops every process and the proxy,
 * and leaves the partial history readable.
 */
import { join } from 'node:path'
import type { NemesisName, RunInfo } from '../../common/contracts/history.ts'
import { keyNames } from '../../workloads/placement.ts'
import type { Cluster, StoreAdapter } from '../adapter/index.ts'
import { sleepUntil } from '../history/clock.ts'
import { routingFor } from '../generator/op-generator.ts'
import { createNemesis, NemesisSchedule, refusedByNetwork } from '../nemesis/index.ts'
import { ClientProcesses } from './client-processes.ts'
import { forgeUntil } from './forge-loop.ts'
import { enterStage, openRun, recordHarnessEvent, recordOp, type RunContext, type RunHooks, type RunResult } from './run-context.ts'
import type { RunOptions } from './run-options.ts'
import { collectWars } from './wars-collection.ts'

export type { RunHooks, RunResult } from './run-context.ts'

/** How long a cluster may take to serve once started, ms. */
const READY_TIMEOUT_MS = 30_000
/** How often convergence is polled after the final heal, ms. */
const CONVERGENCE_POLL_MS = 250
/** Final reads in flight at once. */
const FINAL_READ_CONCURRENCY = 16

/**
 * Runs one workload against the store `options.store` and resolves, never rejecting once
 * the run folder exists, with where its history is and how far it got.
 *
 * Times: `options.warmupS` and `options.timeS` are seconds of the run clock;
 * `options.requestTimeoutMs` is each request's deadline in ms; convergence waits up to
 * `options.convergenceTimeoutS` seconds. Analysis is the caller's (`reports/`).
 */
export async function runWorkload(options: RunOptions, hooks: RunHooks = {}): Promise<RunResult> {
  // Every client and final reader waits on the stop signal at once.
  const run = await openRun(options, hooks, options.concurrency + FINAL_READ_CONCURRENCY + 8)
  try {
    await startCluster(run)
    recordConfig(run)
    await openClients(run)
    await warmUp(run)
    await runUnderNemeses(run)
    await healAndConverge(run)
    await readEveryKey(run)
    run.result.completed = !run.signal.aborted
  } catch (error) {
    run.stop()
    run.result.error = (error as Error).message
    run.harnessLog.line(`error: ${(error as Error).stack ?? String(error)}`)
  } finally {
    run.result.interrupted = run.interrupted()
    await tearDown(run)
  }
  return run.result
}

/** Starts (or connects to) the cluster, waits until it serves, and checks it can take the nemeses asked for. */
async function startCluster(run: RunContext): Promise<void> {
  const { options, log } = run
  log(`run ${run.result.name}: seed ${options.seed}; starting the ${options.store.name} cluster on the ${options.network} network`)
  run.cluster = await options.store.startCluster({
    nodes: options.nodes,
    dataDir: join(run.result.dir, 'nodes'),
    nemeses: options.nemeses,
    ...(options.nemeses.length > 1 ? { nemesisSchedule: options.nemesisSchedule } : {}),
    network: options.network,
  })
  await run.cluster.ready(READY_TIMEOUT_MS)
  const unsupported = unsupportedNemeses(options.store, run.cluster, options.nemeses)
  if (unsupported.length > 0) throw new Error(`this cluster cannot run every nemesis asked for: ${unsupported.join('; ')}`)
  const { network, nodes } = run.cluster
  log(`cluster up: ${nodes.map((n) => n.id).join(', ')} over ${network.description}`)
}

/** Each nemesis that needs what this cluster does not have, with what it needs. */
function unsupportedNemeses(store: StoreAdapter, cluster: Cluster, nemeses: readonly NemesisName[]): string[] {
  const network = cluster.network.kind
  const offered = store.capabilities.nemeses[network] ?? []
  const needs: Partial<Record<NemesisName, { has: boolean; what: string }>> = {
    crash: { has: cluster.control.can.kill, what: 'node control that can kill and start nodes' },
    pause: { has: cluster.control.can.pause, what: 'node control that can pause and resume nodes' },
    wipe: { has: cluster.control.wipe !== undefined, what: "node control that can delete a node's data (local nodes, or a wipe command)" },
    clock: { has: cluster.skewClock !== undefined, what: 'a store that can skew a node clock' },
    power: { has: cluster.powerCut !== undefined, what: 'nodes on lazyfs disks (local mode, proxy network)' },
  }
  const byControl = nemeses.flatMap((name) => {
    if (!offered.includes(name)) return [`the ${store.name} store does not take ${name} on the ${network} network`]
    const need = needs[name]
    return need && !need.has ? [`${name} needs ${need.what}`] : []
  })
  return [...byControl, ...refusedByNetwork(cluster.network.can, nemeses)]
}

/** The history's first record: what is being run, against what. */
function recordConfig(run: RunContext): void {
  const { options, workload, cluster } = run
  const { summary, settings, replication } = cluster!.description
  const { name, capabilities } = options.store
  const info: RunInfo = {
    name: run.result.name,
    startedAt: new Date().toISOString(),
    nodes: cluster!.nodes.map((n) => n.id),
    // The reference store's settings stay at the top, where histories have always had them.
    ...replication,
    store: {
      name,
      summary,
      versionMetadata: capabilities.versionMetadata,
      promises: [...capabilities.promises],
      ...(settings ? { settings } : {}),
    },
    workload: {
      name: workload.name,
      kind: workload.kind,
      keys: workload.keys,
      readModifyWrite: workload.writeStyle === 'read-modify-write',
      ...(workload.casFraction > 0 ? { casFraction: workload.casFraction } : {}),
    },
    nemeses: options.nemeses,
    network: options.network,
    timeS: options.timeS,
    rate: options.rate,
    concurrency: options.concurrency,
    seed: options.seed,
    ...(options.failOn && options.failOn.length > 0 ? { failOn: options.failOn } : {}),
  }
  recordHarnessEvent(run, 'run', info)
}

/** Opens the store's client and sets up one logical client (session, op stream, arrival schedule) per process. */
async function openClients(run: RunContext): Promise<void> {
  const { options, workload } = run
  const cluster = run.cluster!
  run.client = await options.store.openClient(cluster, { timeoutMs: options.requestTimeoutMs })
  const ids = cluster.nodes.map((n) => n.id)
  const everywhere = options.store.capabilities.placement === 'everywhere' ? () => ids : undefined
  const preferenceList = cluster.preferenceList ? (key: string) => cluster.preferenceList!(key) : everywhere
  const consistency = cluster.description.replication?.consistency ?? 'eventual'
  const { routing, changed } = routingFor(consistency, options.routing)
  if (changed) run.log(`consistency ${consistency}: each session stays on one node (--routing sticky)`)
  run.processes = new ClientProcesses({
    options: { ...options, routing },
    // Causal contexts are a session's dependencies: a session sends its last one with every op.
    carryContext: consistency === 'causal',
    workload,
    client: run.client,
    clock: run.clock,
    rng: run.rng,
    keys: keyNames(workload.keys, workload.placement, preferenceList),
    nodes: cluster.nodes.map((n) => n.id),
    preferenceList,
    phase: () => run.phase,
    record: (op) => recordOp(run, op),
    signal: run.signal,
  })
}

/** Clients without faults for `warmupS` seconds, so the measured run starts on warm connections and caches. */
async function warmUp(run: RunContext): Promise<void> {
  enterStage(run, 'warmup', run.options.warmupS)
  await run.processes!.runUntil(run.clock.nowMs() + run.options.warmupS * 1000)
}

/**
 * The measured run: clients for `timeS` seconds while the nemesis schedule turns faults
 * on and off. If either side fails, the other is stopped before going on: no client or
 * fault may outlive the heal.
 */
async function runUnderNemeses(run: RunContext): Promise<void> {
  const { options, clock } = run
  run.phase = 'heal'
  enterStage(run, 'run', options.timeS)
  const endMs = clock.nowMs() + options.timeS * 1000
  const schedule = new NemesisSchedule({
    nemeses: options.nemeses.map(createNemesis),
    mode: options.nemesisSchedule,
    context: { cluster: run.cluster!, rng: run.rng.fork('nemesis'), options: options.nemesis, down: new Set() },
    intervalMs: options.nemesisIntervalS * 1000,
    clock,
    record: (event) => {
      run.history.append(event)
      run.harnessLog.line(`nemesis ${event.nemesis} ${event.f} ${JSON.stringify(event.value)}`)
    },
    onPhase: (phase) => {
      run.phase = phase
    },
  })
  run.schedule = schedule
  const stopOnError = (error: unknown): never => {
    run.stop()
    throw error
  }
  const outcomes = await Promise.allSettled([
    run.processes!.runUntil(endMs).catch(stopOnError),
    schedule.run(endMs, run.signal).catch(stopOnError),
    forge(run, endMs).catch(stopOnError),
  ])
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason
}

/** With `forge`, the forging client runs beside the clients until `endMs`; its counts go into the result. */
async function forge(run: RunContext, endMs: number): Promise<void> {
  if (!run.options.forge) return
  const { options, clock, signal } = run
  const cluster = run.cluster!
  if (!options.store.openForger) throw new Error(`--forge: the ${options.store.name} store has no forging client`)
  const forger = await options.store.openForger(cluster, { timeoutMs: options.requestTimeoutMs })
  try {
    run.result.forge = await forgeUntil(endMs, {
      forger,
      keys: run.processes!.keys,
      nodes: cluster.nodes.map((n) => n.id),
      rng: run.rng.fork('forge'),
      clock,
      signal,
      record: (attempt, invoke) => recordHarnessEvent(run, 'forge', attempt, invoke),
    })
  } finally {
    await forger.close()
  }
}

/**
 * Heals every fault, then (unless interrupted, and if the store can tell) polls until
 * the replicas agree or `convergenceTimeoutS` seconds pass, and records how long it took.
 */
async function healAndConverge(run: RunContext): Promise<void> {
  await run.schedule?.healAll()
  run.phase = 'heal'
  const cluster = run.cluster!
  if (run.signal.aborted || !cluster.converged) return
  const { clock, options } = run
  enterStage(run, 'converging', options.convergenceTimeoutS)
  const healedAt = clock.nowMs()
  const invoke = clock.nowUs()
  let isConverged = false
  while (!run.signal.aborted && clock.nowMs() - healedAt < options.convergenceTimeoutS * 1000) {
    isConverged = await cluster.converged()
    if (isConverged) break
    await sleepUntil(clock.nowMs() + CONVERGENCE_POLL_MS, clock, run.signal)
  }
  run.result.convergence = { converged: isConverged, ms: Math.round(clock.nowMs() - healedAt) }
  recordHarnessEvent(run, 'converged', run.result.convergence, invoke)
  run.log(
    isConverged
      ? `replicas converged ${run.result.convergence.ms} ms after the heal`
      : `replicas did not converge within ${options.convergenceTimeoutS} s`,
  )
}

/**
 * The final phase: every key written, read through every node, then (when the store can)
 * each home replica's own copy of it, so the final checks judge replicas one by one.
 */
async function readEveryKey(run: RunContext): Promise<void> {
  await readThroughEveryNode(run)
  await readEveryReplica(run)
}

/** Runs `read` over `items`, {@link FINAL_READ_CONCURRENCY} at a time, until done or stopped. */
async function inParallel<T>(run: RunContext, items: T[], read: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: FINAL_READ_CONCURRENCY }, async () => {
      while (!run.signal.aborted && next < items.length) await read(items[next++])
    }),
  )
}

/** Every written key through every node. */
async function readThroughEveryNode(run: RunContext): Promise<void> {
  if (run.signal.aborted) return
  run.phase = 'final'
  run.ticker.stop()
  const nodes = run.cluster!.nodes.map((n) => n.id)
  const keys = run.processes!.writtenKeys()
  run.log(`final reads: ${keys.length} keys through ${nodes.length} nodes`)
  const reads = keys.flatMap((key) => nodes.map((node) => ({ key, node })))
  const reader = run.processes!.finalReader()
  await inParallel(run, reads, ({ key, node }) => reader.read(key, node, run.clock.nowUs(), 'final').then(() => undefined))
}

/** Every written key on each of its home replicas, by the replica's own copy (`replica: true` records). */
async function readEveryReplica(run: RunContext): Promise<void> {
  const cluster = run.cluster!
  if (run.signal.aborted || !cluster.replicaRead) return
  const all = cluster.nodes.map((n) => n.id)
  const homes = (key: string): readonly string[] =>
    cluster.preferenceList?.(key).slice(0, cluster.description.replication?.n ?? all.length) ?? all
  const reads = run.processes!.writtenKeys().flatMap((key) => homes(key).map((node) => ({ key, node })))
  run.log(`replica reads: ${reads.length} copies of ${run.processes!.writtenKeys().length} keys`)
  // A process number of its own: no session's guarantees apply to the harness's reads.
  const process = run.options.concurrency + 1
  await inParallel(run, reads, async ({ key, node }) => {
    const invoke = run.clock.nowUs()
    const outcome = await cluster.replicaRead!(node, key)
    const times = { intended: invoke, invoke, complete: run.clock.nowUs() }
    const common = { process, f: 'get' as const, key, node, replica: true as const, phase: 'final' as const, ...times }
    if (outcome.type !== 'ok') {
      recordOp(run, { ...common, type: outcome.type, value: null, context: null, error: outcome.error })
      return
    }
    const { context = null, versions, coordinator } = outcome.version ?? {}
    recordOp(run, { ...common, type: 'ok', value: outcome.values ?? [], coordinator, context, versions, error: null })
  })
}

/** Heals whatever is still broken, closes the client, tears the cluster down and ends the history; never throws. */
async function tearDown(run: RunContext): Promise<void> {
  run.ticker.stop()
  // The end record keeps the phase the run stopped in, not the heal that follows.
  const lastPhase = run.phase
  await run.schedule?.healAll().catch(() => undefined)
  await run.client?.close().catch(() => undefined)
  if (run.cluster)
    await collectWars(run.cluster, run.clock, run.result.dir).catch((error: Error) => run.log(`WARS latencies: ${error.message}`))
  await run.cluster?.teardown().catch((error: Error) => run.log(`stopping the cluster: ${error.message}`))
  const { completed, interrupted, error } = run.result
  recordHarnessEvent(run, 'end', { completed, interrupted, ...(error ? { reason: error } : {}) }, undefined, lastPhase)
  run.harnessLog.line(
    `end: ${completed ? 'completed' : interrupted ? 'interrupted' : 'stopped'}${error ? ` (${error})` : ''}; ${run.history.count} history records`,
  )
  try {
    await run.harnessLog.close()
    await run.history.close()
  } finally {
    run.detach()
  }
}
