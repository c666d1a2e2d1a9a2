/**
 * Matrix presets: the questions users come with, as axes (`--vary` specs, read like any
 * other) and flag defaults a preset needs (applied unless the flag is on the command line).
 * A preset names the flags it varies; when this build's `workload` lacks one, it says so.
 */
import { UsageError } from './command.ts'
import { choicesOf, type AxisFlag } from './matrix-axes.ts'

export const MATRIX_PRESETS = ['quorums', 'consistency', 'versioning'] as const
export type MatrixPreset = (typeof MATRIX_PRESETS)[number]

export type PresetPlan = {
  /** `--vary` specs, in order. */
  vary: string[]
  /** Flag values (as typed) the preset needs unless the user set the flag: `{ workload: 'clustered' }`. */
  defaults: Record<string, string>
}

/** The consistency models of DESIGN.md, used when the `--consistency` flag does not list its own choices. */
const CONSISTENCY_MODELS = ['eventual', 'causal', 'sequential', 'linearizable']

const range = (n: number): string => Array.from({ length: n }, (_, i) => String(i + 1)).join(',')

/** The flag a preset needs, or a {@link UsageError} saying this build has no such flag. */
function needFlag(table: ReadonlyMap<string, AxisFlag>, preset: MatrixPreset, name: string): AxisFlag {
  const flag = table.get(name)
  if (!flag) {
    throw new UsageError(
      `--preset ${preset} varies --${name}, which this build's quorumlab workload does not have yet; ` +
        `vary the flags it has (quorumlab workload --help), or use --preset ${MATRIX_PRESETS.filter((p) => p !== preset).join(' or ')}`,
    )
  }
  return flag
}

/**
 * The axes and defaults of a preset. `n` is the cells' replication factor (`--n`): the
 * quorums preset takes R and W over 1..N. The flags come from the workload command's table.
 */
export function presetPlan(preset: MatrixPreset, { n, table }: { n: number; table: ReadonlyMap<string, AxisFlag> }): PresetPlan {
  switch (preset) {
    case 'quorums':
      needFlag(table, preset, 'r')
      needFlag(table, preset, 'w')
      return { vary: [`r=${range(n)}`, `w=${range(n)}`, 'nemesis=partition,crash'], defaults: {} }
    case 'consistency': {
      const models = choicesOf(needFlag(table, preset, 'consistency')) ?? CONSISTENCY_MODELS
      return { vary: [`consistency=${models.join(',')}`, 'nemesis=none,partition,crash'], defaults: {} }
    }
    case 'versioning': {
      const modes = choicesOf(needFlag(table, preset, 'versioning')) ?? ['dvv', 'vv', 'lww']
      const styles = choicesOf(needFlag(table, preset, 'write-style')) ?? ['blind', 'read-modify-write']
      // Lost writes need concurrent writes to one key: a few hot keys on one replica set.
      // Partitions alone: what is lost is then the versioning's doing, not a crash's.
      return {
        vary: [`versioning=${modes.join(',')}`, `write-style=${styles.join(',')}`],
        defaults: { workload: 'clustered', nemesis: 'partition' },
      }
    }
  }
}
