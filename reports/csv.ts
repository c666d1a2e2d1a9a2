/**
 * The CSV files of a run, written with csv-writer: `ops.csv` (one row per op),
 * `staleness.csv` (one row per read), `latency.csv`, `visibility.csv`, `timeseries.csv`.
 * Big files are written in batches, so memory stays bounded. Their rows are numbers and
 * names from small sets (keys, nodes, errors): csv-writer quotes each name once, and the
 * rows are assembled as bytes (csv-lines.ts), the same bytes without a string and a
 * per-field check for each field of each row (most of the CPU of writing 1M rows). Columns are documented in the README ("Files of a
 * run"); times in `*_us` are µs since the run started, as in the history, and durations
 * in `*_ms` are ms.
 */
import csvWriter from 'csv-writer/dist/index.js'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { CsvLines, type EncodedField, encodeFields } from './csv-lines.ts'
import type { Analysis } from './analysis.ts'
import { FUNCTIONS, OUTCOMES, PHASES, type OpTable } from './op-table.ts'
import type { StalenessResult } from './staleness.ts'
import type { TaskPool } from './task-pool.ts'
import { taskModule } from './task-bundle.ts'

type Field = string | number | boolean | null | undefined

export const CSV_FILES = ['ops.csv', 'latency.csv', 'staleness.csv', 'visibility.csv', 'timeseries.csv'] as const

const BATCH_ROWS = 20_000

const round = (value: number | null, digits = 6): number | null => (value === null ? null : Number(value.toFixed(digits)))

/** Writes `count` rows of `row(i)` under `header`, a batch at a time. */
async function writeCsv(path: string, header: string[], count: number, row: (i: number) => Field[]): Promise<void> {
  const writer = csvWriter.createArrayCsvWriter({ path, header })
  // The header is written with the first batch, so an empty table still gets one.
  for (let start = 0; start < count || start === 0; start += BATCH_ROWS) {
    const batch: Field[][] = []
    for (let i = start; i < Math.min(count, start + BATCH_ROWS); i++) batch.push(row(i))
    await writer.writeRecords(batch as never)
    if (count === 0) break
  }
}

/** Writes `count` rows under `header`, row i added by `row(lines, i)`, through one buffer. */
async function writeCsvRows(path: string, header: string[], count: number, row: (lines: CsvLines, i: number) => void): Promise<void> {
  const file = await open(path, 'w')
  try {
    await file.write(csvWriter.createArrayCsvStringifier({ header }).getHeaderString() ?? '')
    const lines = new CsvLines(file)
    for (let i = 0; i < count; i++) {
      row(lines, i)
      if (lines.endRow()) await lines.flush()
    }
    await lines.flush()
  } finally {
    await file.close()
  }
}

/** A field's text as csv-writer writes it (quoted only when it holds a comma, a quote or a newline). */
function csvField(stringifier: ReturnType<typeof csvWriter.createArrayCsvStringifier>, value: string): string {
  return stringifier.stringifyRecords([[value]]).slice(0, -1)
}

/** Each name as a CSV field, quoted by csv-writer once per name rather than once per row, and encoded. */
function csvFields(names: readonly string[]): EncodedField[] {
  const stringifier = csvWriter.createArrayCsvStringifier({ header: [] })
  return encodeFields(names.map((name) => csvField(stringifier, name)))
}

export const OPS_COLUMNS = [
  'index',
  'process',
  'type',
  'f',
  'key',
  'node',
  'coordinator',
  'phase',
  'intended_us',
  'invoke_us',
  'complete_us',
  'latency_us',
  'service_us',
  'error',
  'dot',
  'siblings',
]
export const STALENESS_COLUMNS = [
  'index',
  'process',
  'key',
  'node',
  'phase',
  'invoke_us',
  'complete_us',
  'k',
  'acknowledged_before',
  'stale',
  'siblings',
  'latest_write_index',
  'since_latest_us',
  'saw_latest',
]
export const LATENCY_COLUMNS = ['from', 'f', 'outcome', 'phase', 'count', 'mean_ms', 'p50_ms', 'p90_ms', 'p99_ms', 'p999_ms', 'max_ms']
export const VISIBILITY_COLUMNS = ['from_ms', 'to_ms', 'reads', 'saw_latest', 'p_saw_latest']
export const TIMESERIES_COLUMNS = [
  'second',
  'ops',
  'ok',
  'fail',
  'info',
  'p50_ms',
  'p90_ms',
  'p99_ms',
  'max_ms',
  'reads',
  'stale_reads',
  'stale_fraction',
  'mean_k',
  'max_k',
  'nemeses',
]

