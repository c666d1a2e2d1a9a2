/**
 * The one pass over `history.jsonl`: splits the file into line-aligned byte ranges,
 * scans them in parallel worker threads (JSON parsing is most of an analysis' time) and
 * merges the results, in file order, into one op table with one set of interned names.
 */
import { availableParallelism } from 'node:os'
import { open, stat } from 'node:fs/promises'
import type { NemesisRecord, RunInfo } from '../common/contracts/history.ts'
import { Interner, narrowedInts } from './columns.ts'
import { lineBoundaries } from './history-reader.ts'
import type { CompactColumn, OpTable, SmallIntColumn } from './op-table.ts'
import { type ConvergedEvent, type EndEvent, type RangeScan, type ReaderStats, runRecordOf, scanRange, scanSettings } from './range-scan.ts'
import { readTableFile } from './table-file.ts'
import { TaskPool } from './task-pool.ts'
import { taskModule } from './task-bundle.ts'

export type { ConvergedEvent, EndEvent } from './range-scan.ts'

export type ScanOptions = {
  /**
   * Worker threads to parse with; 0 parses in this thread. Default: none for a history
   * under 16 MiB, else the cores, at most 4.
   */
  workers?: number
  /** Threads to run on (default: a pool of `workers` threads, closed after the scan). */
  pool?: TaskPool
}

export type ScannedHistory = {
  path: string
  /** What the ops were read from: the table the run recorded beside its history (`table-file.ts`), or the history itself. */
  source: 'history.table' | 'history.jsonl'
  /** The `run` record's configuration; undefined when the history has none. */
  run: RunInfo | undefined
  table: OpTable
  nemesis: NemesisRecord[]
  converged: ConvergedEvent | undefined
  end: EndEvent | undefined
  /** set workload: per key id, the union of the elements of every ok final read. */
  finalElements: Map<number, Set<string>>
  reader: ReaderStats
  /** The smallest op `intended` or other record `invoke`, and the largest record `complete`, µs since the run started (both 0 when there is none). */
  firstTime: number
  lastTime: number
}

/** The typed-array columns of an op table. */
type PortableColumns = Omit<OpTable, 'length' | 'keys' | 'nodes' | 'actors' | 'errors' | 'elements' | 'badContexts'>

const EMPTY = new Float64Array(0)

/** Below this a history is parsed in this thread: starting workers would cost more. */
const PARALLEL_FROM_BYTES = 16 * 1024 * 1024
const SCAN_TASK = taskModule(new URL('./scan-task.ts', import.meta.url))
/**
 * The young generation of the analysis' threads, a third of V8's default here: a larger one
 * made the scan no faster (CPU of a 1M-op scan 6.8-8.0 s at 16 MiB, 6.8-9.5 s at 48) and
 * stayed resident for the whole analysis (its peak RSS 30-40 MiB higher).
 */
export const WORKER_LIMITS = { maxYoungGenerationSizeMb: 16 }

/** How many threads a history of `bytes` is parsed with (0: this thread). */
export function scanWorkers(bytes: number, workers?: number): number {
  return workers ?? (bytes < PARALLEL_FROM_BYTES ? 0 : Math.min(4, availableParallelism()))
}

export async function scanHistory(path: string, options: ScanOptions = {}): Promise<ScannedHistory> {
  const { size } = await stat(path)
  const recorded = await readTableFile(path, { pool: options.pool })
  if (recorded) {
    // Merged while the table's checksum is computed; a table that fails it is dropped, and the history scanned.
    const merged = mergeScans(path, 'history.table', recorded.ranges)
    if (await recorded.sound) return merged
  }
  const { kind, nodes } = scanSettings(await firstRun(path))
  const workers = scanWorkers(size, options.workers)
  let scans: RangeScan[]
  if (workers <= 1) {
    scans = [await scanRange({ path, start: 0, end: size, kind, nodes })]
  } else {
    const ranges = await lineBoundaries(path, size, workers)
    const pool = options.pool ?? new TaskPool({ size: workers, resourceLimits: WORKER_LIMITS })
    try {
      scans = await Promise.all(ranges.map(([start, end]) => pool.run<RangeScan>(SCAN_TASK, { path, start, end, kind, nodes })))
    } finally {
      if (!options.pool) await pool.close()
    }
  }
  return mergeScans(path, 'history.jsonl', scans)
}

