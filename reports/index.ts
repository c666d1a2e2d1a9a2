/**
 * The reports package: analyses of a recorded `history.jsonl` (staleness, t-visibility,
 * lost writes, session guarantees, latency, availability, convergence), the CSV files,
 * `summary.json`, the self-contained `index.html`, and the server that browses runs.
 */
export { reportRun, HISTORY_FILE, type ReportOptions, type RunReport } from './report-run.ts'
export { analyseHistory, type Analysis, type AnalysisOptions, type HistoryFacts } from './analysis.ts'
export { promisedGuarantees, decideVerdict, GUARANTEES, type Guarantee, type GuaranteeResult, type GuaranteeStatus, type ExitCode, type Promised, type Verdict } from './verdict.ts'
export { SESSION_GUARANTEES, type SessionGuarantee } from './sessions.ts'
export type { RunSummary } from './summary.ts'
export type { ResolvedExample, ExampleOp } from './examples.ts'
export { CSV_FILES } from './csv.ts'
export { createRunsApp, serveRuns, listRuns, type RunListing, type ServeOptions, type RunsServer } from './server.ts'
