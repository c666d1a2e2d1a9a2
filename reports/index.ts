/**
 * The reports package: analyses of a recorded `history.jsonl` (staleness, t-visibility,
 * lost writes, session guarantees, consistency models, latency, availability, convergence), the CSV files,
 * `summary.json`, the self-contained `index.html`, the scenario matrix summary, and the
 * server that browses runs. This is what the rest of quorumlab uses of it.
 */
export { reportRun, type ReportOptions, type RunReport } from './report-run.ts'
export { writeKeyTimeline } from './key-timeline.ts'
export { writeMatrix } from './matrix.ts'
export { MATRIX_COLUMNS, type MatrixCell, type MatrixRow } from './matrix-rows.ts'
export { serveRuns, type ServeOptions, type RunsServer } from './server.ts'
