/**
 * Child process of the analysis benchmark, so the peak RSS it reports is the analysis'
 * own: `report RUN_DIR` runs reportRun (quiet); `parse RUN_DIR` only JSON.parses every
 * line of the history (the baseline: the least any analysis must do). Prints one JSON line.
 */
import { createReadStream } from 'node:fs'
import { join } from 'node:path'
import { reportRun } from '../report-run.ts'
import { peakRssMiB } from './peak-rss.ts'

const [mode, dir] = process.argv.slice(2)
const started = performance.now()
const cpuStarted = process.cpuUsage()
let exitCode: number | null = null
let timings: Record<string, number> = {}
let source: string | undefined
if (mode === 'report') {
  const report = await reportRun(dir, { quiet: true })
  exitCode = report.exitCode
  if (report.kind === 'analysed')
    ({
      timings,
      history: { source },
    } = report.summary)
} else if (mode === 'parse') {
  let carry: Buffer | undefined
  for await (const chunk of createReadStream(join(dir, 'history.jsonl'), { highWaterMark: 4 << 20 }) as AsyncIterable<Buffer>) {
    const buffer = carry ? Buffer.concat([carry, chunk]) : chunk
    let start = 0
    for (let end = buffer.indexOf(10, start); end >= 0; end = buffer.indexOf(10, start)) {
      JSON.parse(buffer.toString('utf8', start, end))
      start = end + 1
    }
    carry = start < buffer.length ? buffer.subarray(start) : undefined
  }
} else {
  throw new Error(`usage: analyse-child.ts report|parse RUN_DIR (got ${mode})`)
}
const seconds = (performance.now() - started) / 1000
// CPU time of every thread of this process (µs), which load on the machine does not inflate.
const cpu = process.cpuUsage(cpuStarted)
const cpuSeconds = (cpu.user + cpu.system) / 1e6
process.stdout.write(`${JSON.stringify({ seconds, cpuSeconds, peakRssMiB: peakRssMiB(), exitCode, timings, source })}\n`)
