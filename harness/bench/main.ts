/**
 * `npm run bench [-- --quick] [-- --only NAME]`: runs every benchmark module
 * (`**\/*.bench.ts`, each exporting `benchmark`) and prints its rows as a table.
 */
import { readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
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

const rows: BenchRow[] = []
for (const file of await findBenchFiles()) {
  const { benchmark } = (await import(pathToFileURL(file).href)) as { benchmark: Benchmark }
  if (only && benchmark.name !== only) continue
  console.log(`== ${benchmark.name}: ${benchmark.description} (${relative(ROOT, file)})`)
  rows.push(...(await benchmark.run({ quick, log: (line) => console.log(`   ${line}`) })))
}

const format = (n: number): string => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3))
console.table(
  rows.map((r) => ({
    benchmark: r.benchmark,
    subject: r.subject,
    metric: r.metric,
    value: `${format(r.value)} ${r.unit}`,
    vs: r.baseline ? `${r.baseline} (x${format(r.ratio ?? 0)})` : '',
    target: r.target ? `${r.target.met ? 'met' : 'MISSED'}: ${r.target.text}` : '',
  })),
)
