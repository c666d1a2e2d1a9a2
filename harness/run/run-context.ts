/**
 * What the stages of a run share (`run.ts`): what was asked, where the history goes,
 * the one clock, the stop signal, the phase ops belong to, the progress line, and what
 * is running (cluster, client, logical clients, nemesis schedule), so each stage is a
 * function of the context rather than a closure over the run's variables.
 */
import { setMaxListeners } from 'node:events'
import { join } from 'node:path'
import { HISTORY_FILE, type HarnessRecord, type OpRecord, type Phase } from '../../common/contracts/history.ts'
import { Random } from '../../common/helpers/random.ts'
import { prepareWorkload, type Workload } from '../../workloads/workload.ts'
import type { Client, Cluster } from '../adapter/index.ts'
import { RunClock } from '../history/clock.ts'
import { HistoryWriter, type UnindexedRecord } from '../history/writer.ts'
import { TableRecorder } from '../../reports/index.ts'
import type { NemesisSchedule } from '../nemesis/index.ts'
import type { ClientProcesses } from './client-processes.ts'
import { HarnessLog } from './harness-log.ts'
import { Progress } from './progress.ts'
import { createRunFolder } from './run-folder.ts'
import type { RunOptions } from './run-options.ts'

/** The harness's own log in a run folder (beside history.jsonl and nodes/). */
export const HARNESS_LOG_FILE = 'harness.log'

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
  /** With `forge`: the forged writes sent, by how the store answered (any `accepted` is a violation). */
  forge?: ForgeCounts
}

export type ForgeCounts = { attempts: number; refused: number; accepted: number; unanswered: number }

export type RunHooks = {
  /** Aborting stops the run early (Ctrl-C); it still heals and cleans up. */
  signal?: AbortSignal
  log?: (line: string) => void
}

export type RunContext = {
  readonly options: RunOptions
  readonly workload: Workload
  readonly log: (line: string) => void
  readonly clock: RunClock
  /** The run's seed; each consumer forks its own stream by name. */
  readonly rng: Random
  readonly history: HistoryWriter
  /** `harness.log` in the run folder: every log line, nemesis event and error, timestamped. */
  readonly harnessLog: HarnessLog
  readonly result: RunResult
  /** Aborted on Ctrl-C (the caller's signal) and on errors: every client and the nemesis schedule stop. */
  readonly signal: AbortSignal
  /** Aborts {@link signal}: what an error does. */
  stop(): void
  /** Takes the run's listeners off the caller's signal: once it is torn down, Ctrl-C is no longer its. */
  detach(): void
  /** True when the caller's signal stopped the run (Ctrl-C), rather than an error. */
  interrupted(): boolean
  /** The phase of an op invoked now: `warmup`, then `fault` or `heal` as the nemesis schedule goes, then `final`. */
  phase: Phase
  readonly ticker: StageTicker
  cluster?: Cluster
  client?: Client
  processes?: ClientProcesses
  schedule?: NemesisSchedule
}

/**
 * Creates the run folder and its history, and the context of a run; `waiters` is how
 * many may wait on the stop signal at once (every client does).
 */
export async function openRun(options: RunOptions, hooks: RunHooks, waiters: number): Promise<RunContext> {
  const stopping = new AbortController()
  // What this run hangs on the caller's signal goes with it: a matrix passes one signal to every run.
  const detached = new AbortController()
  hooks.signal?.addEventListener('abort', () => stopping.abort(), { once: true, signal: detached.signal })
  if (hooks.signal?.aborted) stopping.abort()
  setMaxListeners(waiters, stopping.signal)
  const workload = prepareWorkload(options.workload)
  const folder = await createRunFolder(options.out, workload.name, options.nemeses, new Date(), options.folder)
  const historyPath = join(folder.dir, HISTORY_FILE)
  // The history's op table is built as it is written, so the report need not parse it again.
  const history = new HistoryWriter(historyPath, { observer: new TableRecorder(historyPath) })
  const harnessLog = new HarnessLog(join(folder.dir, HARNESS_LOG_FILE))
  hooks.signal?.addEventListener('abort', () => harnessLog.line('interrupted (Ctrl-C, SIGTERM or SIGHUP): healing and stopping'), {
    once: true,
    signal: detached.signal,
  })
  const counts = { ok: 0, fail: 0, info: 0 }
  const clock = new RunClock()
  const write = hooks.log ?? (() => {})
  const run: RunContext = {
    options,
    workload,
    log: (line) => {
      harnessLog.line(line)
      run.ticker.log(line, write)
    },
    clock,
    rng: new Random(options.seed),
    history,
    harnessLog,
    result: { name: folder.name, dir: folder.dir, history: history.path, completed: false, interrupted: false, counts },
    signal: stopping.signal,
    stop: () => stopping.abort(),
    detach: () => detached.abort(),
    interrupted: () => hooks.signal?.aborted ?? false,
    phase: 'warmup',
    ticker: new StageTicker(new Progress({ enabled: options.progress }), clock, () => ({
      ...counts,
      nemesis: run.schedule?.description ?? 'none',
    })),
  }
  // Ctrl-C or an error clears the bar at once: what is said next must not be drawn over.
  stopping.signal.addEventListener('abort', () => run.ticker.stop(), { once: true })
  return run
}

/** Records a client op and counts its outcome. */
export function recordOp(run: RunContext, op: Omit<OpRecord, 'index'>): void {
  run.result.counts[op.type] += 1
  run.history.append(op)
}

type HarnessEvent = HarnessRecord['f']

/** Records a harness event (the configuration, convergence, the end), complete now. */
export function recordHarnessEvent<F extends HarnessEvent>(
  run: RunContext,
  f: F,
  value: Extract<HarnessRecord, { f: F }>['value'],
  invoke = run.clock.nowUs(),
  phase = run.phase,
): void {
  run.history.append({ process: 'harness', type: 'info', f, value, invoke, complete: run.clock.nowUs(), phase } as UnindexedRecord)
}

/** Moves the progress line to a new stage of `totalS` seconds. */
export function enterStage(run: RunContext, name: string, totalS: number): void {
  run.ticker.enter(name, totalS)
}

type Tally = { ok: number; fail: number; info: number; nemesis: string }

/** The progress line, redrawn four times a second from the current stage and tally. */
class StageTicker {
  #progress: Progress
  #clock: RunClock
  #tally: () => Tally
  #stage = { name: 'warmup', startMs: 0, totalS: 0 }
  #timer: NodeJS.Timeout | undefined
  #stopped = false

  constructor(progress: Progress, clock: RunClock, tally: () => Tally) {
    this.#progress = progress
    this.#clock = clock
    this.#tally = tally
  }

  enter(name: string, totalS: number): void {
    if (this.#stopped) return
    this.#stage = { name, startMs: this.#clock.nowMs(), totalS }
    this.#timer ??= setInterval(() => this.#draw(), 250)
  }

  /** Writes a log line with `write`, above the progress line. */
  log(line: string, write: (line: string) => void): void {
    this.#progress.log(line, write)
  }

  /** Stops the line for good (before the final reads' own log lines, and at the end). */
  stop(): void {
    this.#stopped = true
    clearInterval(this.#timer)
    this.#progress.stop()
  }

  #draw(): void {
    const { name, startMs, totalS } = this.#stage
    this.#progress.update({ stage: name, elapsedS: (this.#clock.nowMs() - startMs) / 1000, totalS, ...this.#tally() })
  }
}
