/**
 * The scenario matrix: every workload under every nemesis, one run folder per cell inside
 * one matrix folder, each analysed, then `matrix.csv` and an `index.html` comparing the
 * cells side by side.
 */
import { mkdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { reportRun, writeMatrix, type MatrixCell, type MatrixRow } from '../../reports/index.ts'
import type { WorkloadSpec } from '../../workloads/workload.ts'
import type { NemesisName } from '../../common/contracts/history.ts'
import { stamp } from './run-folder.ts'
import { runWorkload } from './run.ts'
import type { RunOptions } from './run-options.ts'

export type MatrixOptions = {
  workloads: WorkloadSpec[]
  /** Each entry is one cell's nemeses (`[]` for none). */
  nemeses: NemesisName[][]
  /** The run of one cell. */
  runOptions: (workload: WorkloadSpec, nemeses: NemesisName[], out: string) => RunOptions
  /** Folder that receives the matrix folder. */
  out: string
  signal?: AbortSignal
  log?: (line: string) => void
}

export type MatrixResult = { dir: string; rows: MatrixRow[]; completed: boolean }

export async function runMatrix({ workloads, nemeses, runOptions, out, signal, log = () => {} }: MatrixOptions): Promise<MatrixResult> {
  const dir = join(out, `matrix-${stamp(new Date())}`)
  await mkdir(dir, { recursive: true })
  const cells: MatrixCell[] = []
  const total = workloads.length * nemeses.length
  for (const workload of workloads) {
    for (const set of nemeses) {
      if (signal?.aborted) break
      const nemesis = set.length > 0 ? set.join('+') : 'none'
      log(`cell ${cells.length + 1}/${total}: ${workload.name} under ${nemesis}`)
      const result = await runWorkload(runOptions(workload, set, dir), { signal, log: (line) => log(`  ${line}`) })
      const report = await reportRun(result.dir, { quiet: true })
      const summary = report.kind === 'analysed' ? report.summary : undefined
      log(`  ${summary ? summary.verdict.reason : report.kind === 'unreadable' ? report.reason : 'no summary'}`)
      cells.push({ workload: workload.name, nemesis, run: relative(dir, result.dir), summary })
    }
  }
  const rows = await writeMatrix(dir, cells)
  return { dir, rows, completed: cells.length === total && !signal?.aborted }
}
