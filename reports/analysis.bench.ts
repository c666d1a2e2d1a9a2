/**
 * Analysis at scale: synthetic 1M-op histories, one on 16 hot keys (the clustered
 * workload's worst case for per-key work) and one on 10,000 keys (the shape for the
 * model checkers), each analysed by reportRun end to end (every checker, every CSV file,
 * summary.json, index.html) in a child process started as the CLI starts the analysis of a
 * big history (report-process.ts: glibc's mmap threshold fixed, a small young generation),
 * against the targets of 5 s and 512 MiB. Each history is analysed as a run leaves it, with
 * the `history.table` its writer recorded (table-file.ts), and without the table (a history
 * from elsewhere, or copied without its times), parsed line by line: three times each in a
 * full run, the figures the median with the range. Baseline:
 * only JSON.parse of every line. Also: how long the report page takes to draw in Chromium.
 * `--quick` uses 50k ops on 16 keys. The CPU time over all threads is given too: unlike
 * wall time, other load on the machine does not inflate it.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { type Benchmark, type BenchRow, overRounds, type Range } from '../harness/bench/benchmark.ts'
import { HISTORY_FILE } from '../common/contracts/history.ts'
import { analysisEnv, analysisFlags } from './report-process.ts'
import { TABLE_FILE } from './table-file.ts'
import { CHROMIUM_PATH, launchChromium } from './testing/browser.ts'
import { writeSyntheticHistory } from './testing/synthetic-history.ts'

const CHILD = fileURLToPath(new URL('./testing/analyse-child.ts', import.meta.url))
/** The targets for 1M ops (issue 18), the model checkers included. */
const TARGET_SECONDS = 5
const TARGET_MIB = 512
/** `--quick` (CI): enough ops to exercise every step, few enough that generating them stays a few seconds. */
const QUICK_OPS = 50_000
/**
 * Analyses of each history in a full run (`--quick`: one). One run is one sample of a
 * machine whose speed swings by 15% from hour to hour (BENCHMARKS.md), and the target is met
 * or missed by less than that.
 */
const RUNS = { quick: 1, full: 3 }

type ChildResult = {
  seconds: number
  cpuSeconds: number
  peakRssMiB: number
  exitCode: number | null
  timings: Record<string, number>
  source?: string
}

async function child(mode: 'report' | 'parse', dir: string): Promise<ChildResult> {
  // Started as the CLI starts the analysis of a big history (report-process.ts): its flags and glibc's setting.
  const { stdout } = await promisify(execFile)(process.execPath, [...analysisFlags([]), '--import', 'tsx', CHILD, mode, dir], {
    env: analysisEnv(process.env),
    maxBuffer: 1 << 20,
    timeout: 300_000,
  })
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildResult
}

async function renderMs(file: string): Promise<number> {
  const browser = await launchChromium()
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    const started = performance.now()
    await page.goto(pathToFileURL(file).href)
    await page.waitForFunction('document.body.getAttribute("data-rendered") !== null', undefined, { timeout: 60_000 })
    return performance.now() - started
  } finally {
    await browser.close()
  }
}

/** The histories analysed: 16 hot keys (the most work per key) and, in a full run, 10,000 keys (the shape for the model checkers). */
const SHAPES = { quick: [16], full: [16, 10_000] }

