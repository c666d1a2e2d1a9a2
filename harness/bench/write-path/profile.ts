/**
 * Where a PUT's time goes: starts a 3-node cluster (the store's defaults) with
 * `stage-timer.ts` preloaded into every node, puts it under closed-loop PUT load (fresh
 * keys, the connections spread over the nodes), then prints the time of each stage of
 * the write path and the nodes' CPU time by category, as Markdown, and keeps the raw
 * profiles (`.cpuprofile`, for Chrome's DevTools) beside it.
 *
 * With `--perf` it also samples every thread of the nodes with Linux `perf` (`perf-profile.ts`:
 * CPU time only, where V8's profile samples wall time) and adds the CPU by kind of thread.
 *
 *   node --import tsx harness/bench/write-path/profile.ts [--connections 16] [--seconds 15] [--warmup 10] [--perf] [--out runs/profile/write-path]
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
import { type CpuBreakdown, type CpuProfile, cpuBreakdown } from './cpu-categories.ts'
import {
  PERF_FREQUENCY_HZ,
  type PerfBreakdown,
  PerfRecording,
  parsePerfScript,
  perfBreakdown,
  perfMapFile,
  perfScript,
  perfUnavailable,
} from './perf-profile.ts'

const PRELOAD = fileURLToPath(new URL('./stage-timer.ts', import.meta.url))

type Options = { connections: number; seconds: number; warmup: number; out: string; perf: boolean }

function options(): Options {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '16' },
      seconds: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '10' },
      out: { type: 'string' },
      perf: { type: 'boolean', default: false },
    },
  })
  const connections = Number(values.connections)
  const seconds = Number(values.seconds)
  if (!Number.isInteger(connections) || connections < 1)
    throw new Error(`--connections must be a positive integer, got ${values.connections}`)
  if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${values.seconds}`)
  const warmup = Number(values.warmup)
  if (!(warmup >= 0)) throw new Error(`--warmup must be a number of seconds, 0 or more, got ${values.warmup}`)
  return { connections, seconds, warmup, out: resolve(values.out ?? join('runs', 'profile', 'write-path')), perf: values.perf }
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
async function startProfiledCluster(dataDir: string, out: string, perf: boolean): Promise<LocalCluster> {
  const saved = { options: process.env.NODE_OPTIONS, dir: process.env.QUORUMLAB_PROFILE_DIR, v8: process.env.QUORUMLAB_PROFILE_V8 }
  // perf names JavaScript frames from the map each node writes (perfMapFile).
  const perfMaps = perf ? ' --perf-basic-prof-only-functions' : ''
  process.env.NODE_OPTIONS = `--import ${fileURLToPath(import.meta.resolve('tsx'))} --import ${PRELOAD}${perfMaps}`
  process.env.QUORUMLAB_PROFILE_DIR = out
  process.env.QUORUMLAB_PROFILE_V8 = perf ? '0' : '1'
  try {
    return await LocalCluster.start({ nodes: 3, ports: await freePorts(3), dataDir, settings: { ...DEFAULT_STORE_SETTINGS } })
  } finally {
    for (const [name, value] of [
      ['NODE_OPTIONS', saved.options],
      ['QUORUMLAB_PROFILE_DIR', saved.dir],
      ['QUORUMLAB_PROFILE_V8', saved.v8],
    ] as const) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

type Measured = { load: LoadResult; perf?: PerfBreakdown }

async function measure({ connections, seconds, warmup, out, perf }: Options): Promise<Measured> {
  const dataDir = await mkdtemp(join(tmpdir(), 'quorumlab-write-path-'))
  const cluster = await startProfiledCluster(dataDir, out, perf)
  const pids = cluster.nodes.flatMap((node) => (node.pid === undefined ? [] : [node.pid]))
  let recording: PerfRecording | undefined
  try {
    const urls = cluster.nodes.map((node) => node.url)
    // V8 goes on compiling the hot paths for 10 s or more under load: the profile is of what follows.
    if (warmup > 0) await runLoad({ urls, connections, duration: warmup, requests: puts('warmup') })
    for (const pid of pids) process.kill(pid, 'SIGUSR2')
    recording = perf ? new PerfRecording(pids, join(out, 'perf.data')) : undefined
    const load = await runLoad({ urls, connections, duration: seconds, requests: puts('measured') })
    await recording?.stop()
    if (!recording) return { load }
    return { load, perf: perfBreakdown(parsePerfScript(await perfScript(join(out, 'perf.data'))), new Set(pids)) }
  } finally {
    // Stopped here too when the load failed, so no perf process outlives the profile.
    await recording?.stop()
    await cluster.stop()
    await rm(dataDir, { recursive: true, force: true })
    for (const pid of perf ? pids : []) await rm(perfMapFile(pid), { force: true })
  }
}

/** The Markdown tables of the nodes' V8 profiles: busy time by category, then the functions that took most. */
function v8Tables(cpu: CpuBreakdown): string[] {
  const share = (ms: number) => `${((100 * ms) / cpu.busyMs).toFixed(1)}%`
  return [
    '',
    `CPU, all nodes: ${(cpu.busyMs / 1000).toFixed(1)} s busy of ${(cpu.totalMs / 1000).toFixed(1)} s sampled`,
    '',
    '| category | busy share | ms |',
    '|---|---|---|',
    ...cpu.categories.filter(([name]) => !name.startsWith('idle')).map(([name, ms]) => `| ${name} | ${share(ms)} | ${ms.toFixed(0)} |`),
    '',
    '| function (self time) | busy share |',
    '|---|---|',
    ...cpu.functions.map(([name, ms]) => `| \`${name}\` | ${share(ms)} |`),
  ]
}

