/**
 * The linearizability checker's speed on generated register histories (linearizable by
 * construction, 20% of writes compare-and-sets, so the search runs rather than the zones):
 * - one hot key, 1,000 ops over 10 processes (target < 1 s), valid, and with a planted
 *   stale read;
 * - how the time grows with concurrency on one key (1,000 ops over 2 to 200 processes):
 *   the search; the zones (reads and writes only); the sequential search; and the
 *   search's worst case, an invalid key no anomaly pattern or zone settles;
 * - 100,000 ops over 1,000 keys and 1,000,000 over 10,000 keys (target < 10 s) in a
 *   child process (its peak RSS is the checker's): the checker on records in memory, and
 *   what `quorumlab check` does on the history file (parse, then check).
 * Wall and CPU time both: the machine is shared, and CPU time is what load does not inflate.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { median, type Benchmark, type BenchRow } from '../../harness/bench/benchmark.ts'
import { plantStaleRead, simulateRegister } from '../testing/register-simulation.ts'
import { checkLinearizable, checkSequential, DEFAULT_BUDGET, type ModelChecker, registerHistories } from './index.ts'
import { checkKey } from './key-range.ts'
import { keyOps, type RegisterOp } from './register-history.ts'

const CHILD = fileURLToPath(new URL('../testing/model-check-child.ts', import.meta.url))
const HOT_KEY_TARGET_MS = 1000
const BIG_TARGET_S = 10

type Timing = { wallMs: number; cpuMs: number }
type ChildTiming = { seconds: number; cpuSeconds: number }
type ChildResult = { read: ChildTiming; check: ChildTiming; peakRssMiB: number; keys: { valid: number; invalid: number; unknown: number } }

/** Median wall and CPU ms of the checker over `runs` runs after a warm-up, on histories built once. */
async function measure(
  checker: ModelChecker,
  records: ReturnType<typeof simulateRegister>,
  runs = 5,
): Promise<Timing & { verdict: string }> {
  const h = registerHistories(records)
  const first = await checker(h, { workers: 0 })
  const wall: number[] = []
  const cpu: number[] = []
  for (let i = 0; i < runs; i++) {
    const cpuStart = process.cpuUsage()
    const start = performance.now()
    await checker(h, { workers: 0 })
    wall.push(performance.now() - start)
    const used = process.cpuUsage(cpuStart)
    cpu.push((used.user + used.system) / 1000)
  }
  return { wallMs: median(wall), cpuMs: median(cpu), verdict: String(first.valid) }
}

async function child(args: string[]): Promise<ChildResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    maxBuffer: 1 << 20,
    timeout: 600_000,
  })
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildResult
}

const rows = (subject: string, t: Timing, extra: Partial<BenchRow> = {}): BenchRow[] => [
  { benchmark: 'models', subject, metric: 'time', value: t.wallMs, unit: 'ms', ...extra },
  { benchmark: 'models', subject, metric: 'CPU time', value: t.cpuMs, unit: 'ms' },
]

async function hotKey(log: (line: string) => void): Promise<BenchRow[]> {
  const records = simulateRegister({ ops: 1000, keys: 1, processes: 10, seed: 7 })
  const valid = await measure(checkLinearizable, records)
  plantStaleRead(records, 'k0')
  const invalid = await measure(checkLinearizable, records)
  log(
    `hot key, 1,000 ops over 10 processes: ${valid.wallMs.toFixed(1)} ms (${valid.verdict}); with a stale read ${invalid.wallMs.toFixed(1)} ms (${invalid.verdict})`,
  )
  return [
    ...rows('1 key, 1,000 ops, 10 processes: linearizable', valid, {
      target: { text: `< ${HOT_KEY_TARGET_MS} ms`, met: valid.wallMs < HOT_KEY_TARGET_MS },
    }),
    ...rows('1 key, 1,000 ops, 10 processes: a stale read planted', invalid),
  ]
}

async function concurrency(quick: boolean, log: (line: string) => void): Promise<BenchRow[]> {
  const out: BenchRow[] = []
  for (const processes of quick ? [2, 10, 50] : [2, 5, 10, 20, 50, 100, 200]) {
    const withCas = simulateRegister({ ops: 1000, keys: 1, processes, seed: processes })
    const plain = simulateRegister({ ops: 1000, keys: 1, processes, seed: processes, casFraction: 0 })
    const search = await measure(checkLinearizable, withCas, 3)
    const zones = await measure(checkLinearizable, plain, 3)
    const sequential = await measure(checkSequential, withCas, 3)
    log(
      `${processes} processes on 1 key: search ${search.wallMs.toFixed(1)} ms, zones ${zones.wallMs.toFixed(1)} ms, sequential ${sequential.wallMs.toFixed(1)} ms`,
    )
    out.push(
      ...rows(`1 key, 1,000 ops, ${processes} processes: linearizable, search (20% cas)`, search),
      ...rows(`1 key, 1,000 ops, ${processes} processes: linearizable, zones (reads, writes)`, zones),
      ...rows(`1 key, 1,000 ops, ${processes} processes: sequential (20% cas)`, sequential),
    )
  }
  return out
}

