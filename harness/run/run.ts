/**
 * One run, start to end (DESIGN.md, "A run"): start the cluster and its links, warm up,
 * run the workload for the set time while the nemesis cycles, heal everything, wait for
 * the replicas to converge, read every written key through every node, and leave a
 * history (streamed as it happens) in the run folder. Ctrl-C or any error heals the
 * cluster, stops every process and the proxy, and leaves the partial history readable.
 */
import { setMaxListeners } from 'node:events'
import { join } from 'node:path'
import { converged } from '../cluster/admin.ts'
import type { Cluster } from '../cluster/cluster.ts'
import { startProxiedCluster } from '../cluster/proxied-cluster.ts'
import { ArrivalSchedule } from '../generator/arrivals.ts'
import { OpGenerator } from '../generator/op-generator.ts'
import { RunClock, sleepUntil } from '../history/clock.ts'
import type { OpRecord, Phase, RunInfo } from '../../common/contracts/history.ts'
import { HistoryWriter } from '../history/writer.ts'
import { createNemesis, NemesisSchedule } from '../nemesis/index.ts'
import { Session } from '../client/session.ts'
import type { Client } from '../adapter/index.ts'
import { QuorumlabClient } from '../stores/quorumlab/client.ts'
import { Random } from '../../common/helpers/random.ts'
import { keyNames } from '../../workloads/placement.ts'
import { Ring } from '../../store/ring.ts'
import { prepareWorkload } from '../../workloads/workload.ts'
import { loadExternalCluster } from '../cluster/external-cluster.ts'
import { HISTORY_FILE } from '../../common/contracts/history.ts'
import { createRunFolder } from './run-folder.ts'
import { Progress } from './progress.ts'
import type { RunOptions } from './run-options.ts'

export type RunResult = {
  name: string
  dir: string
  history: string
  /** The run went through every stage. */
  completed: boolean
  interrupted: boolean
  error?: string
  counts: { ok: number; fail: number; info: number }
  convergence?: { converged: boolean; ms: number }
}

export type RunHooks = {
  /** Aborting stops the run early (Ctrl-C); it still heals and cleans up. */
  signal?: AbortSignal
  log?: (line: string) => void
  /** Called once the cluster is up (tests use it to find the processes). */
  onCluster?: (cluster: Cluster) => void
}

const FINAL_READ_CONCURRENCY = 16

