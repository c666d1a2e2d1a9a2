/**
 * Matrix axes: `--vary FLAG=v1,v2,...` over any flag of `quorumlab workload`, read with
 * that command's own flag definitions and value parsers, so a flag added to `workload` is
 * an axis with no change here. Also each cell's flags (the base flags with the cell's axis
 * values) and how a cell's settings read back as flags.
 */
import { InvalidArgumentError, type Option } from 'commander'
import type { MatrixAxis, MatrixSetting } from '../../reports/index.ts'
import { UsageError } from './command.ts'
import { workloadCommand } from './workload-command.ts'

/** A workload flag as an axis sees it. */
export type AxisFlag = {
  /** The axis name: the flag without dashes, `read-repair` for `--no-read-repair`. */
  name: string
  /** The key of its value in parsed flags. */
  attribute: string
  option: Option
}

/** A parsed axis: what the user typed, and each value as the flag's parser read it. */
export type Axis = MatrixAxis & { attribute: string; parsed: unknown[] }

/** Flags that say where and how results are shown, not what runs: never an axis. */
const NOT_AXES: Record<string, string> = {
  seed: 'the seed is not an axis: --repeat N runs every cell N times, with seeds derived from --seed',
  out: 'where the results go is not an axis',
  progress: 'the progress line is not an axis',
}

const SWITCH_VALUES: Record<string, boolean> = { on: true, off: false, true: true, false: false, yes: true, no: false }

const kebab = (attribute: string): string => attribute.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/** Every flag of `quorumlab workload`, by axis name, in the order `--help` lists them. */
export function workloadFlagTable(): Map<string, AxisFlag> {
  const table = new Map<string, AxisFlag>()
  for (const option of workloadCommand().options) {
    const attribute = option.attributeName()
    const name = option.negate ? kebab(attribute) : option.name()
    table.set(name, { name, attribute, option })
  }
  return table
}

/** The values a flag takes, when its definition lists them (choice flags). */
export function choicesOf(flag: AxisFlag): readonly string[] | undefined {
  const parser = flag.option.parseArg as { choices?: readonly string[] } | undefined
  return flag.option.argChoices ?? parser?.choices
}

const isSwitch = (flag: AxisFlag): boolean => flag.option.negate || flag.option.isBoolean()

/** One value of an axis, read as the flag's parser reads it on the command line. */
function parseValue(flag: AxisFlag, raw: string): unknown {
  const where = `--vary ${flag.name}`
  if (isSwitch(flag)) {
    const value = SWITCH_VALUES[raw.toLowerCase()]
    if (value === undefined) throw new UsageError(`${where}: ${flag.option.long} is a switch; expected on or off, got "${raw}"`)
    return value
  }
  if (!flag.option.parseArg) return raw
  try {
    return flag.option.parseArg(raw, flag.option.defaultValue)
  } catch (error) {
    if (error instanceof InvalidArgumentError)
      throw new UsageError(`${where}: "${raw}" is not a value of ${flag.option.long}: ${error.message}`)
    throw error
  }
}

/** `FLAG=v1,v2,...` read against the workload flags; every problem is a {@link UsageError} naming the flag. */
export function parseAxis(spec: string, table: ReadonlyMap<string, AxisFlag>): Axis {
  const eq = spec.indexOf('=')
  if (eq <= 0) throw new UsageError(`--vary "${spec}": expected FLAG=v1,v2,... (e.g. r=1,2,3 or nemesis=none,partition)`)
  const name = spec.slice(0, eq).trim().replace(/^--/, '')
  if (NOT_AXES[name]) throw new UsageError(`--vary ${name}: ${NOT_AXES[name]}`)
  const flag = table.get(name)
  if (!flag) {
    const positive = name.startsWith('no-') && table.get(name.slice(3))
    const hint = positive
      ? `; vary ${positive.name}=on,off instead`
      : `; axes are flags of quorumlab workload: ${[...table.keys()].filter((n) => !NOT_AXES[n]).join(', ')}`
    throw new UsageError(`--vary ${name}: quorumlab workload has no flag --${name}${hint}`)
  }
  const values = spec
    .slice(eq + 1)
    .split(',')
    .map((v) => v.trim())
  if (values.some((v) => v === '')) throw new UsageError(`--vary ${name}: an empty value in "${spec.slice(eq + 1)}"; give v1,v2,...`)
  const twice = values.find((v, i) => values.indexOf(v) !== i)
  if (twice !== undefined) throw new UsageError(`--vary ${name}: "${twice}" is given twice`)
  const flagText = isSwitch(flag) ? `--${flag.name}` : (flag.option.long ?? `--${name}`)
  return { name: flag.name, flag: flagText, values, attribute: flag.attribute, parsed: values.map((v) => parseValue(flag, v)) }
}

/** A parsed flag value as it would be typed: `on`/`off` for switches, '' when unset. */
function typed(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'boolean') return value ? 'on' : 'off'
  return Array.isArray(value) ? value.join(',') : String(value)
}

/** The flags of one cell: `base` with each axis set to the cell's value. */
export function cellFlags<F extends Record<string, unknown>>(base: F, axes: readonly Axis[], config: Record<string, string>): F {
  const flags: Record<string, unknown> = { ...base }
  for (const axis of axes) flags[axis.attribute] = axis.parsed[axis.values.indexOf(config[axis.name])]
  return flags as F
}

/** The flags a cell's settings list: the axes' first, in their order, then every other but those that are never axes. */
function settingFlags(axes: readonly Axis[], table: ReadonlyMap<string, AxisFlag>): AxisFlag[] {
  const varied = new Set(axes.map((a) => a.name))
  const rest = [...table.values()].filter((f) => !NOT_AXES[f.name] && !varied.has(f.name))
  return [...axes.flatMap((a) => table.get(a.name) ?? []), ...rest]
}

const settingOf = (flag: AxisFlag, flags: Record<string, unknown>): MatrixSetting => ({
  flag: isSwitch(flag) ? `--${flag.name}` : (flag.option.long ?? flag.name),
  value: typed(flags[flag.attribute]),
})

/** Every workload flag (but the ones that are never axes) with its value in `flags`, the axes' first. */
export function settingsOf(flags: Record<string, unknown>, axes: readonly Axis[], table: ReadonlyMap<string, AxisFlag>): MatrixSetting[] {
  return settingFlags(axes, table).map((f) => settingOf(f, flags))
}

/** The flags no axis varies, with their value in `flags` and whether the user typed them. */
export function fixedSettingsOf(
  flags: Record<string, unknown>,
  axes: readonly Axis[],
  table: ReadonlyMap<string, AxisFlag>,
  explicit: (attribute: string) => boolean,
): (MatrixSetting & { explicit: boolean })[] {
  return settingFlags(axes, table)
    .slice(axes.length)
    .map((f) => ({ ...settingOf(f, flags), explicit: explicit(f.attribute) }))
}
