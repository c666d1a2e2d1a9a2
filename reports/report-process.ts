/**
 * `reportRun` in a process of its own, for big histories: one started with glibc's mmap
 * threshold fixed, so the analysis' big arrays go back to the system when they are freed,
 * and with a small young generation on its main thread. glibc raises that threshold to the size of each big block freed, after which blocks up
 * to that size come from its heap and stay resident once freed: on a 1M-op history that
 * kept 50–130 MiB of dead arrays in the peak RSS (BENCHMARKS.md). glibc reads the setting
 * only when a process starts, so the analysis gets a process of its own, started with it.
 */
import { spawn } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HISTORY_FILE } from '../common/contracts/history.ts'
import { setsSemiSpaceSize } from '../common/helpers/node-flags.ts'
import { type ReportOptions, type RunReport, reportRun } from './report-run.ts'
import { withoutLoaders } from './task-pool.ts'

const CHILD = fileURLToPath(new URL('./report-child.ts', import.meta.url))

/** Histories from this size up (bytes) are analysed in a process of their own: below it, starting one costs more than the memory it saves. */
export const OWN_PROCESS_BYTES = 64 * 2 ** 20

/** glibc's tunable: blocks of 1 MiB or more are mapped on their own, and unmapped when freed. */
const MMAP_THRESHOLD = 'glibc.malloc.mmap_threshold=1048576'

/** What the analysis process is given: `env` with the mmap threshold added to its glibc tunables, unless it sets one. */
export function analysisEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const tunables = env.GLIBC_TUNABLES ?? ''
  if (tunables.includes('glibc.malloc.mmap_threshold=')) return env
  return { ...env, GLIBC_TUNABLES: tunables === '' ? MMAP_THRESHOLD : `${tunables}:${MMAP_THRESHOLD}` }
}

/** Node's flags that give it code to run (or say how to read it), some with the code in the next argument. */
const RUNNING_CODE = /^(-e|--eval|-p|--print|--input-type|--watch-path)(=|$)|^(-i|--interactive|-c|--check|--test|--watch)$/

/**
 * V8's young generation of the analysis' main thread, MiB per semi-space (Node's default
 * is 16): its garbage between scavenges is part of the peak. At 4, 1M ops peaked 35–60 MiB
 * lower in the same wall time (BENCHMARKS.md); the worker threads have limits of their own.
 */
const SEMI_SPACE = '--max-semi-space-size=4'

/**
 * The analysis process's Node flags: this process's, without loaders (it loads tsx itself)
 * and without the ones that run code (a parent started with `-e` would start itself
 * again), and {@link SEMI_SPACE} unless they set a semi-space size of their own.
 */
export function analysisFlags(flags: readonly string[]): string[] {
  const kept: string[] = []
  const loaded = withoutLoaders(flags)
  for (let i = 0; i < loaded.length; i++) {
    const running = RUNNING_CODE.exec(loaded[i])
    if (!running) kept.push(loaded[i])
    else if (running[2] === '') i++
  }
  return setsSemiSpaceSize(kept) ? kept : [...kept, SEMI_SPACE]
}

/** reportRun's options that can cross to another process (its output goes to the inherited stdout). */
export type ProcessReportOptions = Omit<ReportOptions, 'print'>

/** What the parent asks its analysis process. */
export type ReportRequest = { runDir: string; options: ProcessReportOptions }

/** What the analysis process answers: the report, or the error that ended reportRun. */
export type ReportAnswer = { kind: 'report'; report: RunReport } | { kind: 'error'; message: string }

/**
 * {@link reportRun} in a child process started with {@link analysisEnv}. Its summary goes
 * to this process's stdout and stderr (unless `quiet`). The child ignores Ctrl-C, as
 * reportRun does here (a run interrupted still gets its report), and ends with this
 * process: a second Ctrl-C that ends this one ends the analysis too.
 */
export function reportRunInProcess(runDir: string, options: ProcessReportOptions = {}): Promise<RunReport> {
  const child = spawn(process.execPath, [...analysisFlags(process.execArgv), '--import', import.meta.resolve('tsx'), CHILD], {
    env: analysisEnv(process.env),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  })
  return new Promise<RunReport>((resolve, reject) => {
    let answered = false
    child.once('message', (message: ReportAnswer) => {
      answered = true
      if (message.kind === 'report') resolve(message.report)
      else reject(new Error(`the analysis failed: ${message.message}`))
    })
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      if (!answered) reject(new Error(`the analysis process ended (${signal ?? `exit code ${code}`}) before its report`))
    })
    const request: ReportRequest = { runDir, options }
    child.send(request)
  })
}

/** {@link reportRun}, in a process of its own ({@link reportRunInProcess}) for a history of {@link OWN_PROCESS_BYTES} or more. */
export async function reportRunAtScale(runDir: string, options: ProcessReportOptions = {}): Promise<RunReport> {
  const info = await stat(join(runDir, HISTORY_FILE)).catch(() => undefined)
  return (info?.size ?? 0) >= OWN_PROCESS_BYTES ? reportRunInProcess(runDir, options) : reportRun(runDir, options)
}