/**
 * The search's worst case: `writers` concurrent writes, then two reads no order explains
 * (a concurrent delete keeps the zones out, and no anomaly pattern fits): the search must
 * try every order of the writes before it says invalid, so its steps grow exponentially.
 */
function worstCase(quick: boolean, log: (line: string) => void): BenchRow[] {
  const out: BenchRow[] = []
  for (const writers of quick ? [8, 12] : [8, 12, 16]) {
    const ops: RegisterOp[] = []
    const at = (process: number, f: RegisterOp['f'], value: unknown, invoke: number, complete: number) =>
      ops.push({ index: ops.length, process, type: 'ok', f, key: 'hot', value, invoke, complete })
    for (let p = 0; p < writers; p++) at(p, 'put', `v${p}`, 0, 100)
    at(writers, 'delete', null, 0, 100)
    at(writers + 1, 'get', ['v0'], 200, 210)
    at(writers + 1, 'get', ['v1'], 220, 230)
    const h = registerHistories(ops)
    const cpuStart = process.cpuUsage()
    const start = performance.now()
    const outcome = checkKey('linearizable', keyOps(h, 0, h.keyStart[1], h.values[0].length), {
      ...DEFAULT_BUDGET,
      ms: 120_000,
      steps: 1e9,
    })
    const wallMs = performance.now() - start
    const used = process.cpuUsage(cpuStart)
    log(
      `worst case, ${writers} concurrent writers: ${outcome.verdict} after ${outcome.steps.toLocaleString('en-US')} steps, ${wallMs.toFixed(0)} ms`,
    )
    const subject = `search worst case: ${writers} concurrent writers, no order fits`
    out.push(...rows(subject, { wallMs, cpuMs: (used.user + used.system) / 1000 }), {
      benchmark: 'models',
      subject,
      metric: 'search steps',
      value: outcome.steps,
      unit: 'steps',
    })
  }
  return out
}

async function big(ops: number, keys: number, log: (line: string) => void): Promise<BenchRow[]> {
  const name = `${ops.toLocaleString('en-US')} ops, ${keys.toLocaleString('en-US')} keys, 100 processes`
  const memory = await child(['memory', String(ops), String(keys), '100', 'linearizable', 'auto'])
  const dir = await mkdtemp(join(tmpdir(), 'quorumlab-models-bench-'))
  try {
    const file = join(dir, 'history.jsonl')
    const records = simulateRegister({ ops, keys, processes: 100, seed: 1 })
    await writeFile(file, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`)
    const fromFile = await child(['file', file, 'linearizable', 'auto'])
    const checker = memory.read.seconds + memory.check.seconds
    const checkerCpu = memory.read.cpuSeconds + memory.check.cpuSeconds
    const command = fromFile.read.seconds + fromFile.check.seconds
    log(
      `${name}: checker on records ${checker.toFixed(2)} s (${checkerCpu.toFixed(2)} s CPU; build ${memory.read.seconds.toFixed(2)} s, check ${memory.check.seconds.toFixed(2)} s), ` +
        `peak ${memory.peakRssMiB.toFixed(0)} MiB with the records; from the file ${command.toFixed(2)} s ` +
        `(${(fromFile.read.cpuSeconds + fromFile.check.cpuSeconds).toFixed(2)} s CPU), peak ${fromFile.peakRssMiB.toFixed(0)} MiB; keys ${JSON.stringify(fromFile.keys)}`,
    )
    const target = ops >= 1_000_000 ? { target: { text: `< ${BIG_TARGET_S} s for 1M ops over 10k keys`, met: checker < BIG_TARGET_S } } : {}
    return [
      { benchmark: 'models', subject: `${name}: checker on records`, metric: 'time', value: checker, unit: 's', ...target },
      { benchmark: 'models', subject: `${name}: checker on records`, metric: 'CPU time, all threads', value: checkerCpu, unit: 's' },
      { benchmark: 'models', subject: `${name}: quorumlab check on the file`, metric: 'time', value: command, unit: 's' },
      {
        benchmark: 'models',
        subject: `${name}: quorumlab check on the file`,
        metric: 'CPU time, all threads',
        value: fromFile.read.cpuSeconds + fromFile.check.cpuSeconds,
        unit: 's',
      },
      { benchmark: 'models', subject: `${name}: quorumlab check on the file`, metric: 'peak RSS', value: fromFile.peakRssMiB, unit: 'MiB' },
    ]
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export const benchmark: Benchmark = {
  name: 'models',
  description: 'linearizability checker on generated register histories: a hot key, concurrency per key, 100k and 1M ops',
  async run({ quick, log }) {
    log(`load average ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`)
    const out = [...(await hotKey(log)), ...(await concurrency(quick, log)), ...worstCase(quick, log), ...(await big(100_000, 1_000, log))]
    if (!quick) out.push(...(await big(1_000_000, 10_000, log)))
    log(`load average ${loadavg()[0].toFixed(2)} at the end`)
    return out
  },
}
