/**
 * `quorumlab report [RUN_DIR]`: re-analyses a stored run; exits 0, 1 or 2 like the run.
 * With `--key K`, writes instead the timeline page of that key's history (timeline-<key>.html).
 */
import { reportRun, writeKeyTimeline } from '../../reports/index.ts'
import { defineCommand, integerOption } from './command.ts'

type Flags = { quiet: boolean; workers?: number; key?: string }

export function reportCommand() {
  return defineCommand('report', "analyse a run's history.jsonl again: CSV files, summary.json, index.html, verdict")
    .argument('[run-dir]', 'the run folder holding history.jsonl', 'runs/latest')
    .option('--quiet', 'print nothing; the exit code still tells the verdict', false)
    .option(
      '--workers <count>',
      'threads parsing the history (0: this thread only; default: one per core, at most 4, from 16 MiB of history)',
      integerOption(0, 64),
    )
    .option(
      '--key <key>',
      "instead of the analysis, write timeline-<key>.html: that key's history as a timeline (a window of it for a hot key)",
    )
    .action(async (runDir: string, flags: Flags) => {
      if (flags.key !== undefined) {
        const timeline = await writeKeyTimeline(runDir, flags.key)
        if (timeline.kind === 'problem') {
          process.stderr.write(`error: ${timeline.reason}\n`)
          process.exitCode = 2
          return
        }
        if (!flags.quiet) process.stdout.write(`timeline: ${timeline.file} (${timeline.drawn} of ${timeline.ops} ops drawn)\n`)
        return
      }
      const report = await reportRun(runDir, { quiet: flags.quiet, workers: flags.workers })
      // 0: every promised check valid; 1: one invalid; 2: the run (or its history) is incomplete, or a promised check is unknown.
      process.exitCode = report.exitCode
    })
}
