/**
 * `npm run bench [-- --quick] [-- --only NAME]`: runs every benchmark module
 * (`**\/*.bench.ts`, each exporting `benchmark`), prints a table, and writes `bench.csv`
 * and `BENCHMARKS.md` (the figures, the command and the machine). Only a full run of every
 * benchmark writes them at the top of the repository; `--quick` (under a minute, for CI)
 * and `--only` write them to `runs/bench/`, so partial figures never replace measured ones.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { arch, cpus, platform, release, totalmem } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import csvWriter from 'csv-writer/dist/index.js'
import type { Benchmark, BenchRow } from './benchmark.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const FOLDERS = ['store', 'harness', 'workloads', 'reports']

async function findBenchFiles(): Promise<string[]> {
  const found: string[] = []
  for (const folder of FOLDERS) {
    for (const entry of await readdir(join(ROOT, folder), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.bench.ts')) found.push(join(entry.parentPath, entry.name))
    }
  }
  return found.sort()
}

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const onlyAt = args.indexOf('--only')
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined
const unknown = args.filter((a, i) => a !== '--quick' && a !== '--only' && i !== onlyAt + 1)
if (unknown.length > 0 || (onlyAt >= 0 && !only)) {
  process.stderr.write(
    `error: unexpected ${unknown.join(' ') || '--only without a name'}\nusage: npm run bench [-- --quick] [-- --only store|proxy|client|analysis]\n`,
  )
  process.exit(2)
}

const rows: BenchRow[] = []
const started = new Date()
const benchmarks: { benchmark: Benchmark; file: string }[] = []
for (const file of await findBenchFiles()) {
  const { benchmark } = (await import(pathToFileURL(file).href)) as { benchmark: Benchmark }
  benchmarks.push({ benchmark, file })
}
if (only && !benchmarks.some((b) => b.benchmark.name === only)) {
  process.stderr.write(`error: no benchmark named "${only}"; there are: ${benchmarks.map((b) => b.benchmark.name).join(', ')}\n`)
  process.exit(2)
}
for (const { benchmark, file } of benchmarks) {
  if (only && benchmark.name !== only) continue
  console.log(`== ${benchmark.name}: ${benchmark.description} (${relative(ROOT, file)})`)
  rows.push(...(await benchmark.run({ quick, log: (line) => console.log(`   ${line}`) })))
}

const format = (n: number): string => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3))
const cells = rows.map((r) => ({
  benchmark: r.benchmark,
  subject: r.subject,
  metric: r.metric,
  value: `${format(r.value)} ${r.unit}`,
  vs: r.baseline ? `x${format(r.ratio ?? 0)} of ${r.baseline}` : '',
  target: r.target ? `${r.target.met ? 'met' : 'MISSED'}: ${r.target.text}` : '',
}))
console.table(cells)

const outDir = quick || only ? join(ROOT, 'runs', 'bench') : ROOT
await mkdir(outDir, { recursive: true })
const csv = csvWriter.createObjectCsvWriter({
  path: join(outDir, 'bench.csv'),
  header: ['benchmark', 'subject', 'metric', 'value', 'unit', 'baseline', 'ratio', 'target', 'met'].map((id) => ({ id, title: id })),
})
await csv.writeRecords(rows.map((r) => ({ ...r, target: r.target?.text ?? '', met: r.target ? String(r.target.met) : '' })))

const command = `npm run bench${quick || only ? ' --' : ''}${quick ? ' --quick' : ''}${only ? ` --only ${only}` : ''}`
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()} ${arch()}, Node ${process.version}`
const table = [
  '| benchmark | subject | metric | value | compared | target |',
  '|---|---|---|---|---|---|',
  ...cells.map((c) => `| ${c.benchmark} | ${c.subject} | ${c.metric} | ${c.value} | ${c.vs} | ${c.target} |`),
]
await writeFile(
  join(outDir, 'BENCHMARKS.md'),
  [
    '# Benchmarks',
    '',
    `Measured ${started.toISOString()} with \`${command}\` on ${machine}.`,
    'Each figure is measured against its baseline in the same run (the ratio is what to compare between machines).',
    '',
    ...table,
    '',
  ].join('\n'),
)
console.log(`wrote ${relative(ROOT, join(outDir, 'BENCHMARKS.md')) || 'BENCHMARKS.md'} and ${relative(ROOT, join(outDir, 'bench.csv'))}`)
