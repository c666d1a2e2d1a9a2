/** `quorumlab report [RUN_DIR]`: re-analyses a stored run; exits 0, 1 or 2 like the run. */
import { reportRun } from '../../reports/index.ts'
import { defineCommand, integerOption } from './command.ts'

type Flags = { quiet: boolean; workers?: number }

export function reportCommand() {
  return defineCommand('report', "analyse a run's history.jsonl again: CSV files, summary.json, index.html, verdict")
    .argument('[run-dir]', 'the run folder holding history.jsonl', 'runs/latest')
    .option('--quiet', 'print nothing; the exit code still tells the verdict', false)
    .option(
      '--workers <count>',
      'threads parsing the history (0: this thread only; default: one per core, at most 4, from 16 MiB of history)',
      integerOption(0, 64),
    )
    .action(async (runDir: string, flags: Flags) => {
      const report = await reportRun(runDir, { quiet: flags.quiet, workers: flags.workers })
      // 0: every promised check valid; 1: one invalid; 2: the run (or its history) is incomplete, or a promised check is unknown.
      process.exitCode = report.exitCode
    })
}
