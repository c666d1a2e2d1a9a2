/**
 * `quorumlab report [DIR]`: re-analyses a stored run, or every run of a matrix folder and
 * rebuilds its comparison (matrix.json, matrix.csv, index.html); exits 0, 1 or 2 like the
 * run or the matrix, 254 for a folder that is neither. With `--key K`, writes instead the
 * timeline page of that key's history (timeline-<key>.html).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { CHECK_NAMES, MATRIX_FILE, notARunFolder, reportMatrix, reportRunAtScale, writeKeyTimeline } from '../../reports/index.ts'
import { choiceOption, defineCommand, integerOption, listOption, UsageError } from './command.ts'

type Flags = { quiet: boolean; workers?: number; failOn?: string[]; key?: string }

export function reportCommand() {
  return defineCommand(
    'report',
    "analyse a run's history.jsonl again (CSV files, summary.json, index.html, verdict), or every run of a matrix folder and its comparison page",
    [
      ['quorumlab report', 'the latest run (runs/latest)'],
      ['quorumlab report runs/20261122T101500-clustered-partition --quiet', 'no output: the exit code tells the verdict'],
      ['quorumlab report --fail-on no-lost-writes,monotonic-reads', 'also fail on anomalies the configuration does not promise'],
      ['quorumlab report runs/matrix-20261122T101500', 'every run of a matrix, and its comparison page'],
    ],
  )
    .argument('[dir]', 'a run folder holding history.jsonl, or a matrix folder holding matrix.json', 'runs/latest')
    .option('--quiet', 'print nothing; the exit code still tells the verdict', false)
    .option(
      '--workers <count>',
      'threads parsing the history, 0..64 (0: this thread only; default: one per core, at most 4, from 16 MiB of history)',
      integerOption(0, 64),
    )
    .option(
      '--fail-on <checks>',
      `also fail (exit 1) on these checks, beside those the run was started with: a comma list of ${CHECK_NAMES.join(', ')}`,
      listOption(choiceOption(CHECK_NAMES)),
    )
    .option(
      '--key <key>',
      "instead of the analysis, write timeline-<key>.html: that key's history as a timeline (a window of it for a hot key)",
    )
    .action(async (dir: string, flags: Flags) => {
      if (flags.key !== undefined) {
        const timeline = await writeKeyTimeline(dir, flags.key)
        if (timeline.kind === 'problem') throw new UsageError(timeline.reason)
        if (!flags.quiet) process.stdout.write(`timeline: ${timeline.file} (${timeline.drawn} of ${timeline.ops} ops drawn)\n`)
        return
      }
      const options = { quiet: flags.quiet, workers: flags.workers, failOn: flags.failOn }
      if (existsSync(join(dir, MATRIX_FILE))) {
        process.exitCode = (await reportMatrix(dir, options)).exitCode
        return
      }
      // A folder that is no run gets nothing written into it.
      const problem = await notARunFolder(dir)
      if (problem) throw new UsageError(problem)
      const report = await reportRunAtScale(dir, options)
      // 0: every promised check valid; 1: one invalid; 2: the run (or its history) is incomplete, or a promised check is unknown.
      process.exitCode = report.exitCode
    })
}