export async function runWorkload(options: RunOptions, hooks: RunHooks = {}): Promise<RunResult> {
  // Stops every client and the nemesis schedule: on Ctrl-C (the caller's signal) and on errors.
  const stopping = new AbortController()
  const signal = stopping.signal
  const interrupted = (): boolean => hooks.signal?.aborted ?? false
  hooks.signal?.addEventListener('abort', () => stopping.abort(), { once: true })
  if (hooks.signal?.aborted) stopping.abort()
  // Every client waits on the signal at once.
  setMaxListeners(options.concurrency + FINAL_READ_CONCURRENCY + 8, signal)
  const log = hooks.log ?? (() => {})
  const workload = prepareWorkload(options.workload)
  const folder = await createRunFolder(options.out, workload.name, options.nemeses)
  const history = new HistoryWriter(join(folder.dir, HISTORY_FILE))
  const clock = new RunClock()
  const counts = { ok: 0, fail: 0, info: 0 }
  const result: RunResult = { name: folder.name, dir: folder.dir, history: history.path, completed: false, interrupted: false, counts }
  let phase: Phase = 'warmup'
  const recordOp = (op: Omit<OpRecord, 'index'>): void => {
    counts[op.type] += 1
    history.append(op)
  }

  log(`run ${folder.name}: seed ${options.seed}; starting the cluster`)
  let cluster: Cluster | undefined
  let client: Client | undefined
  let schedule: NemesisSchedule | undefined
  const progress = new Progress({ enabled: options.progress })
  let ticker: NodeJS.Timeout | undefined
  try {
    cluster = options.clusterFile
      ? await loadExternalCluster(options.clusterFile)
      : await startProxiedCluster({
          nodes: options.nodes,
          settings: {
            ...options.settings,
            // Toxicity is rolled per connection: drop needs one connection per message.
            peerConnections: options.nemeses.includes('drop') ? 'per-message' : options.settings.peerConnections,
          },
          dataDir: join(folder.dir, 'nodes'),
        })
    hooks.onCluster?.(cluster)
    const nodes = cluster.nodes.map((n) => n.id)
    const info: RunInfo = {
      name: folder.name,
      startedAt: new Date().toISOString(),
      nodes,
      n: cluster.store.n,
      r: cluster.store.r,
      w: cluster.store.w,
      versioning: cluster.store.versioning,
      strict: cluster.store.strict,
      workload: {
        name: workload.name,
        kind: workload.kind,
        keys: workload.keys,
        readModifyWrite: workload.writeStyle === 'read-modify-write',
      },
      nemeses: options.nemeses,
      timeS: options.timeS,
      rate: options.rate,
      concurrency: options.concurrency,
      seed: options.seed,
    }
    history.append({ process: 'harness', type: 'info', f: 'run', value: info, invoke: clock.nowUs(), complete: clock.nowUs(), phase })
    log(`cluster up: ${nodes.join(', ')} behind the ${cluster.proxy.kind} Toxiproxy at ${cluster.proxy.url}`)

    const rng = new Random(options.seed)
    const ring = new Ring({ nodes, vnodes: cluster.store.vnodes })
    const preferenceList = (key: string): readonly string[] => ring.preferenceList(key)
    const keys = keyNames(workload.keys, workload.placement, preferenceList)
    client = new QuorumlabClient(cluster.nodes, { timeoutMs: options.requestTimeoutMs })
    const processes = Array.from({ length: options.concurrency }, (_, process) => ({
      session: new Session({ process, client: client!, workload, clock, phase: () => phase, record: recordOp }),
      generator: new OpGenerator({
        process,
        rng: rng.fork(`ops/${process}`),
        workload,
        keys,
        nodes,
        routing: options.routing,
        preferenceList,
      }),
      arrivals: new ArrivalSchedule({
        rate: options.rate,
        arrival: options.arrival,
        concurrency: options.concurrency,
        rng: rng.fork(`arrivals/${process}`),
        process,
      }),
    }))
    const written = new Set<string>()

    const runProcesses = async (untilMs: number): Promise<void> => {
      const phaseStartUs = clock.nowUs()
      await Promise.all(
        processes.map(async ({ session, generator, arrivals }) => {
          arrivals.restart()
          while (!signal.aborted) {
            const intended = arrivals.next(phaseStartUs, clock.nowUs())
            if (intended / 1000 >= untilMs) break
            await sleepUntil(intended / 1000, clock, signal)
            if (signal.aborted) break
            const op = generator.next()
            if (op.f === 'put') written.add(op.key)
            await session.run(op, intended)
          }
        }),
      )
    }

    let stage = 'warmup'
    let stageStartMs = clock.nowMs()
    let stageTotalS = options.warmupS
    ticker = setInterval(() => {
      progress.update({
        stage,
        elapsedS: (clock.nowMs() - stageStartMs) / 1000,
        totalS: stageTotalS,
        ...counts,
        nemesis: schedule?.description ?? 'none',
      })
    }, 250)

    await runProcesses(clock.nowMs() + options.warmupS * 1000)

    phase = 'heal'
    stage = 'run'
    stageStartMs = clock.nowMs()
    stageTotalS = options.timeS
    const mainEndMs = clock.nowMs() + options.timeS * 1000
    schedule = new NemesisSchedule({
      nemeses: options.nemeses.map(createNemesis),
      context: { cluster, rng: rng.fork('nemesis'), options: options.nemesis },
      intervalMs: options.nemesisIntervalS * 1000,
      clock,
      record: (event) => history.append(event),
      onPhase: (p) => (phase = p),
    })
    // If either side fails, stop the other before going on: no client or fault may
    // outlive the heal.
    const main = await Promise.allSettled([
      runProcesses(mainEndMs).catch((error: unknown) => {
        stopping.abort()
        throw error
      }),
      schedule.run(mainEndMs, signal).catch((error: unknown) => {
        stopping.abort()
        throw error
      }),
    ])
    for (const outcome of main) if (outcome.status === 'rejected') throw outcome.reason
    await schedule.healAll()
    phase = 'heal'

    if (!signal.aborted) {
      stage = 'converging'
      stageStartMs = clock.nowMs()
      stageTotalS = options.convergenceTimeoutS
      const healedAt = clock.nowMs()
      const invoke = clock.nowUs()
      let isConverged = false
      while (!signal.aborted && clock.nowMs() - healedAt < options.convergenceTimeoutS * 1000) {
        if ((isConverged = await converged(cluster))) break
        await sleepUntil(clock.nowMs() + 250, clock, signal)
      }
      result.convergence = { converged: isConverged, ms: Math.round(clock.nowMs() - healedAt) }
      history.append({
        process: 'harness',
        type: 'info',
        f: 'converged',
        value: result.convergence,
        invoke,
        complete: clock.nowUs(),
        phase,
      })
      log(
        isConverged
          ? `replicas converged ${result.convergence.ms} ms after the heal`
          : `replicas did not converge within ${options.convergenceTimeoutS} s`,
      )
    }

    if (!signal.aborted) {
      phase = 'final'
      clearInterval(ticker)
      progress.stop()
      const reads = [...written].sort().flatMap((key) => nodes.map((node) => ({ key, node })))
      log(`final reads: ${written.size} keys through ${nodes.length} nodes`)
      const reader = new Session({ process: options.concurrency, client, workload, clock, phase: () => 'final', record: recordOp })
      let next = 0
      await Promise.all(
        Array.from({ length: FINAL_READ_CONCURRENCY }, async () => {
          while (!signal.aborted && next < reads.length) {
            const { key, node } = reads[next++]
            await reader.read(key, node, clock.nowUs(), 'final')
          }
        }),
      )
    }
    result.completed = !signal.aborted
    result.interrupted = interrupted()
  } catch (error) {
    stopping.abort()
    result.error = (error as Error).message
    result.interrupted = interrupted()
  } finally {
    clearInterval(ticker)
    progress.stop()
    const lastPhase = phase
    await schedule?.healAll().catch(() => undefined)
    await client?.close()
    await cluster?.stop().catch((error: Error) => log(`stopping the cluster: ${error.message}`))
    history.append({
      process: 'harness',
      type: 'info',
      f: 'end',
      value: { completed: result.completed, interrupted: result.interrupted, ...(result.error ? { reason: result.error } : {}) },
      invoke: clock.nowUs(),
      complete: clock.nowUs(),
      phase: lastPhase,
    })
    await history.close()
  }
  return result
}
