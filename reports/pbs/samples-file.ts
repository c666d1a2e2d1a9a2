/**
 * Reads measured latencies for `empirical(FILE)`: numbers in ms, separated by commas,
 * spaces or new lines (one column of a CSV, or a plain list). Blank lines and lines
 * starting with `#` are skipped, and a first line holding a letter is taken as a header.
 */
import { readFileSync } from 'node:fs'

/** The samples in `text`; `source` names the file in errors ("x.csv line 3: ..."). */
export function parseSamples(text: string, source: string): number[] {
  const samples: number[] = []
  const lines = text.split(/\r?\n/)
  const header = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'))
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    // A letter other than an exponent's e: a column name, not a number.
    if (i === header && /[a-df-z_]/i.test(line)) continue
    for (const field of line.split(/[\s,;]+/).filter(Boolean)) {
      const value = Number(field)
      if (!Number.isFinite(value)) throw new Error(`${source} line ${i + 1}: "${field}" is not a number (latencies in ms)`)
      if (value < 0) throw new Error(`${source} line ${i + 1}: ${field} is negative (latencies are >= 0 ms)`)
      samples.push(value)
    }
  }
  if (samples.length === 0) throw new Error(`${source}: no samples (expected numbers in ms, one per line or comma-separated)`)
  return samples
}

/** The samples of the file at `path`; a file that cannot be read gets its reason in words. */
export function readSamplesFile(path: string): number[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, expected a file' : (error as Error).message
    throw new Error(`cannot read samples from ${path}: ${why}`)
  }
  return parseSamples(text, path)
}