/** The run record, when it is the first line (where the harness writes it). */
async function firstRun(path: string): Promise<RunInfo | undefined> {
  const file = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(256 * 1024)
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0)
    const newline = buffer.subarray(0, bytesRead).indexOf(0x0a)
    return runRecordOf(buffer.toString('utf8', 0, newline >= 0 ? newline : bytesRead))
  } finally {
    await file.close()
  }
}

/** Which ids each column holds (remapped when merging), and what it is counted in. */
type Remap = 'key' | 'node' | 'actor' | 'error' | 'element' | 'pool' | 'versions' | null
const MERGED_COLUMNS: [keyof PortableColumns, 'rows' | 'pool' | 'versions', Remap][] = [
  ['index', 'rows', null],
  ['process', 'rows', null],
  ['type', 'rows', null],
  ['f', 'rows', null],
  ['key', 'rows', 'key'],
  ['node', 'rows', 'node'],
  ['coordinator', 'rows', 'node'],
  ['phase', 'rows', null],
  ['replica', 'rows', null],
  ['intended', 'rows', null],
  ['invoke', 'rows', null],
  ['complete', 'rows', null],
  ['error', 'rows', 'error'],
  ['siblings', 'rows', null],
  ['dotNode', 'rows', 'actor'],
  ['dotCounter', 'rows', null],
  ['ctxStart', 'rows', 'pool'],
  ['ctxClock', 'rows', null],
  ['ctxLoose', 'rows', null],
  ['verStart', 'rows', 'versions'],
  ['valueHash', 'rows', null],
  ['element', 'rows', 'element'],
  ['offset', 'rows', null],
  ['lineLength', 'rows', null],
  ['ctxNode', 'pool', 'actor'],
  ['ctxCounter', 'pool', null],
  ['verNode', 'versions', 'actor'],
  ['verCounter', 'versions', null],
  ['verHash', 'versions', null],
]

/** {@link CompactColumn}s: merged into 32 bits when every value fits, 4 bytes less a row or entry (~20 MiB for 1M ops). */
const COMPACT_COLUMNS: ReadonlySet<keyof PortableColumns> = new Set([
  'index',
  'intended',
  'invoke',
  'complete',
  'offset',
  'dotCounter',
  'ctxCounter',
  'verCounter',
] as const)

/** True when every value is a whole number a Uint32Array holds as it is (not -0, NaN, a fraction or out of range). */
export function fitsUint32(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (!(v >= 0 && v <= 0xffffffff && Number.isInteger(v)) || Object.is(v, -0)) return false
  }
  return true
}

/** {@link SmallIntColumn}s: merged into 8 or 16 bits when every value fits (~30 MiB less for 1M ops). */
const SMALL_INT_COLUMNS: ReadonlySet<keyof PortableColumns> = new Set([
  'process',
  'key',
  'node',
  'coordinator',
  'error',
  'siblings',
  'dotNode',
  'ctxClock',
  'ctxLoose',
  'element',
  'lineLength',
  'ctxNode',
  'verNode',
] as const)

/** Per range, its interned ids' numbers in the merged space. */
type IdMaps = Record<'key' | 'node' | 'actor' | 'error' | 'element', Int32Array>[]
type Sizes = { rows: number; pool: number; versions: number }[]