/** reportRun on one synthetic history of `ops` ops over `keys` keys, with and without its table, against JSON.parse of the same file. */
async function measureShape(dir: string, ops: number, keys: number, quick: boolean, log: (line: string) => void): Promise<BenchRow[]> {
  const generated = performance.now()
  const history = join(dir, HISTORY_FILE)
  await writeSyntheticHistory(history, { ops, rate: 5_000, seed: 42, keys, nodes: 5, n: 3, r: 1, w: 1, concurrency: 64, table: true })
  const bytes = (await stat(history)).size
  const shape = `${ops.toLocaleString('en-US')} ops, ${keys.toLocaleString('en-US')} keys`
  log(`generated ${shape} (${(bytes / 2 ** 20).toFixed(0)} MiB) and its table in ${((performance.now() - generated) / 1000).toFixed(1)} s`)
  const parse = await child('parse', dir)
  log(`JSON.parse only: ${parse.seconds.toFixed(2)} s (${parse.cpuSeconds.toFixed(2)} s CPU), peak ${parse.peakRssMiB.toFixed(0)} MiB`)
  const baseline = `JSON.parse only, ${shape}`
  const rows: BenchRow[] = []
  const runs = quick ? RUNS.quick : RUNS.full
  const measure = async (subject: string, source: string): Promise<void> => {
    const reports: ChildResult[] = []
    for (let i = 1; i <= runs; i++) {
      const report = await child('report', dir)
      log(`load average ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`)
      log(
        `${subject}, run ${i} of ${runs}: ${report.seconds.toFixed(2)} s (${report.cpuSeconds.toFixed(2)} s CPU over all threads), peak ${report.peakRssMiB.toFixed(0)} MiB, exit ${report.exitCode}, ops read from ${report.source}; steps (ms): ${JSON.stringify(report.timings)}`,
      )
      if (report.source !== source) throw new Error(`${subject}: the ops were read from ${report.source}, not ${source}`)
      reports.push(report)
    }
    /** A row of reportRun against JSON.parse on the same measure, over the runs; the target only in a full run. */
    const row = (
      metric: string,
      unit: string,
      figure: { value: number; range: Range },
      parsed: number,
      target?: { text: string; met: boolean },
    ): BenchRow => ({
      benchmark: 'analysis',
      subject,
      metric,
      value: figure.value,
      // A range of one run says nothing.
      ...(runs > 1 ? { range: figure.range } : {}),
      unit,
      baseline,
      ratio: figure.value / parsed,
      ...(target && !quick ? { target } : {}),
    })
    const time = overRounds(reports.map((r) => r.seconds))
    const peak = overRounds(reports.map((r) => r.peakRssMiB))
    rows.push(
      row('time', 's', time, parse.seconds, { text: `< ${TARGET_SECONDS} s for 1M ops`, met: time.value < TARGET_SECONDS }),
      row('peak RSS', 'MiB', peak, parse.peakRssMiB, { text: `< ${TARGET_MIB} MiB for 1M ops`, met: peak.value < TARGET_MIB }),
      row('CPU time, all threads', 's', overRounds(reports.map((r) => r.cpuSeconds)), parse.cpuSeconds),
      { benchmark: 'analysis', subject, metric: 'throughput', value: ops / time.value, unit: 'ops/s' },
    )
  }
  await measure(`reportRun of a run, ${shape}`, TABLE_FILE)
  await rm(join(dir, TABLE_FILE))
  await measure(`reportRun, history.jsonl alone, ${shape}`, HISTORY_FILE)
  rows.push({ benchmark: 'analysis', subject: baseline, metric: 'time', value: parse.seconds, unit: 's' })
  return rows
}

export const benchmark: Benchmark = {
  name: 'analysis',
  description: 'reportRun on synthetic clustered histories (1M ops on 16 and on 10,000 keys; --quick 50k on 16) vs JSON.parse alone',
  async run({ quick, log }) {
    const ops = quick ? QUICK_OPS : 1_000_000
    const rows: BenchRow[] = []
    for (const keys of quick ? SHAPES.quick : SHAPES.full) {
      const dir = await mkdtemp(join(tmpdir(), 'quorumlab-analysis-bench-'))
      try {
        rows.push(...(await measureShape(dir, ops, keys, quick, log)))
        // The report page of the hot-key history: the most drawn per key.
        if (keys === SHAPES.full[0] && existsSync(CHROMIUM_PATH)) {
          const ms = await renderMs(join(dir, 'index.html'))
          log(`index.html drawn in Chromium in ${ms.toFixed(0)} ms`)
          rows.push({
            benchmark: 'analysis',
            subject: `index.html, ${ops.toLocaleString('en-US')} ops`,
            metric: 'open and draw',
            value: ms,
            unit: 'ms',
          })
        }
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    }
    return rows
  },
}
