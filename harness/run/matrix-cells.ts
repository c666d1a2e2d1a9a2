/**
 * The arithmetic of a scenario matrix: the cells (the cross product of the axes' values),
 * their ids and run folder names, and the seed of each repeat.
 */

export type AxisValues = { name: string; values: readonly string[] }

/**
 * Every combination of the axes' values, as nested loops with the first axis outermost:
 * `r=1,2` × `w=1,2` gives r=1 w=1, r=1 w=2, r=2 w=1, r=2 w=2. No axes: one empty cell.
 */
export function crossProduct(axes: readonly AxisValues[]): Record<string, string>[] {
  let cells: Record<string, string>[] = [{}]
  for (const axis of axes) cells = cells.flatMap((cell) => axis.values.map((value) => ({ ...cell, [axis.name]: value })))
  return cells
}

/** Seeds are 31-bit, as `--seed` takes them. */
const SEEDS = 2 ** 31

/**
 * The seed of repeat `repeat` (1-based) of every cell: `seed + repeat − 1`, wrapping to 0
 * past 2^31 − 1. Repeat 1 runs with `--seed` itself, so a one-repeat matrix runs each cell
 * as `quorumlab workload --seed SEED` would; every cell of a repeat shares its seed, so
 * cells differ only by their configuration.
 */
export function repeatSeed(seed: number, repeat: number): number {
  if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`repeat must be an integer from 1, got ${repeat}`)
  return (seed + repeat - 1) % SEEDS
}

/** `c01`, `c02`... (`c001` from 100 cells): ids that sort as they read. */
export function cellId(index: number, cells: number): string {
  return `c${String(index + 1).padStart(Math.max(2, String(cells).length), '0')}`
}

/** A run folder name for repeat `repeat` of a cell: `c03-r=1-w=2-nemesis=partition-rep1`, safe in a path and a URL. */
export function runFolderName(id: string, config: Record<string, string>, repeat: number): string {
  const safe = (text: string): string => text.replace(/[^A-Za-z0-9=+._-]/g, '_')
  const middle = Object.entries(config)
    .map(([name, value]) => safe(`${name}=${value}`))
    .join('-')
    .slice(0, 100)
  return [id, middle, `rep${repeat}`].filter(Boolean).join('-')
}
