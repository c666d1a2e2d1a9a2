/** Test helper: writes a built history to a temp run folder and analyses it. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { analyseHistory, type Analysis } from '../analysis.ts'
import type { HistoryBuilder } from './history-builder.ts'

/** A fresh temp folder; `remove` deletes it (call it from a test's cleanup). */
export async function tempDir(prefix = 'quorumlab-reports-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}

/** Analyses the builder's history in this thread; the temp folder is removed afterwards. */
export async function analyseBuilt(history: HistoryBuilder): Promise<Analysis> {
  const { dir, remove } = await tempDir()
  try {
    await history.writeRun(dir)
    return await analyseHistory(join(dir, 'history.jsonl'), { workers: 0 })
  } finally {
    await remove()
  }
}

/** The op-table rows of the given ops' indexes, for reading results by op. */
export function readIndexOf(analysis: Analysis, opIndex: number): number {
  const { table, ranks } = analysis
  for (let i = 0; i < ranks.reads.length; i++) if (table.index[ranks.reads[i]] === opIndex) return i
  throw new Error(`op #${opIndex} is not an analysed read`)
}
