/**
 * Runs every benchmark module (`**\/*.bench.ts`, each exporting `benchmark`), prints a
 * table, and writes `bench.csv` and `BENCHMARKS.md` (the figures, the command, the machine
 * and its load): at the top of the repository only when asked to (`quorumlab bench
 * --write`, a full run), else to `runs/bench/`, so a trial never replaces the committed
 * figures. What the committed BENCHMARKS.md holds below {@link NOTES_MARKER} is written by
 * hand (profiles, analyses) and kept as it is.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import csvWriter from 'csv-writer/dist/index.js'
import type { Benchmark, BenchRow } from './benchmark.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const FOLDERS = ['store', 'harness', 'workloads', 'reports']
/** The line of BENCHMARKS.md after which the text is written by hand and kept by every write. */
const NOTES_MARKER = '<!-- Written by hand below this line: `quorumlab bench --write` keeps it. -->'

export type BenchRunOptions = {
  /** Short runs (CI): the whole suite in under a minute. */
  quick: boolean
  /** Only the benchmark of this name. */
  only?: string
  /** Write BENCHMARKS.md and bench.csv at the top of the repository (else to runs/bench/). */
  write: boolean
  log: (line: string) => void
}

/** Every benchmark module, by name, sorted by file. */
export async function findBenchmarks(): Promise<{ benchmark: Benchmark; file: string }[]> {
  const files: string[] = []
  for (const folder of FOLDERS) {
    for (const entry of await readdir(join(ROOT, folder), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.bench.ts')) files.push(join(entry.parentPath, entry.name))
    }
  }
  const found: { benchmark: Benchmark; file: string }[] = []
  for (const file of files.sort()) {
    const { benchmark } = (await import(pathToFileURL(file).href)) as { benchmark: Benchmark }
    found.push({ benchmark, file })
  }
  return found
}

/** Runs the benchmarks asked for and writes their figures; resolves with where they went. */
export async function runBenchmarks(options: BenchRunOptions, benchmarks: { benchmark: Benchmark; file: string }[]): Promise<string> {
  const { quick, only, log } = options
  const rows: BenchRow[] = []
  const started = new Date()
  const loadBefore = loadavg()
  for (const { benchmark, file } of benchmarks) {
    if (only && benchmark.name !== only) continue
    log(`== ${benchmark.name}: ${benchmark.description} (${relative(ROOT, file)})`)
    const began = performance.now()
    rows.push(...(await benchmark.run({ quick, log: (line) => log(`   ${line}`) })))
    log(`   (${benchmark.name}: ${((performance.now() - began) / 1000).toFixed(1)} s)`)
  }
  const cells = rows.map((r) => ({
    benchmark: r.benchmark,
    subject: r.subject,
    metric: r.metric,
    value: `${format(r.value)} ${r.unit}${r.range ? ` (${format(r.range.min)}–${format(r.range.max)})` : ''}`,
    vs: r.baseline ? `x${format(r.ratio ?? 0)} of ${r.baseline}` : '',
    target: r.target ? `${r.target.met ? 'met' : 'MISSED'}: ${r.target.text}` : '',
  }))
  console.table(cells)

  const outDir = options.write ? ROOT : join(ROOT, 'runs', 'bench')
  await mkdir(outDir, { recursive: true })
  const csv = csvWriter.createObjectCsvWriter({
    path: join(outDir, 'bench.csv'),
    header: ['benchmark', 'subject', 'metric', 'value', 'unit', 'baseline', 'ratio', 'target', 'met', 'min', 'max'].map((id) => ({
      id,
      title: id,
    })),
  })
  await csv.writeRecords(
    rows.map((r) => ({
      ...r,
      target: r.target?.text ?? '',
      met: r.target ? String(r.target.met) : '',
      min: r.range?.min,
      max: r.range?.max,
    })),
  )
  const flags = [quick ? '--quick' : '', only ? `--only ${only}` : '', options.write ? '--write' : ''].filter(Boolean).join(' ')
  const command = `npm run bench${flags ? ` -- ${flags}` : ''}`
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()} ${arch()}, Node ${process.version}`
  const load = `load average ${loadText(loadBefore)} at the start, ${loadText(loadavg())} at the end`
  await writeFile(
    join(outDir, 'BENCHMARKS.md'),
    [
      '# Benchmarks',
      '',
      `Measured ${started.toISOString()} with \`${command}\` on ${machine}; ${load}.`,
      'Each figure is measured against its baseline in the same run (the ratio is what to compare between machines).',
      'A figure measured in rounds is their median, with the lowest and highest round in brackets.',
      '',
      '| benchmark | subject | metric | value | compared | target |',
      '|---|---|---|---|---|---|',
      ...cells.map((c) => `| ${c.benchmark} | ${c.subject} | ${c.metric} | ${c.value} | ${c.vs} | ${c.target} |`),
      '',
      ...(await handWrittenNotes()),
    ].join('\n'),
  )
  return relative(process.cwd(), outDir) || '.'
}

/** The hand-written end of the committed BENCHMARKS.md, as lines to append. */
async function handWrittenNotes(): Promise<string[]> {
  return notesOf(await readFile(join(ROOT, 'BENCHMARKS.md'), 'utf8').catch(() => ''))
}

/** The marker and the text below it in a BENCHMARKS.md, ending in a newline; none when it has no marker. */
export function notesOf(markdown: string): string[] {
  const at = markdown.indexOf(NOTES_MARKER)
  return at < 0 ? [] : [markdown.slice(at).trimEnd(), '']
}

const loadText = (averages: number[]): string => averages.map((a) => a.toFixed(2)).join(', ')

const format = (n: number): string => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3))
