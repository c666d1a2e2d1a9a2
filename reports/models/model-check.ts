/**
 * Runs the linearizable or the sequential search, or both in one pass, over every key of
 * a history (or one key), in worker threads when the history is big enough for them to
 * pay, and turns the keys' outcomes into each model checker's result: the verdict, one
 * example per invalid key, and the smallest failing windows.
 */
import { availableParallelism } from 'node:os'
import { decided, type CheckResult } from '../../common/contracts/checker.ts'
import { TaskPool } from '../task-pool.ts'
import { explainInvalidKey } from './failing-window.ts'
import {
  checkKeyRange,
  type KeyRangeResult,
  type SearchColumns,
  type SearchedModel,
  type SharedKeyRanges,
  searchColumns,
} from './key-range.ts'
import { DEFAULT_BUDGET, type KeyOutcome, type SearchBudget } from './key-search.ts'
import type { FailingWindow, ModelCheckResult, ModelExample } from './model-result.ts'
import { type RegisterHistories, registerHistories } from './register-history.ts'
import { taskModule } from '../task-bundle.ts'

export type ModelCheckOptions = {
  /** Check only this key. */
  key?: string
  /** Per key: how far a search may go before the key is `unknown` (defaults: {@link DEFAULT_BUDGET}). */
  budget?: Partial<SearchBudget>
  /** Worker threads; 0 checks in this thread. Default: the cores (at most 4) from 500,000 ops, else 0. */
  workers?: number
  /** Threads to run on (default: a pool of `workers` threads, closed at the end). */
  pool?: TaskPool
  /** Examples kept (one per invalid key; the count is always complete). Default 10. */
  maxExamples?: number
  /** Failing windows kept, smallest first. Default 3. */
  maxWindows?: number
}

/** What a model checker reads: register histories already built, or history records (non-op records are skipped). */
export type ModelInput = RegisterHistories | Iterable<{ process: unknown }>

const KEY_RANGE_TASK = taskModule(new URL('./key-range-task.ts', import.meta.url))
/**
 * Below this many ops one thread is faster: starting a worker costs ~250 ms, and a typical
 * key checks at ~1 µs an op (BENCHMARKS.md, "Model checkers").
 */
const PARALLEL_FROM_OPS = 500_000
/** Invalid keys explained (their windows and examples), at most; every one is counted. */
const MAX_EXPLAINED = 100
/** Ranges per worker: enough that one slow key does not leave the other threads idle long. */
const RANGES_PER_WORKER = 8

const isBuilt = (input: ModelInput): input is RegisterHistories => 'keyStart' in input && input.keyStart instanceof Int32Array

function workersFor(ops: number, keys: number, workers: number | undefined): number {
  if (keys < 2) return 0
  return workers ?? (ops < PARALLEL_FROM_OPS ? 0 : Math.min(4, availableParallelism()))
}

/** Key ranges of about equal ops, for the workers. */
function keyRanges(h: RegisterHistories, from: number, to: number, count: number): [number, number][] {
  const total = h.keyStart[to] - h.keyStart[from]
  const ranges: [number, number][] = []
  let start = from
  for (let key = from; key < to; key++) {
    const ops = h.keyStart[key + 1] - h.keyStart[start]
    if (ops >= total / count || key === to - 1) {
      ranges.push([start, key + 1])
      start = key + 1
    }
  }
  return ranges
}

/** The columns in shared memory (copied once when they are not), so each task gets them without a copy. */
function inSharedMemory(columns: SearchColumns): SearchColumns {
  const copy = <T extends Int32Array | Uint8Array | Float64Array>(column: T): T => {
    if (column.buffer instanceof SharedArrayBuffer) return column
    const Type = column.constructor as new (buffer: SharedArrayBuffer) => T
    const shared = new Type(new SharedArrayBuffer(column.byteLength))
    shared.set(column as never)
    return shared
  }
  return Object.fromEntries(Object.entries(columns).map(([name, column]) => [name, copy(column)])) as SearchColumns
}

