/**
 * `quorumlab matrix`: the cross product of axes over any `workload` flag (`--vary`,
 * `--preset`, the `--workloads`/`--nemeses` shorthands), each cell run `--repeat` times,
 * and the comparison (matrix.json, matrix.csv, the page, a table in the terminal). Every
 * cell is checked as `workload` checks its flags before anything runs; `--dry-run` lists
 * the cells and the estimated time.
 */
import { join } from 'node:path'
import type { Command } from 'commander'
import { randomSeed } from '../../common/helpers/random.ts'
import { matrixTable, type MatrixPlan } from '../../reports/index.ts'
import { cellId, crossProduct, repeatSeed } from '../run/matrix-cells.ts'
import { runMatrix, type MatrixCellRun } from '../run/matrix.ts'
import { choiceOption, defineCommand, integerOption, UsageError } from './command.ts'
import { cellFlags, fixedSettingsOf, parseAxis, settingsOf, workloadFlagTable, type Axis, type AxisFlag } from './matrix-axes.ts'
import { MATRIX_PRESETS, presetPlan, type MatrixPreset } from './matrix-presets.ts'
import { interruptOnSignals } from './run-flags.ts'
import { addWorkloadFlags, prepareWorkloadRun, type WorkloadFlags } from './workload-command.ts'

type Flags = WorkloadFlags & {
  vary: string[]
  preset?: MatrixPreset
  repeat: number
  workloads?: string
  nemeses?: string
  dryRun: boolean
  skipInvalid: boolean
}

/**
 * The classic matrix, when nothing is varied: every workload preset, as registers and as
 * sets (the set kind alone shows some losses: an element lost stays lost, where a register
 * rewritten by read-modify-write hides it), under each nemesis alone.
 */
const CLASSIC = { workload: 'distributed,clustered', kind: 'register,set', nemesis: 'none,latency,drop,crash,partition' }

/**
 * What a run costs besides its warm-up and measured time: starting the cluster, healing and
 * converging, the final reads and the analysis. About this on a 2-core machine for short
 * runs; more when replicas take long to converge.
 */
const RUN_OVERHEAD_S = 6

const collect = (value: string, previous: string[]): string[] => [...previous, value]

export function matrixCommand() {
  const command = defineCommand(
    'matrix',
    'run every combination of the varied workload flags (each --repeat times) and compare them: matrix.json, matrix.csv, index.html',
  )
    .option(
      '--vary <flag=values>',
      'an axis: a flag of quorumlab workload and its values, e.g. r=1,2,3, nemesis=none,partition (repeatable)',
      collect,
      [],
    )
    .option('--preset <name>', `axes for a common question: ${MATRIX_PRESETS.join(' | ')}`, choiceOption(MATRIX_PRESETS))
    .option('--repeat <count>', 'runs per cell; repeat k runs with seed --seed + k - 1', integerOption(1, 1000), 1)
    .option('--workloads <list>', 'shorthand for --vary workload=<list>')
    .option('--nemeses <list>', 'shorthand for --vary nemesis=<list> (+ joins nemeses in one cell: latency+crash)')
    .option('--dry-run', 'list the cells and the estimated time; run nothing', false)
    .option('--skip-invalid', 'when some cells are invalid together (e.g. r > n), run the others', false)
  command.addHelpText(
    'after',
    `\nEvery other flag is a flag of quorumlab workload: fixed for every cell, or an axis with --vary.\nWith no axis at all: --workloads ${CLASSIC.workload} --nemeses ${CLASSIC.nemesis}.`,
  )
  return addWorkloadFlags(command).action(async (flags: Flags, self: Command) => {
    const table = workloadFlagTable()
    const explicit = (attribute: string): boolean => self.getOptionValueSource(attribute) === 'cli'
    const { axes, base } = matrixAxes(flags, explicit, table)
    const seed = flags.seed ?? randomSeed()
    // A flag set on the command line or varied is the user's: a store that has no such setting refuses it.
    const given = (attribute: string): boolean => explicit(attribute) || axes.some((a) => a.attribute === attribute)
    const { cells, skipped } = await checkCells(base, axes, table, given)
    if (flags.dryRun) printPlan(cells, skipped, flags.repeat, seed)
    if (skipped.length > 0 && (!flags.skipInvalid || cells.length === 0)) throw invalidCells(skipped, cells.length)
    if (flags.dryRun) return
    const interrupt = interruptOnSignals()
    const result = await runMatrix({
      cells,
      repeat: flags.repeat,
      seed,
      axes: axes.map(({ name, flag, values }) => ({ name, flag, values })),
      fixed: fixedSettingsOf(base, axes, table, explicit),
      skipped,
      command: ['quorumlab', ...process.argv.slice(2)].map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' '),
      out: flags.out,
      signal: interrupt.signal,
      log: (line) => process.stderr.write(`${line}\n`),
    })
    interrupt.release()
    console.log(matrixTable(result.data).join('\n'))
    console.log(
      `matrix of ${plural(cells.length, 'cell')} x ${plural(flags.repeat, 'repeat')} (seed ${seed}): ${join(result.dir, 'index.html')}, matrix.csv, matrix.json`,
    )
    process.exitCode = result.data.exitCode
  })
}

