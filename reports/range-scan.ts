/**
 * Scans one byte range of a history into an op table with its own interned names, plus
 * the non-op records and what only raw records carry (the elements of the set workload's
 * final reads). Ranges are scanned in parallel and merged by `history-scan.ts`; a range
 * is plain data (typed arrays and strings), so it crosses a worker boundary as is.
 */
import type { HarnessRecord, NemesisRecord, OpRecord, RunInfo } from '../common/contracts/history.ts'
import { estimateLines, HistoryReader, type MalformedLine, type RecordListener } from './history-reader.ts'
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

/** The run record, when `line` (a history's first line, where the harness writes it) is one. */
export function runRecordOf(line: string): RunInfo | undefined {
  try {
    const record = JSON.parse(line) as { process?: unknown; f?: unknown; value?: RunInfo }
    return record.process === 'harness' && record.f === 'run' ? record.value : undefined
  } catch {
    return undefined
  }
}

/** What a scan takes from the run record: the workload kind (a register without one) and the configured nodes. */
export function scanSettings(run: RunInfo | undefined): Pick<RangeScanOptions, 'kind' | 'nodes'> {
  return { kind: run?.workload?.kind ?? 'register', nodes: Array.isArray(run?.nodes) ? run.nodes.map(String) : [] }
}

export async function scanRange(options: RangeScanOptions): Promise<RangeScan> {
  const reader = new HistoryReader(options.path, { start: options.start, end: options.end, leanOps: true })
  // Sized from the range's line density, so the columns rarely regrow.
  const scanner = new RangeScanner(
    options.kind,
    options.nodes,
    Math.ceil((await estimateLines(options.path, options.start, options.end)) * 1.05),
  )
  await reader.read(scanner.add)
  return scanner.finish(reader.stats)
}

/**
 * Builds one range's scan from its records, handed over in file order: what {@link scanRange}
 * does with a range of the file, and the run's table recorder with each line as it is written.
 */
export class RangeScanner {
  #builder: OpTableBuilder
  #isSet: boolean
  #run: RunInfo | undefined
  #nemesis: NemesisRecord[] = []
  #converged: ConvergedEvent | undefined
  #end: EndEvent | undefined
  #finalElements = new Map<number, Set<string>>()
  #firstTime = Number.POSITIVE_INFINITY
  #lastTime = Number.NEGATIVE_INFINITY

  /** `kind` and `nodes` as {@link RangeScanOptions} says; `capacity`: rows expected. */
  constructor(kind: WorkloadKind, nodes: readonly string[], capacity?: number) {
    this.#builder = new OpTableBuilder(kind, capacity)
    for (const name of nodes) this.#builder.nodeId(name)
    this.#isSet = kind === 'set'
  }

  /** Ops so far. */
  get ops(): number {
    return this.#builder.length
  }

  /** Takes the next record of the range (a {@link RecordListener}, bound). */
  readonly add: RecordListener = (record, offset, length) => {
    if (record.complete > this.#lastTime) this.#lastTime = record.complete
    if (typeof record.process === 'number') {
      const op = record as OpRecord
      if (op.intended < this.#firstTime) this.#firstTime = op.intended
      this.#builder.push(op, offset, length)
      if (this.#isSet && op.phase === 'final' && op.f === 'get' && op.type === 'ok') {
        collectElements(this.#finalElements, this.#builder.keyId(op.key), op.value)
      }
      return
    }
    if (record.invoke < this.#firstTime) this.#firstTime = record.invoke
    if (record.process === 'nemesis') {
      this.#nemesis.push(record as NemesisRecord)
      return
    }
    const event = record as HarnessRecord
    if (event.f === 'run') this.#run ??= event.value
    else if (event.f === 'converged') this.#converged = { ...event.value, at: event.complete }
    else if (event.f === 'end') this.#end = { ...event.value, at: event.complete }
  }

  /** The range's scan, with what its reader counted; the scanner takes no more records. */
  finish(reader: ReaderStats): RangeScan {
    // Not trimmed: the merge copies every range's columns into one table anyway.
    const table = this.#builder.finish({ trim: false })
    const empty = !Number.isFinite(this.#firstTime)
    return {
      table: {
        ...table,
        keys: table.keys.names,
        nodes: table.nodes.names,
        actors: table.actors.names,
        errors: table.errors.names,
        elements: table.elements.names,
      },
      run: this.#run,
      nemesis: this.#nemesis,
      converged: this.#converged,
      end: this.#end,
      finalElements: [...this.#finalElements].map(([key, elements]) => [key, [...elements]]),
      reader,
      firstTime: empty ? Number.POSITIVE_INFINITY : this.#firstTime,
      lastTime: empty ? Number.NEGATIVE_INFINITY : this.#lastTime,
    }
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
