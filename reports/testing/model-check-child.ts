/**
 * Child process of the model checkers' benchmark, so the peak RSS it reports is the
 * checker's own. `file PATH MODEL WORKERS`: what `quorumlab check` does (read the file,
 * check every key); `memory OPS KEYS PROCESSES MODEL WORKERS`: simulate a history, then
 * time the checker on its records. Prints one JSON line: seconds and CPU seconds (all
 * threads) of the read (or build) and of the check, peak RSS, the verdict's key counts.
 */
import { checkLinearizable, checkSequential, readHistoryFile, registerHistories } from '../models/index.ts'
import { peakRssMiB } from './peak-rss.ts'
import { simulateRegister } from './register-simulation.ts'

const args = process.argv.slice(2)
const mode = args[0]
const checkers = { linearizable: checkLinearizable, sequential: checkSequential } as const

/** Wall and CPU seconds (every thread) of `run`. */
async function timed<T>(run: () => Promise<T> | T): Promise<{ value: T; seconds: number; cpuSeconds: number }> {
  const cpu = process.cpuUsage()
  const started = performance.now()
  const value = await run()
  const used = process.cpuUsage(cpu)
  return { value, seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6 }
}

let input: Awaited<ReturnType<typeof readHistoryFile>>['histories']
let read: { seconds: number; cpuSeconds: number }
const [model, workers] = mode === 'file' ? args.slice(2) : args.slice(4)
if (mode === 'file') {
  const loaded = await timed(() => readHistoryFile(args[1], { shared: workers !== '0' }))
  input = loaded.value.histories
  read = loaded
} else if (mode === 'memory') {
  const records = simulateRegister({ ops: Number(args[1]), keys: Number(args[2]), processes: Number(args[3]), seed: 1 })
  const built = await timed(() => registerHistories(records, { shared: workers !== '0' }))
  input = built.value
  read = built
} else throw new Error(`usage: model-check-child.ts file PATH MODEL WORKERS | memory OPS KEYS PROCESSES MODEL WORKERS (got ${mode})`)
const checked = await timed(() =>
  checkers[model as keyof typeof checkers](input, { workers: workers === 'auto' ? undefined : Number(workers) }),
)
process.stdout.write(
  `${JSON.stringify({
    read: { seconds: read.seconds, cpuSeconds: read.cpuSeconds },
    check: { seconds: checked.seconds, cpuSeconds: checked.cpuSeconds },
    peakRssMiB: peakRssMiB(),
    keys: checked.value.keys,
  })}\n`,
)
