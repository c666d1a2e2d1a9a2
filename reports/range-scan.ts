/**
 * Scans one byte range of a history into an op table with its own interned names, plus
 * the non-op records and what only raw records carry (the elements of the set workload's
 * final reads). Ranges are scanned in parallel and merged by `history-scan.ts`; a range
 * is plain data (typed arrays and strings), so it crosses a worker boundary as is.
 */
import type { HarnessRecord, NemesisRecord, OpRecord, RunInfo } from '../common/contracts/history.ts'
import { estimateLines, HistoryReader, type MalformedLine } from './history-reader.ts'
import { OpTableBuilder, type OpTable } from './op-table.ts'
import type { WorkloadKind } from '../common/contracts/history.ts'

/** The harness's `converged` record: whether replicas agreed, after how long (ms), and when it was recorded (`at`, µs since the run started). */
export type ConvergedEvent = { converged: boolean; ms: number; at: number }
/** The harness's `end` record; `at`: when it was recorded, µs since the run started. */
export type EndEvent = { completed: boolean; interrupted: boolean; reason?: string; at: number }

export type ReaderStats = { lines: number; records: number; malformed: number; bytes: number; malformedExamples: MalformedLine[] }

/** An op table whose interners are plain name lists, as it travels between threads. */
export type PortableOpTable = Omit<OpTable, 'keys' | 'nodes' | 'actors' | 'errors' | 'elements'> & {
  keys: string[]
  nodes: string[]
  actors: string[]
  errors: string[]
  elements: string[]
}

export type RangeScan = {
  table: PortableOpTable
  run: RunInfo | undefined
  nemesis: NemesisRecord[]
  converged: ConvergedEvent | undefined
  end: EndEvent | undefined
  /** set workload: per local key id, the elements of every ok final read. */
  finalElements: [number, string[]][]
  reader: ReaderStats
  /** The smallest op `intended` or other record `invoke`, µs since the run started (+Infinity in an empty range). */
  firstTime: number
  /** The largest record `complete`, µs since the run started (-Infinity in an empty range). */
  lastTime: number
}

export type RangeScanOptions = {
  path: string
  start: number
  end: number
  /** The run's workload kind (from its first record): decides what values are hashed. */
  kind: WorkloadKind
  /** The run's nodes, interned first so node ids follow the configured order. */
  nodes: string[]
}

export async function scanRange(options: RangeScanOptions): Promise<RangeScan> {
  const reader = new HistoryReader(options.path, { start: options.start, end: options.end, leanOps: true })
  // Sized from the range's line density, so the columns rarely regrow.
  const builder = new OpTableBuilder(options.kind, Math.ceil((await estimateLines(options.path, options.start, options.end)) * 1.05))
  for (const name of options.nodes) builder.nodeId(name)
  let run: RunInfo | undefined
  const nemesis: NemesisRecord[] = []
  let converged: ConvergedEvent | undefined
  let end: EndEvent | undefined
  const finalElements = new Map<number, Set<string>>()
  let firstTime = Number.POSITIVE_INFINITY
  let lastTime = Number.NEGATIVE_INFINITY
  const isSet = options.kind === 'set'

  await reader.read((record, offset, length) => {
    if (record.complete > lastTime) lastTime = record.complete
    if (typeof record.process === 'number') {
      const op = record as OpRecord
      if (op.intended < firstTime) firstTime = op.intended
      builder.push(op, offset, length)
      if (isSet && op.phase === 'final' && op.f === 'get' && op.type === 'ok') {
        collectElements(finalElements, builder.keyId(op.key), op.value)
      }
      return
    }
    if (record.invoke < firstTime) firstTime = record.invoke
    if (record.process === 'nemesis') {
      nemesis.push(record as NemesisRecord)
      return
    }
    const event = record as HarnessRecord
    if (event.f === 'run') run ??= event.value
    else if (event.f === 'converged') converged = { ...event.value, at: event.complete }
    else if (event.f === 'end') end = { ...event.value, at: event.complete }
  })

  // Not trimmed: the merge copies every range's columns into one table anyway.
  const table = builder.finish({ trim: false })
  const empty = !Number.isFinite(firstTime)
  return {
    table: {
      ...table,
      keys: table.keys.names,
      nodes: table.nodes.names,
      actors: table.actors.names,
      errors: table.errors.names,
      elements: table.elements.names,
    },
    run,
    nemesis,
    converged,
    end,
    finalElements: [...finalElements].map(([key, elements]) => [key, [...elements]]),
    reader: reader.stats,
    firstTime: empty ? Number.POSITIVE_INFINITY : firstTime,
    lastTime: empty ? Number.NEGATIVE_INFINITY : lastTime,
  }
}

/** A set read's value: its siblings, each the whole set as an array of elements. */
function collectElements(into: Map<number, Set<string>>, key: number, value: unknown): void {
  let elements = into.get(key)
  if (!elements) {
    elements = new Set()
    into.set(key, elements)
  }
  if (!Array.isArray(value)) return
  for (const sibling of value) {
    if (!Array.isArray(sibling)) continue
    for (const element of sibling) elements.add(typeof element === 'string' ? element : JSON.stringify(element))
  }
}

/** Every typed array of a range's table: what a worker transfers instead of copying. */
export function transferables(scan: RangeScan): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = []
  for (const value of Object.values(scan.table)) {
    if (ArrayBuffer.isView(value)) buffers.push(value.buffer as ArrayBuffer)
  }
  return buffers
}