/** The op table's columns ops.csv and staleness.csv need, as plain data that can cross to a worker. */
export type TableColumns = Pick<
  OpTable,
  | 'length'
  | 'index'
  | 'process'
  | 'type'
  | 'f'
  | 'key'
  | 'node'
  | 'coordinator'
  | 'phase'
  | 'intended'
  | 'invoke'
  | 'complete'
  | 'error'
  | 'dotNode'
  | 'dotCounter'
  | 'siblings'
> & { keys: string[]; nodes: string[]; actors: string[]; errors: string[] }

const tableColumns = (table: OpTable): TableColumns => ({
  length: table.length,
  index: table.index,
  process: table.process,
  type: table.type,
  f: table.f,
  key: table.key,
  node: table.node,
  coordinator: table.coordinator,
  phase: table.phase,
  intended: table.intended,
  invoke: table.invoke,
  complete: table.complete,
  error: table.error,
  dotNode: table.dotNode,
  dotCounter: table.dotCounter,
  siblings: table.siblings,
  keys: table.keys.names,
  nodes: table.nodes.names,
  actors: table.actors.names,
  errors: table.errors.names,
})

/** Writes ops.csv: one row per op, in history order. */
async function writeOpsCsv(path: string, table: TableColumns): Promise<void> {
  const [keys, nodes, errors, outcomes, functions, phases] = [table.keys, table.nodes, table.errors, OUTCOMES, FUNCTIONS, PHASES].map(
    csvFields,
  )
  const stringifier = csvWriter.createArrayCsvStringifier({ header: [] })
  // A dot is `actor:counter`: one field, quoted as a whole only for an actor name that needs it. A plain
  // actor's `actor:` is encoded once, and the counter written after it (no string per row).
  const plainActor = table.actors.map((actor) => csvField(stringifier, actor) === actor)
  const actorPrefix = encodeFields(table.actors.map((actor) => `${actor}:`))
  const dot = (lines: CsvLines, r: number): void => {
    const node = table.dotNode[r]
    if (plainActor[node]) lines.field(actorPrefix[node]).numberInField(table.dotCounter[r])
    else lines.text(csvField(stringifier, `${table.actors[node]}:${table.dotCounter[r]}`))
  }
  await writeCsvRows(path, OPS_COLUMNS, table.length, (lines, r) => {
    const intended = table.intended[r]
    const invoke = table.invoke[r]
    const complete = table.complete[r]
    lines.number(table.index[r]).number(table.process[r]).field(outcomes[table.type[r]]).field(functions[table.f[r]])
    lines.field(keys[table.key[r]]).field(nodes[table.node[r]])
    if (table.coordinator[r] >= 0) lines.field(nodes[table.coordinator[r]])
    else lines.empty()
    lines.field(phases[table.phase[r]]).number(Math.round(intended)).number(Math.round(invoke)).number(Math.round(complete))
    lines.number(Math.round(complete - intended)).number(Math.round(complete - invoke))
    if (table.error[r] >= 0) lines.field(errors[table.error[r]])
    else lines.empty()
    if (table.dotNode[r] >= 0) dot(lines, r)
    else lines.empty()
    if (table.siblings[r] >= 0) lines.number(table.siblings[r])
    else lines.empty()
  })
}

