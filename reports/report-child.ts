/**
 * The analysis process that {@link reportRunInProcess} starts: takes one request over IPC,
 * runs reportRun, answers with its report and ends. It ignores the stop signals (its
 * parent decides whether the analysis goes on) and ends when its parent does.
 */
import type { ReportAnswer, ReportRequest } from './report-process.ts'
import { reportRun } from './report-run.ts'

let answered = false
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(name, () => {})
process.once('disconnect', () => {
  if (!answered) process.exit(2)
})
process.once('message', async ({ runDir, options }: ReportRequest) => {
  const answer: ReportAnswer = await reportRun(runDir, options).then(
    (report) => ({ kind: 'report', report }),
    (error: unknown) => ({ kind: 'error', message: error instanceof Error ? error.message : String(error) }),
  )
  answered = true
  process.send?.(answer, () => process.disconnect())
})
