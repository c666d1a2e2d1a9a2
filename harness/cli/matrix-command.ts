/** `quorumlab matrix`: every workload under every nemesis, and a summary comparing the cells. */
import { join } from 'node:path'
import type { Command } from 'commander'
import { runMatrix } from '../run/matrix.ts'
import { randomSeed } from '../../common/helpers/random.ts'
import { defineCommand, UsageError } from './command.ts'
import { addRunFlags, interruptOnSignals, parseNemeses, runOptionsFrom, workloadFrom, type RunFlags } from './run-flags.ts'
import { addStoreChoiceFlags, storeAdapterFrom, type StoreFlags } from './store-choice.ts'

type Flags = RunFlags & StoreFlags & { workloads: string; nemeses: string }

export function matrixCommand() {
  const command = defineCommand('matrix', 'run every workload under every nemesis and compare the cells side by side')
    .option('--workloads <list>', 'comma list of presets or workload files', 'distributed,clustered')
    .option(
      '--nemeses <list>',
      'comma list of cells: none, a nemesis, or nemeses joined with + (latency+crash)',
      'none,latency,drop,crash,partition',
    )
  addStoreChoiceFlags(command)
  return addRunFlags(command).action(async (flags: Flags, parsed: Command) => {
    const names = flags.workloads
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    if (names.length === 0) throw new UsageError('--workloads: give at least one workload')
    const workloads = await Promise.all(names.map((name) => workloadFrom(name, flags)))
    const cells = flags.nemeses
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    if (cells.length === 0) throw new UsageError('--nemeses: give at least one cell (none for no faults)')
    const nemeses = cells.map((cell) => parseNemeses(cell, '--nemeses'))
    const store = await storeAdapterFrom(flags, parsed, {
      nodes: flags.nodes,
      nemeses: [...new Set(nemeses.flat())],
      workloads,
      routing: flags.routing,
    })
    // One seed for every cell, so cells differ only by workload and nemesis.
    const seed = flags.seed ?? randomSeed()
    const interrupt = interruptOnSignals()
    const result = await runMatrix({
      workloads,
      nemeses,
      runOptions: (workload, set, out) => runOptionsFrom(flags, { workload, nemeses: set, store, out, seed }),
      out: flags.out,
      signal: interrupt.signal,
      log: (line) => process.stderr.write(`${line}\n`),
    })
    interrupt.release()
    const failed = result.rows.filter((r) => r.exitCode !== 0)
    console.log(`matrix of ${result.rows.length} cells (seed ${seed}): ${join(result.dir, 'index.html')} and matrix.csv`)
    if (failed.length > 0)
      console.log(`cells not passing: ${failed.map((r) => `${r.workload}/${r.nemesis} (exit ${r.exitCode ?? '?'})`).join(', ')}`)
    process.exitCode = !result.completed ? 2 : failed.some((r) => r.exitCode === 1) ? 1 : failed.length > 0 ? 2 : 0
  })
}
