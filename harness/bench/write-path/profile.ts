/**
 * Where a PUT's time goes: starts a 3-node cluster (the store's defaults) with
 * `stage-timer.ts` preloaded into every node, puts it under closed-loop PUT load (fresh
 * keys, the connections spread over the nodes), then prints the time of each stage of
 * the write path and the nodes' CPU time by category, as Markdown, and keeps the raw
 * profiles (`.cpuprofile`, for Chrome's DevTools) beside it.
 *
 *   node --import tsx harness/bench/write-path/profile.ts [--connections 16] [--seconds 15] [--out runs/profile/write-path]
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { DEFAULT_STORE_SETTINGS } from '../../../store/config.ts'
import { freePorts } from '../../cluster/ports.ts'
import { LocalCluster } from '../../stores/quorumlab/index.ts'
import { type LoadResult, runLoad } from '../load.ts'
import { type CpuProfile, cpuBreakdown } from './cpu-categories.ts'

const PRELOAD = fileURLToPath(new URL('./stage-timer.ts', import.meta.url))

type Options = { connections: number; seconds: number; out: string }

function options(): Options {
  const { values } = parseArgs({
    options: { connections: { type: 'string', default: '16' }, seconds: { type: 'string', default: '15' }, out: { type: 'string' } },
  })
  const connections = Number(values.connections)
  const seconds = Number(values.seconds)
  if (!Number.isInteger(connections) || connections < 1)
    throw new Error(`--connections must be a positive integer, got ${values.connections}`)
  if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${values.seconds}`)
  return { connections, seconds, out: resolve(values.out ?? join('runs', 'profile', 'write-path')) }
}

/** Each connection PUTs its own fresh keys, `<tag>-<connection>-<n>`. */
const puts = (tag: string) => (connection: number) => {
  let n = 0
  return () => {
    n += 1
    return { method: 'PUT', path: `/kv/${tag}-${connection}-${n}`, body: JSON.stringify({ value: `v${n}` }) }
  }
}

/** Starts the nodes with the stage timer preloaded (through NODE_OPTIONS, which only the children see). */
async function startProfiledCluster(dataDir: string, out: string): Promise<LocalCluster> {
  const saved = { options: process.env.NODE_OPTIONS, dir: process.env.QUORUMLAB_PROFILE_DIR }
  process.env.NODE_OPTIONS = `--import ${fileURLToPath(import.meta.resolve('tsx'))} --import ${PRELOAD}`
  process.env.QUORUMLAB_PROFILE_DIR = out
  try {
    return await LocalCluster.start({ nodes: 3, ports: await freePorts(3), dataDir, settings: { ...DEFAULT_STORE_SETTINGS } })
  } finally {
    for (const [name, value] of [
      ['NODE_OPTIONS', saved.options],
      ['QUORUMLAB_PROFILE_DIR', saved.dir],
    ] as const) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

async function measure({ connections, seconds, out }: Options): Promise<LoadResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'quorumlab-write-path-'))
  const cluster = await startProfiledCluster(dataDir, out)
  try {
    const urls = cluster.nodes.map((node) => node.url)
    await runLoad({ urls, connections, duration: 2, requests: puts('warmup') })
    for (const node of cluster.nodes) if (node.pid) process.kill(node.pid, 'SIGUSR2')
    return await runLoad({ urls, connections, duration: seconds, requests: puts('measured') })
  } finally {
    await cluster.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

type Stages = { wallMs: number; eventLoopUtilization: number; gcMs: number; stages: Record<string, number[]> }

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
const ms = (value: number): string => `${value.toFixed(value < 1 ? 3 : 1)} ms`

/** The Markdown summary of a profile's files. */
async function summary(out: string, options: Options, load: LoadResult): Promise<string> {
  const files = await readdir(out)
  const nodes = await Promise.all(
    files.filter((f) => f.endsWith('.stages.json')).map(async (f) => JSON.parse(await readFile(join(out, f), 'utf8')) as Stages),
  )
  const profiles = await Promise.all(
    files.filter((f) => f.endsWith('.cpuprofile')).map(async (f) => JSON.parse(await readFile(join(out, f), 'utf8')) as CpuProfile),
  )
  const lines = [
    `PUT, ${options.connections} connections over 3 nodes, ${options.seconds} s: ${load.rps.toFixed(0)} req/s, p50 ${load.p50} ms, p99 ${load.p99} ms` +
      ` (${load.errors + load.non2xx} failed); load average ${loadavg()
        .map((a) => a.toFixed(2))
        .join(', ')}`,
    '',
    '| stage (every node) | count | p50 | p99 | mean |',
    '|---|---|---|---|---|',
  ]
  const names = [...new Set(nodes.flatMap((n) => Object.keys(n.stages)))]
  for (const name of names) {
    const all = nodes.flatMap((n) => n.stages[name] ?? []).sort((a, b) => a - b)
    const mean = all.reduce((sum, v) => sum + v, 0) / all.length
    lines.push(`| ${name} | ${all.length} | ${ms(percentile(all, 50))} | ${ms(percentile(all, 99))} | ${ms(mean)} |`)
  }
  const wall = nodes.reduce((sum, n) => sum + n.wallMs, 0)
  const elu = nodes.map((n) => n.eventLoopUtilization.toFixed(2)).join(', ')
  const cpu = cpuBreakdown(profiles)
  lines.push(
    '',
    `Event loop busy: ${elu} (per node); GC: ${((100 * nodes.reduce((s, n) => s + n.gcMs, 0)) / wall).toFixed(1)}% of wall time.`,
  )
  lines.push('', `CPU, all nodes: ${(cpu.busyMs / 1000).toFixed(1)} s busy of ${(cpu.totalMs / 1000).toFixed(1)} s sampled`, '')
  lines.push('| category | busy share | ms |', '|---|---|---|')
  for (const [name, time] of cpu.categories) {
    if (name.startsWith('idle')) continue
    lines.push(`| ${name} | ${((100 * time) / cpu.busyMs).toFixed(1)}% | ${time.toFixed(0)} |`)
  }
  lines.push('', '| function (self time) | busy share |', '|---|---|')
  for (const [name, time] of cpu.functions) lines.push(`| \`${name}\` | ${((100 * time) / cpu.busyMs).toFixed(1)}% |`)
  return `${lines.join('\n')}\n`
}

const chosen = options()
await rm(chosen.out, { recursive: true, force: true })
await mkdir(chosen.out, { recursive: true })
const load = await measure(chosen)
const text = await summary(chosen.out, chosen, load)
await writeFile(join(chosen.out, 'summary.md'), text)
console.log(text)
console.log(`profiles and summary in ${chosen.out}`)