/** Writes staleness.csv: one row per ok read with a context, in history order. */
async function writeStalenessCsv(path: string, table: TableColumns, reads: Int32Array, staleness: StalenessResult): Promise<void> {
  const [keys, nodes, phases] = [table.keys, table.nodes, PHASES].map(csvFields)
  await writeCsvRows(path, STALENESS_COLUMNS, reads.length, (lines, i) => {
    const r = reads[i]
    const k = staleness.k[i]
    lines
      .number(table.index[r])
      .number(table.process[r])
      .field(keys[table.key[r]])
      .field(nodes[table.node[r]])
      .field(phases[table.phase[r]])
    lines.number(Math.round(table.invoke[r])).number(Math.round(table.complete[r]))
    lines
      .number(k)
      .number(staleness.acked[i])
      .number(k > 0 ? 1 : 0)
      .number(table.siblings[r])
    const latest = staleness.latest[i]
    if (latest >= 0) lines.number(table.index[latest]).number(Math.round(staleness.sinceLatest[i])).number(staleness.sawLatest[i])
    else lines.empty().empty().empty()
  })
}

/** A CSV file a worker writes from shared memory. */
export type CsvJob =
  | { file: 'ops.csv'; path: string; columns: TableColumns }
  | { file: 'staleness.csv'; path: string; columns: TableColumns; reads: Int32Array; staleness: StalenessResult }

export function writeCsvJob(job: CsvJob): Promise<void> {
  return job.file === 'ops.csv' ? writeOpsCsv(job.path, job.columns) : writeStalenessCsv(job.path, job.columns, job.reads, job.staleness)
}

/** Below this many rows a file is written in this thread: a worker costs more to start. */
const WORKER_FROM_ROWS = 100_000
const CSV_TASK = taskModule(new URL('./csv-task.ts', import.meta.url))

/**
 * Starts writing ops.csv or staleness.csv: big ones in a worker thread, which reads the
 * columns (in shared memory) without a copy while this thread goes on with the checks.
 */
function startCsv(job: CsvJob, rows: number, pool: TaskPool | undefined): Promise<void> {
  const sharedColumns = job.columns.index.buffer instanceof SharedArrayBuffer
  if (!pool || rows < WORKER_FROM_ROWS || !sharedColumns) return writeCsvJob(job)
  return pool.run<null>(CSV_TASK, job).then(() => undefined)
}

/** Starts writing ops.csv (on `pool` when big; else in this thread). */
export function startOpsCsv(dir: string, table: OpTable, pool?: TaskPool): Promise<void> {
  return startCsv({ file: 'ops.csv', path: join(dir, 'ops.csv'), columns: tableColumns(table) }, table.length, pool)
}

/** Starts writing staleness.csv (on `pool` when big; else in this thread). */
export function startStalenessCsv(
  dir: string,
  table: OpTable,
  reads: Int32Array,
  staleness: StalenessResult,
  pool?: TaskPool,
): Promise<void> {
  return startCsv(
    { file: 'staleness.csv', path: join(dir, 'staleness.csv'), columns: tableColumns(table), reads, staleness },
    reads.length,
    pool,
  )
}

/** Writes the small CSV files (latency, visibility, timeseries) into `dir`. */
export async function writeSummaryCsvFiles(dir: string, analysis: Analysis): Promise<void> {
  const { table } = analysis
  const nodes = table.nodes.names
  const latency = analysis.latency
  await writeCsv(join(dir, 'latency.csv'), LATENCY_COLUMNS, latency.length, (i) => {
    const l = latency[i]
    return [l.from, l.f, l.outcome, l.phase, l.count, round(l.meanMs, 3), l.p50Ms, l.p90Ms, l.p99Ms, l.p999Ms, l.maxMs]
  })
  const buckets = analysis.visibility.buckets
  await writeCsv(join(dir, 'visibility.csv'), VISIBILITY_COLUMNS, buckets.length, (i) => {
    const b = buckets[i]
    return [b.fromMs, b.toMs ?? '', b.reads, b.saw, round(b.probability)]
  })
  const rows = analysis.timeseries.rows
  await writeCsv(join(dir, 'timeseries.csv'), [...TIMESERIES_COLUMNS, ...nodes.map((n) => `ops_${n}`)], rows.length, (i) => {
    const t = rows[i]
    return [
      t.second,
      t.ops,
      t.ok,
      t.fail,
      t.info,
      round(t.p50Ms, 3),
      round(t.p90Ms, 3),
      round(t.p99Ms, 3),
      round(t.maxMs, 3),
      t.reads,
      t.staleReads,
      round(t.staleFraction),
      round(t.meanK),
      t.maxK,
      t.nemeses,
      ...t.perNode,
    ]
  })
}