/** The Markdown tables of a perf breakdown: CPU by kind of thread, then the main threads' by category. */
function perfTables(perf: PerfBreakdown): string[] {
  const share = (count: number, of: number) => `${((100 * count) / of).toFixed(1)}%`
  const mainSamples = perf.main.reduce((sum, [, count]) => sum + count, 0)
  return [
    '',
    `CPU by thread (perf, cpu-clock at ${PERF_FREQUENCY_HZ} Hz: ${perf.samples} samples of running threads)`,
    '',
    '| thread | share of CPU |',
    '|---|---|',
    ...perf.threads.map(([name, count]) => `| ${name} | ${share(count, perf.samples)} |`),
    '',
    `Main threads by their innermost JavaScript frame (${share(perf.mainKernel, mainSamples)} of their CPU in the kernel)`,
    '',
    '| category | share of the main threads |',
    '|---|---|',
    ...perf.main.map(([name, count]) => `| ${name} | ${share(count, mainSamples)} |`),
  ]
}

type Stages = { wallMs: number; eventLoopUtilization: number; gcMs: number; stages: Record<string, number[]> }

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
const ms = (value: number): string => `${value.toFixed(value < 1 ? 3 : 1)} ms`

/** The Markdown summary of a profile's files. */
async function summary(out: string, options: Options, { load, perf }: Measured): Promise<string> {
  const files = await readdir(out)
  const nodes = await Promise.all(
    files.filter((f) => f.endsWith('.stages.json')).map(async (f) => JSON.parse(await readFile(join(out, f), 'utf8')) as Stages),
  )
  const profiles = await Promise.all(
    files.filter((f) => f.endsWith('.cpuprofile')).map(async (f) => JSON.parse(await readFile(join(out, f), 'utf8')) as CpuProfile),
  )
  const lines = [
    `PUT, ${options.connections} connections over 3 nodes, ${options.seconds} s after ${options.warmup} s of warm-up: ${load.rps.toFixed(0)} req/s, p50 ${load.p50} ms, p99 ${load.p99} ms` +
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
  lines.push(
    '',
    `Event loop busy: ${elu} (per node); GC: ${((100 * nodes.reduce((s, n) => s + n.gcMs, 0)) / wall).toFixed(1)}% of wall time.`,
  )
  lines.push(...(perf ? perfTables(perf) : v8Tables(cpuBreakdown(profiles))))
  return `${lines.join('\n')}\n`
}

const chosen = options()
const noPerf = chosen.perf ? await perfUnavailable() : undefined
if (noPerf) throw new Error(`--perf: ${noPerf}`)
await rm(chosen.out, { recursive: true, force: true })
await mkdir(chosen.out, { recursive: true })
const measured = await measure(chosen)
const text = await summary(chosen.out, chosen, measured)
await writeFile(join(chosen.out, 'summary.md'), text)
console.log(text)
console.log(`profiles and summary in ${chosen.out}`)
