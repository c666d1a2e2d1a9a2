/**
 * Whether a folder holds a quorumlab run, checked before anything is written into it: a
 * typo (`report runs/nope`) or another folder (`report ~/Downloads`) must be refused, not
 * analysed into a report of nothing.
 */
import { open, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { HISTORY_FILE } from '../common/contracts/history.ts'

/** Bytes read to find the history's first line (a run record is well under this). */
const FIRST_LINE_BYTES = 64 * 1024

/** Why `dir` is not a run folder, in words naming it; undefined when it is one. */
export async function notARunFolder(dir: string): Promise<string | undefined> {
  const info = await stat(dir).catch(() => undefined)
  if (!info) return `${dir}: no such folder`
  if (!info.isDirectory()) return `${dir}: not a folder (give the run folder that holds ${HISTORY_FILE})`
  const path = join(dir, HISTORY_FILE)
  const file = await open(path).catch(() => undefined)
  if (!file) return `${dir} is not a run folder: it has no ${HISTORY_FILE}`
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(FIRST_LINE_BYTES), 0, FIRST_LINE_BYTES, 0)
    const first = buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0]
    if (first.trim() === '') return `${dir}: its ${HISTORY_FILE} is empty, nothing to analyse`
    let record: unknown
    try {
      record = JSON.parse(first)
    } catch {
      record = undefined
    }
    if ((record as { process?: unknown } | undefined)?.process !== 'harness') {
      return `${dir} is not a quorumlab run: its ${HISTORY_FILE} does not start with a harness record`
    }
    return undefined
  } finally {
    await file.close()
  }
}
