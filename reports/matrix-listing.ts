/**
 * What the runs server shows of a matrix folder: read from its matrix.json, checked field
 * by field (the file is on disk, so it may be anything), down to its cells and their runs.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MATRIX_FILE } from './matrix-data.ts'

export type MatrixListing = {
  name: string
  startedAt: string
  exitCode: number
  repeat: number
  axes: string[]
  cells: {
    id: string
    config: Record<string, string>
    status: string
    runs: { repeat: number; status: string; folder: string | null; report: string | null }[]
  }[]
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const isString = (value: unknown): value is string => typeof value === 'string'
const isText = (value: unknown): value is Record<string, string> => isObject(value) && Object.values(value).every(isString)

function runOf(value: unknown): MatrixListing['cells'][number]['runs'][number] | undefined {
  if (!isObject(value) || typeof value.repeat !== 'number' || !isString(value.status)) return undefined
  const { folder, report } = value
  if ((folder !== null && !isString(folder)) || (report !== null && !isString(report))) return undefined
  return { repeat: value.repeat, status: value.status, folder, report }
}

function cellOf(value: unknown): MatrixListing['cells'][number] | undefined {
  if (!isObject(value) || !isString(value.id) || !isText(value.config) || !isString(value.status) || !Array.isArray(value.runs)) {
    return undefined
  }
  const runs = value.runs.map(runOf)
  if (runs.some((r) => !r)) return undefined
  return { id: value.id, config: value.config, status: value.status, runs: runs as MatrixListing['cells'][number]['runs'] }
}

/** The listing of a parsed matrix.json; a string saying what is wrong when it does not have the shape the matrix writes. */
export function matrixListing(parsed: unknown): MatrixListing | string {
  if (!isObject(parsed) || parsed.format !== 1) return 'matrix.json is not of format 1'
  const { name, startedAt, exitCode, repeat, axes } = parsed
  if (!isString(name) || !isString(startedAt) || typeof exitCode !== 'number' || typeof repeat !== 'number' || !Array.isArray(axes)) {
    return 'matrix.json lacks its name, start, exit code, repeat or axes'
  }
  const axisNames = axes.map((a) => (isObject(a) && isString(a.name) ? a.name : undefined))
  const cells = Array.isArray(parsed.cells) ? parsed.cells.map(cellOf) : [undefined]
  if (axisNames.some((a) => a === undefined) || cells.some((c) => !c)) return 'matrix.json has a malformed axis or cell'
  return { name, startedAt, exitCode, repeat, axes: axisNames as string[], cells: cells as MatrixListing['cells'] }
}

/** The matrix in folder `path`, null when the folder is no matrix, or a string saying why its matrix.json cannot be read. */
export async function readMatrixListing(path: string): Promise<MatrixListing | string | null> {
  let text: string
  try {
    text = await readFile(join(path, MATRIX_FILE), 'utf8')
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? null : `matrix.json unreadable: ${(error as Error).message}`
  }
  try {
    return matrixListing(JSON.parse(text))
  } catch (error) {
    return `matrix.json unreadable: ${(error as Error).message}`
  }
}
