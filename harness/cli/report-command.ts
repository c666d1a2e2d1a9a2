/**
 * `quorumlab report [DIR]`: re-analyses a stored run, or every run of a matrix folder and
 * rebuilds its comparison (matrix.json, matrix.csv, index.html); exits 0, 1 or 2 like the
 * run or the matrix.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { MATRIX_FILE, reportMatrix, reportRun } from '../../reports/index.ts'
import { defineCommand, integerOption } from './command.ts'

type Flags = { quiet: boolean; workers?: number }

export function reportCommand() {
  return defineCommand(
    'report',
    "analyse a run's history.jsonl again (CSV files, summary.json, index.html, verdict), or every run of a matrix folder and its comparison page",
  )
    .argument('[dir]', 'a run folder holding history.jsonl, or a matrix folder holding matrix.json', 'runs/latest')
    .option('--quiet', 'print nothing; the exit code still tells the verdict', false)
    .option(
      '--workers <count>',
      'threads parsing the history (0: this thread only; default: one per core, at most 4, from 16 MiB of history)',
      integerOption(0, 64),
    )
    .action(async (dir: string, flags: Flags) => {
      const options = { quiet: flags.quiet, workers: flags.workers }
      const report = existsSync(join(dir, MATRIX_FILE)) ? await reportMatrix(dir, options) : await reportRun(dir, options)
      // 0: every promised check valid; 1: one invalid; 2: the run (or its history) is incomplete, or a promised check is unknown.
      process.exitCode = report.exitCode
    })
}