/** Concatenates the ranges' columns into shared memory, renumbering ids, dropping each range's column once copied. */
function mergeColumns(scans: RangeScan[], ids: IdMaps, sizes: Sizes): PortableColumns {
  const merged = {} as PortableColumns
  for (const [name, unit, remap] of MERGED_COLUMNS) {
    const sample = scans[0].table[name]
    // Shared memory, so CSV writers in other threads read the table without a copy.
    const narrow = COMPACT_COLUMNS.has(name) && scans.every((scan) => fitsUint32(scan.table[name]))
    const Type = (narrow ? Uint32Array : sample.constructor) as {
      new (buffer: SharedArrayBuffer): typeof sample
      BYTES_PER_ELEMENT: number
    }
    const column = new Type(new SharedArrayBuffer(sizes.reduce((sum, s) => sum + s[unit], 0) * Type.BYTES_PER_ELEMENT))
    let at = 0
    let poolBase = 0
    let versionsBase = 0
    scans.forEach((scan, i) => {
      const part = scan.table[name]
      column.set(part as never, at)
      const count = part.length
      // The first range's pool positions and (for one range, the table's case) ids stay as they are.
      if (remap === 'pool' || remap === 'versions') {
        const by = remap === 'pool' ? poolBase : versionsBase
        if (by !== 0) for (let j = at; j < at + count; j++) if (column[j] >= 0) column[j] += by
      } else if (remap && !isIdentity(ids[i][remap])) {
        const map = ids[i][remap]
        for (let j = at; j < at + count; j++) if (column[j] >= 0) column[j] = map[column[j]]
      }
      at += count
      poolBase += sizes[i].pool
      versionsBase += sizes[i].versions
      ;(scan.table as Record<string, unknown>)[name] = EMPTY
    })
    ;(merged as Record<string, unknown>)[name] = SMALL_INT_COLUMNS.has(name) ? narrowedInts(column as Int32Array) : column
  }
  return merged
}

const isIdentity = (map: Int32Array): boolean => map.every((id, i) => id === i)

function mergeFinalElements(scans: RangeScan[], ids: IdMaps): Map<number, Set<string>> {
  const finalElements = new Map<number, Set<string>>()
  scans.forEach((scan, i) => {
    for (const [key, list] of scan.finalElements) {
      const id = ids[i].key[key]
      let set = finalElements.get(id)
      if (!set) {
        set = new Set()
        finalElements.set(id, set)
      }
      for (const element of list) set.add(element)
    }
  })
  return finalElements
}

function mergeReaderStats(scans: RangeScan[]): ReaderStats {
  const reader: ReaderStats = { lines: 0, records: 0, malformed: 0, bytes: 0, malformedExamples: [] }
  for (const scan of scans) {
    for (const example of scan.reader.malformedExamples) reader.malformedExamples.push({ ...example, line: example.line + reader.lines })
    reader.lines += scan.reader.lines
    reader.records += scan.reader.records
    reader.malformed += scan.reader.malformed
    reader.bytes += scan.reader.bytes
  }
  return reader
}

/**
 * Concatenates range tables in file order, renumbering interned ids into one space. Each
 * range's column is dropped as soon as it is copied, so the merge needs little more memory
 * than the table itself; the ranges' tables are unusable afterwards.
 */
function mergeScans(path: string, source: ScannedHistory['source'], scans: RangeScan[]): ScannedHistory {
  const keys = new Interner()
  const nodes = new Interner()
  const actors = new Interner()
  const errors = new Interner()
  const elements = new Interner()
  const ids: IdMaps = scans.map(({ table: t }) => ({
    key: Int32Array.from(t.keys, (name) => keys.id(name)),
    node: Int32Array.from(t.nodes, (name) => nodes.id(name)),
    actor: Int32Array.from(t.actors, (name) => actors.id(name)),
    error: Int32Array.from(t.errors, (name) => errors.id(name)),
    element: Int32Array.from(t.elements, (name) => elements.id(name)),
  }))
  const sizes: Sizes = scans.map(({ table: t }) => ({ rows: t.length, pool: t.ctxNode.length, versions: t.verNode.length }))
  const badContexts = scans.reduce((sum, s) => sum + s.table.badContexts, 0)
  const length = sizes.reduce((sum, s) => sum + s.rows, 0)
  const merged = mergeColumns(scans, ids, sizes)
  const firstTime = Math.min(...scans.map((s) => s.firstTime))
  const lastTime = Math.max(...scans.map((s) => s.lastTime))
  const table = {
    ...merged,
    length,
    keys,
    nodes,
    actors,
    errors,
    elements,
    badContexts,
  } satisfies OpTable
  return {
    path,
    source,
    run: scans.find((s) => s.run)?.run,
    table,
    nemesis: scans.flatMap((s) => s.nemesis),
    converged: scans.findLast((s) => s.converged)?.converged,
    end: scans.findLast((s) => s.end)?.end,
    finalElements: mergeFinalElements(scans, ids),
    reader: mergeReaderStats(scans),
    firstTime: Number.isFinite(firstTime) ? firstTime : 0,
    lastTime: Number.isFinite(lastTime) ? lastTime : 0,
  }
}
