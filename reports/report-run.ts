/**
 * `reportRun`: what the harness calls at the end of every run (and `quorumlab report`
 * on a stored one). Analyses `<runDir>/history.jsonl`, writes every CSV file,
 * `summary.json` and `index.html` next to it, prints the summary, and says which exit
 * code the run deserves.
 */
import { stat, writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import type { ExitCode, JudgedCheck } from '../common/contracts/checker.ts'
import { HISTORY_FILE } from '../common/contracts/history.ts'
import { analyseHistory } from './analysis.ts'
import { WORKER_LIMITS, scanWorkers } from './history-scan.ts'
import { TaskPool } from './task-pool.ts'
import { CSV_FILES, startOpsCsv, startStalenessCsv, writeSummaryCsvFiles } from './csv.ts'
import { resolveExamples, type ResolvedExample } from './examples.ts'
import { modelDetails } from './model-checks.ts'
import { buildChartData } from './html/chart-data.ts'
import { renderReportPage } from './html/report-page.ts'
import { fitRun, type PbsRunSummary, readWarsFile } from './pbs-run.ts'
import { buildSummary, type RunSummary } from './summary.ts'
import { terminalSummary } from './terminal-summary.ts'

export type ReportOptions = {
  /** Print nothing (default false: the summary table goes to `print`). */
  quiet?: boolean
  /** Where the summary goes (default: stdout). */
  print?: (text: string) => void
  /**
   * Worker threads parsing the history; 0 parses in this thread. Default: none for a
   * history under 16 MiB, else the cores, at most 4.
   */
  workers?: number
  /** Checks to fail on though the configuration does not promise them (`--fail-on`), beside those the run record names. */
  failOn?: readonly string[]
}

export type RunReport =
  | {
      kind: 'analysed'
      /**
       * 0: run finished, every promised check valid; 1: a promised check invalid; 2: the run
       * did not complete, or a promised check is unknown.
       */
      exitCode: ExitCode
      runDir: string
      summary: RunSummary
      /** Files written into runDir. */
      files: string[]
    }
  | {
      /** No history to analyse: nothing was written. */
      kind: 'unreadable'
      exitCode: 2
      runDir: string
      reason: string
    }

/**
 * Analyses the run in `runDir` (its `history.jsonl`) and writes its report files there:
 * every CSV file, `summary.json` and `index.html`; prints the terminal summary unless
 * `quiet`. The result carries the run's exit code (0, 1 or 2, see the verdict) and, when
 * analysed, the summary (its `analysisSeconds` in seconds, `timings` in milliseconds).
 * Never throws for a bad or missing history: that is exit code 2 with a reason.
 */
export async function reportRun(runDir: string, options: ReportOptions = {}): Promise<RunReport> {
  const print = options.quiet ? () => undefined : (options.print ?? ((text: string) => process.stdout.write(`${text}\n`)))
  const dir = resolve(runDir)
  const historyPath = join(dir, HISTORY_FILE)
  const info = await stat(historyPath).catch(() => undefined)
  if (!info?.isFile()) {
    const reason = `no history: ${historyPath} does not exist or is not a file`
    print(`quorumlab report: ${reason}\nexit 2: the run could not complete`)
    return { kind: 'unreadable', exitCode: 2, runDir: dir, reason }
  }

  // One pool of threads parses the history, then writes the big CSV files and runs the
  // model checks. A thread is handed up to six tasks, so it goes on to its next while this
  // thread is busy with the checks it runs itself (seconds without a break): a task it has
  // finished keeps its place until this thread takes the reply. With the causal checks alone
  // on one thread, the other holds ops.csv, two key-range tasks and staleness.csv; at three,
  // staleness.csv waited behind finished places for 1.1 s on 1M ops while the thread sat idle.
  const pool = new TaskPool({ size: Math.max(2, scanWorkers(info.size, options.workers)), resourceLimits: WORKER_LIMITS, depth: 6 })
  try {
    return await analyseAndWrite(dir, historyPath, pool, options, print)
  } finally {
    await pool.close()
  }
}

async function analyseAndWrite(
  dir: string,
  historyPath: string,
  pool: TaskPool,
  options: ReportOptions,
  print: (text: string) => void,
): Promise<RunReport> {
  const started = performance.now()
  // ops.csv needs only the op table and staleness.csv only staleness: each is written (by
  // a worker, for big runs) while the remaining checks run.
  const written: Promise<void>[] = []
  const track = (writing: Promise<void>): void => {
    // Reported when awaited below, not as an unhandled rejection meanwhile.
    writing.catch(() => undefined)
    written.push(writing)
  }
  const analysis = await analyseHistory(historyPath, {
    workers: options.workers,
    failOn: options.failOn,
    pool,
    onTable: (table) => track(startOpsCsv(dir, table, pool)),
    onStaleness: (table, ranks, staleness) => track(startStalenessCsv(dir, table, ranks.reads, staleness, pool)),
  })
  const analysisSeconds = (performance.now() - started) / 1000

  await writeSummaryCsvFiles(dir, analysis)
  const all = analysis.verdict.checks.flatMap((c) => c.examples)
  const resolved = await resolveExamples(historyPath, analysis.table, all)
  let next = 0
  const checks: JudgedCheck<ResolvedExample>[] = analysis.verdict.checks.map((c) => ({
    ...c,
    examples: c.examples.map(() => resolved[next++]),
  }))
  const models = await modelDetails(historyPath, analysis.table, analysis.models)
  const files = [...CSV_FILES, 'summary.json', 'index.html']
  const summary = buildSummary(basename(dir), analysis, checks, models, files, analysisSeconds, await predictStaleness(dir, analysis))
  await writeFile(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`)
  await writeFile(join(dir, 'index.html'), await renderReportPage({ summary, charts: buildChartData(analysis) }))
  await Promise.all(written)
  print(`${terminalSummary(summary, dir)}\nreport: ${join(dir, 'index.html')}`)
  return { kind: 'analysed', exitCode: summary.exitCode, runDir: dir, summary, files }
}

/** The PBS prediction from the run's `wars.json`; a file that cannot be used is said, not thrown. */
async function predictStaleness(dir: string, analysis: Parameters<typeof fitRun>[1]): Promise<PbsRunSummary> {
  try {
    return fitRun(await readWarsFile(dir), analysis)
  } catch (error) {
    return { kind: 'unavailable', reason: (error as Error).message }
  }
}