async function searchKeys(
  models: readonly SearchedModel[],
  h: RegisterHistories,
  from: number,
  to: number,
  budget: SearchBudget,
  options: ModelCheckOptions,
): Promise<KeyRangeResult[]> {
  const columns = searchColumns(h)
  const workers = workersFor(h.keyStart[to] - h.keyStart[from], to - from, options.workers)
  if (workers === 0) return checkKeyRange({ models, columns, from, to, budget })
  const shared = inSharedMemory(columns)
  const pool = options.pool ?? new TaskPool({ size: workers })
  try {
    const ranges = keyRanges(h, from, to, workers * RANGES_PER_WORKER)
    const bounds = Int32Array.from([...ranges.map(([start]) => start), to])
    const next = new Int32Array(new SharedArrayBuffer(4))
    // One task per thread, each taking ranges until none is left: a thread that finishes
    // early goes on without waiting for this one (maybe busy) to hand it the next range.
    const task: SharedKeyRanges = { models, columns: shared, bounds, next, budget }
    const taken = await Promise.all(Array.from({ length: workers }, () => pool.run<[number, KeyRangeResult[]][]>(KEY_RANGE_TASK, task)))
    const results = taken
      .flat()
      .sort(([x], [y]) => x - y)
      .map(([, result]) => result)
    return models.map((_, m) => ({
      outcomes: results.flatMap((r) => r[m].outcomes),
      valid: results.reduce((sum, r) => sum + r[m].valid, 0),
      steps: results.reduce((sum, r) => sum + r[m].steps, 0),
    }))
  } finally {
    if (!options.pool) await pool.close()
  }
}

/** The result when nothing could be checked. */
function noKeys(model: SearchedModel, reason: string): ModelCheckResult {
  return {
    name: model,
    kind: 'model',
    checked: 0,
    checkedWhat: 'keys',
    violations: 0,
    examples: [],
    valid: 'unknown',
    reason,
    keys: { valid: 0, invalid: 0, unknown: 0 },
    windows: [],
  }
}

/**
 * Checks every key (or `options.key`) of `input` against `model`. Keys searches that ran
 * out of budget are `unknown`; the result is invalid when any key is, else unknown when
 * any key is, else valid.
 */
export async function checkModel(model: SearchedModel, input: ModelInput, options: ModelCheckOptions = {}): Promise<ModelCheckResult> {
  const [result] = await checkModels([model], input, options)
  return result
}

/**
 * {@link checkModel} for each of `models`, in one pass over the keys: each key's ops are
 * prepared once for all the models (and a key found linearizable is not searched again
 * for sequential consistency).
 */
export async function checkModels(
  models: readonly SearchedModel[],
  input: ModelInput,
  options: ModelCheckOptions = {},
): Promise<ModelCheckResult[]> {
  const h = isBuilt(input) ? input : registerHistories(input, { shared: true })
  const budget = { ...DEFAULT_BUDGET, ...options.budget }
  let from = 0
  let to = h.keys.length
  if (options.key !== undefined) {
    from = h.keys.indexOf(options.key)
    if (from < 0) return models.map((model) => noKeys(model, `the history has no ops of key ${JSON.stringify(options.key)}`))
    to = from + 1
  }
  if (to === from) return models.map((model) => noKeys(model, 'the history has no client ops to check'))
  const searched = await searchKeys(models, h, from, to, budget, options)
  return models.map((model, m) => modelResult(model, h, from, to, searched[m], options))
}

/** One model's result from its keys' outcomes. */
function modelResult(
  model: SearchedModel,
  h: RegisterHistories,
  from: number,
  to: number,
  searched: KeyRangeResult,
  options: ModelCheckOptions,
): ModelCheckResult {
  const invalid: [number, Extract<KeyOutcome, { verdict: 'invalid' }>][] = []
  const unknown: [number, Extract<KeyOutcome, { verdict: 'unknown' }>][] = []
  for (const [key, outcome] of searched.outcomes) {
    if (outcome.verdict === 'invalid') invalid.push([key, outcome])
    else if (outcome.verdict === 'unknown') unknown.push([key, outcome])
  }
  const explained = invalid
    .slice(0, MAX_EXPLAINED)
    .map(([key, o]) => explainInvalidKey(model, h, { key, anomaly: o.anomaly, deadEnd: o.deadEnd }))
  explained.sort((x, y) => x.window.ops.length - y.window.ops.length)
  const examples: ModelExample[] = explained.slice(0, options.maxExamples ?? 10).map((e) => e.example)
  const windows: FailingWindow[] = explained.slice(0, options.maxWindows ?? 3).map((e) => e.window)
  const tally = { name: model, kind: 'model' as const, checked: to - from, checkedWhat: 'keys', violations: invalid.length, examples }
  const keys = { valid: searched.valid, invalid: invalid.length, unknown: unknown.length }
  let result: CheckResult<ModelExample> = decided(tally)
  if (invalid.length === 0 && unknown.length > 0) {
    const [key, first] = unknown[0]
    const which =
      unknown.length === 1 ? `key ${JSON.stringify(h.keys[key])}` : `${unknown.length} keys (first ${JSON.stringify(h.keys[key])})`
    result = { ...tally, valid: 'unknown', reason: `the search of ${which} did not finish: ${first.reason}` }
  }
  return { ...result, keys, windows }
}
