/**
 * The reports package: analyses of a recorded `history.jsonl` (staleness, t-visibility,
 * lost writes, session guarantees, consistency models, latency, availability, convergence), the CSV files,
 * `summary.json`, the self-contained `index.html`, the scenario matrix summary, and the
 * server that browses runs. This is what the rest of quorumlab uses of it.
 */
export { reportRun, type ReportOptions, type RunReport } from './report-run.ts'
export { reportRunAtScale } from './report-process.ts'
export { writeKeyTimeline } from './key-timeline.ts'
export { reportMatrix, writeMatrix, type MatrixReport } from './matrix.ts'
export {
  MATRIX_FILE,
  type MatrixAxis,
  type MatrixCellPlan,
  type MatrixData,
  type MatrixPlan,
  type MatrixRunPlan,
  type MatrixSetting,
} from './matrix-data.ts'
export { matrixTable } from './matrix-table.ts'
export { serveRuns, type ServeOptions, type RunsServer } from './server.ts'
export { CHECK_NAMES } from './promises.ts'
export { notARunFolder } from './run-folder.ts'
export { TableRecorder } from './table-file.ts'