/**
 * The axes (preset, then shorthands and `--vary`, a later axis of the same name replacing
 * a preset's) and the base flags (with the preset's defaults). An axis over a flag also set
 * on the command line, or the same axis given twice, is a {@link UsageError}.
 */
function matrixAxes(flags: Flags, explicit: (attribute: string) => boolean, table: Map<string, AxisFlag>): { axes: Axis[]; base: Flags } {
  const preset = flags.preset ? presetPlan(flags.preset, { n: flags.n as number, table }) : { vary: [], defaults: {} }
  const typed = [
    ...(flags.workloads ? [`workload=${flags.workloads}`] : []),
    ...(flags.nemeses ? [`nemesis=${flags.nemeses}`] : []),
    ...flags.vary,
  ].map((spec) => parseAxis(spec, table))
  for (const [i, axis] of typed.entries()) {
    if (typed.findIndex((a) => a.name === axis.name) !== i) throw new UsageError(`--vary ${axis.name}: the axis is given twice`)
  }
  let axes = preset.vary.map((spec) => parseAxis(spec, table)).filter((a) => !typed.some((t) => t.name === a.name))
  axes = [...axes, ...typed]
  if (axes.length === 0) {
    axes = Object.entries(CLASSIC)
      .filter(([name]) => !explicit(table.get(name)!.attribute))
      .map(([name, values]) => parseAxis(`${name}=${values}`, table))
  }
  for (const axis of axes) {
    if (explicit(axis.attribute)) throw new UsageError(`${axis.flag} is set and varied (--vary ${axis.name}): give one or the other`)
  }
  const base: Flags = { ...flags }
  for (const [name, value] of Object.entries(preset.defaults)) {
    const flag = table.get(name)!
    if (!explicit(flag.attribute) && !axes.some((a) => a.name === name)) {
      Object.assign(base, { [flag.attribute]: parseAxis(`${name}=${value}`, table).parsed[0] })
    }
  }
  return { axes, base }
}

type Skipped = MatrixPlan['skipped']

/** Every cell of the cross product checked as `workload` checks its flags: the valid ones with their runs, the others with why. */
async function checkCells(
  base: Flags,
  axes: Axis[],
  table: Map<string, AxisFlag>,
  given: (attribute: string) => boolean,
): Promise<{ cells: MatrixCellRun[]; skipped: Skipped }> {
  const valid: Omit<MatrixCellRun, 'id'>[] = []
  const skipped: Skipped = []
  for (const config of crossProduct(axes)) {
    const flags = cellFlags(base, axes, config)
    try {
      valid.push({ config, settings: settingsOf(flags, axes, table), options: await prepareWorkloadRun(flags, given) })
    } catch (error) {
      if (!(error instanceof UsageError)) throw error
      skipped.push({ config, reason: error.message.replace(/\n\s*/g, '; ') })
    }
  }
  return { cells: valid.map((cell, i) => ({ id: cellId(i, valid.length), ...cell })), skipped }
}

const describe = (config: Record<string, string>): string =>
  Object.entries(config)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ') || '(the one cell)'

function invalidCells(skipped: Skipped, valid: number): UsageError {
  const lines = skipped.map((s) => `  ${describe(s.config)}: ${s.reason}`)
  const advice = valid > 0 ? `fix the axes, or pass --skip-invalid to run the ${valid} valid cells` : 'no cell is valid: fix the axes'
  return new UsageError(`${skipped.length} of ${skipped.length + valid} cells are invalid:\n${lines.join('\n')}\n${advice}`)
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`

/** `1 h 05 min`, `12 min 30 s`, `45 s`. */
export function duration(seconds: number): string {
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${String(s % 60).padStart(2, '0')} s` : ''}`
  return `${Math.floor(s / 3600)} h ${String(Math.round((s % 3600) / 60)).padStart(2, '0')} min`
}

/** `--dry-run`: the cells, the skipped ones, and the estimated time. */
function printPlan(cells: MatrixCellRun[], skipped: Skipped, repeat: number, seed: number): void {
  const perRun = (cell: MatrixCellRun) => cell.options.warmupS + cell.options.timeS + RUN_OVERHEAD_S
  const total = cells.reduce((sum, cell) => sum + perRun(cell), 0) * repeat
  const lines = [
    ...cells.map((c) => `${c.id}  ${describe(c.config)}`),
    ...skipped.map((s) => `skip ${describe(s.config)}: ${s.reason}`),
    `${plural(cells.length, 'cell')} x ${plural(repeat, 'repeat')} = ${plural(cells.length * repeat, 'run')}, ${repeat === 1 ? `seed ${seed}` : `seeds ${seed} to ${repeatSeed(seed, repeat)}`}`,
    `estimated time: about ${duration(total)} (each run: its warm-up and --time, plus about ${RUN_OVERHEAD_S} s to start, converge, read back and analyse)`,
  ]
  console.log(lines.join('\n'))
}
