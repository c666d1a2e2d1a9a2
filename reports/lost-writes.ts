/**
 * Lost writes: acknowledged writes the end of the run no longer shows.
 *
 * - `register`: an ok put is lost when no ok final read of its key shows it (a version with its
 *   dot and its value) and no later write that is known to have happened sent a context
 *   covering its dot, i.e. superseded it. Known to have happened: an ok put or delete, or an
 *   info put whose value some read returned. Other info writes (timed out, never seen) may
 *   never have been applied, so a context they carried proves nothing: DESIGN's "later
 *   acknowledged write", widened only to writes a read has shown. The contexts of those
 *   writes are joined once per key (a join covers exactly what some context covers), so the
 *   check is linear. In `vv` two writes through one coordinator with the same context get the
 *   same dot, and in `lww` a context covers the dots of values it dropped: there a covering
 *   context only supersedes a write some read actually returned (dot and value), so a
 *   colliding or dropped write cannot hide behind a dot it shares or left behind. In `dvv`
 *   dots are unique, unless the store issued one again (a node that lost its disk counting
 *   from 1): a write whose dot another acknowledged write of its key also got, or whose
 *   node had issued a counter as high before the write began, is held to the same rule.
 * - `set` (add-only; the Jepsen set test): an acknowledged element is lost when no ok final
 *   read of its key contains it. Also counted: elements of info adds that did show up
 *   (recovered), and elements in final reads that no add ever attempted (unexpected).
 *
 * Keys without any ok final read cannot be judged; their writes are counted as unchecked.
 * The result is the `no-lost-writes` check; the tally says how the judged writes ended.
 */
import { decided, undecided, type CheckResult } from '../common/contracts/checker.ts'
import type { RunInfo } from '../common/contracts/history.ts'
import type { WriteIndex } from './coverage.ts'
import { dotPositions, searchHints } from './coverage.ts'
import { FINAL, GET, INFO, isDottedWrite, OK, PUT, type OpTable } from './op-table.ts'
import type { Example } from './examples.ts'
import { ascending, sortOrder } from './sort-order.ts'

/** How the judged writes ended, beyond the check's counts (judged: its `checked`; lost: its `violations`). */
export type LostWriteTally = {
  method: 'register' | 'set'
  /** ok writes to keys without an ok final read (cannot be judged). */
  unchecked: number
  /** Of the writes judged: shown by a final read. */
  shown: number
  /** Of the writes judged: not shown, superseded by a later write (register only). */
  superseded: number
  /** set: info adds whose element showed up in a final read. */
  recovered: number
  /** register: dots shared by several ok writes of one key (the vv collision; in dvv, a dot issued twice). */
  dotCollisions: number
  /** register: ok writes whose node had issued a counter as high before they began (it counted again: a lost disk). */
  reissuedDots: number
}

/** The check's result, and its tally when it ran. */
export type LostWrites = { check: CheckResult<Example>; tally: LostWriteTally | null }

export type LostWritesOptions = {
  /** Examples kept (the count is always complete; default 10). */
  maxExamples?: number
  /**
   * Why a write missing from the final reads may still have been on its way (the cluster did
   * not converge before them): lost writes found are then `unknown`, not violations.
   */
  doubt?: string
}

const NAME = 'no-lost-writes'

/** What the check counts, by workload kind. */
const judgedWhat = (kind: string): string => `acknowledged ${kind === 'set' ? 'adds' : 'writes'} to keys with an ok final read`

/** Where the counting functions below leave their figures. */
type Count = { checked: number; lost: number; examples: Example[]; tally: LostWriteTally }

/**
 * The `no-lost-writes` check over a scanned history. `finalElements`: per key id, the
 * elements of its ok final reads (set workload).
 */
export function findLostWrites(
  table: OpTable,
  index: WriteIndex,
  run: RunInfo,
  finalElements: Map<number, Set<string>>,
  options: LostWritesOptions = {},
): LostWrites {
  const maxExamples = options.maxExamples ?? 10
  const kind = run.workload.kind
  const check = { name: NAME, kind: 'guarantee', checkedWhat: judgedWhat(kind) } as const
  if (kind !== 'register' && kind !== 'set') return { check: undecided(check, `not defined for the ${kind} workload`), tally: null }
  const finalKeys = new Uint8Array(table.keys.size)
  for (let r = 0; r < table.length; r++)
    if (table.phase[r] === FINAL && table.f[r] === GET && table.type[r] === OK) finalKeys[table.key[r]] = 1
  if (!finalKeys.includes(1)) return { check: undecided(check, 'the history has no ok final read'), tally: null }
  const count =
    kind === 'set' ? setLosses(table, finalKeys, finalElements, maxExamples) : registerLosses(table, index, run, finalKeys, maxExamples)
  return {
    check: decided({ ...check, checked: count.checked, violations: count.lost, examples: count.examples }, options.doubt),
    tally: count.tally,
  }
}

/** Marks, by write position, the writes a read returned (dot and value), and the info values some read returned. */
type Observations = {
  /** Returned by an ok final read. */
  shown: Uint8Array
  /** Returned by any ok read. */
  observed: Uint8Array
  /** Value hashes of info puts with a context that some read returned. */
  infoValuesRead: Set<number>
}

function observeReads(table: OpTable, index: WriteIndex): Observations {
  // The value hashes of info puts with a context: such a put supersedes only once a read
  // has returned its value. Usually few.
  const infoValues = new Set<number>()
  for (let r = 0; r < table.length; r++) {
    if (table.f[r] === PUT && table.type[r] === INFO && table.ctxStart[r] >= 0) infoValues.add(table.valueHash[r])
  }
  // Reads come in time order: each version's search starts where the last one in its group ended.
  const hints = searchHints(index)
  const seen: Observations = {
    shown: new Uint8Array(index.rows.length),
    observed: new Uint8Array(index.rows.length),
    infoValuesRead: new Set<number>(),
  }
  for (let r = 0; r < table.length; r++) {
    if (table.f[r] !== GET || table.type[r] !== OK) continue
    const final = table.phase[r] === FINAL
    const key = table.key[r]
    for (let v = table.verStart[r]; v < table.verStart[r] + table.siblings[r]; v++) {
      if (infoValues.size > 0 && infoValues.has(table.verHash[v])) seen.infoValuesRead.add(table.verHash[v])
      const node = table.verNode[v]
      if (node < 0) continue
      const [start, end] = dotPositions(index, key, node, table.verCounter[v], hints)
      for (let p = start; p < end; p++) {
        if (table.valueHash[index.rows[p]] !== table.verHash[v]) continue
        seen.observed[p] = 1
        if (final) seen.shown[p] = 1
      }
    }
  }
  return seen
}

/**
 * Whether some write known to have happened sent a context covering a dot: the join of
 * every such context per (key, node); loose dots are few and kept as (key, node, counter) strings.
 */
function supersededDots(
  table: OpTable,
  nodes: number,
  infoValuesRead: Set<number>,
): (key: number, node: number, counter: number) => boolean {
  const happened = (r: number): boolean =>
    table.type[r] === OK || (table.type[r] === INFO && table.f[r] === PUT && infoValuesRead.has(table.valueHash[r]))
  const joined = new Float64Array(table.keys.size * nodes)
  const looseByKey = new Set<string>()
  for (let r = 0; r < table.length; r++) {
    if (table.f[r] === GET || table.ctxStart[r] < 0 || !happened(r)) continue
    const key = table.key[r]
    const start = table.ctxStart[r]
    const clockEnd = start + table.ctxClock[r]
    for (let e = start; e < clockEnd; e++) {
      const at = key * nodes + table.ctxNode[e]
      if (table.ctxCounter[e] > joined[at]) joined[at] = table.ctxCounter[e]
    }
    for (let e = clockEnd; e < clockEnd + table.ctxLoose[r]; e++) looseByKey.add(`${key}:${table.ctxNode[e]}:${table.ctxCounter[e]}`)
  }
  return (key, node, counter) => joined[key * nodes + node] >= counter || looseByKey.has(`${key}:${node}:${counter}`)
}

/** Whether the write at position `p` of the index has the same key and dot as the one before it. */
function sameDotAsPrevious(table: OpTable, index: WriteIndex, p: number): boolean {
  const a = index.rows[p - 1]
  const b = index.rows[p]
  return index.counters[p] === index.counters[p - 1] && table.key[a] === table.key[b] && table.dotNode[a] === table.dotNode[b]
}

/** By write position: 1 where another ok write of the same key has the same dot (the vv collision, or a dot issued twice). */
function collidingDots(table: OpTable, index: WriteIndex): Uint8Array {
  const colliding = new Uint8Array(index.rows.length)
  for (let p = 1; p < index.rows.length; p++) {
    if (sameDotAsPrevious(table, index, p)) {
      colliding[p - 1] = 1
      colliding[p] = 1
    }
  }
  return colliding
}

/**
 * By row: 1 for an ok write whose dot's node had already issued a counter at least as
 * high before the write was invoked (another ok write of that node, any key, with such a
 * counter had completed). A node issues counters in rising order, so the write's dot was
 * issued again: its node lost its counter (its disk) and counted from an earlier one.
 */
function reissuedDots(table: OpTable): Uint8Array {
  const reissued = new Uint8Array(table.length)
  for (const rows of dottedWritesByActor(table)) markReissued(table, rows, reissued)
  return reissued
}

/** Each actor's ok dotted writes, in row order: a counting sort by actor, no array growing write by write. */
function dottedWritesByActor(table: OpTable): Int32Array[] {
  const counts = new Int32Array(table.actors.size)
  for (let r = 0; r < table.length; r++) if (isDottedWrite(table, r)) counts[table.dotNode[r]]++
  const rows = Array.from(counts, (count) => new Int32Array(count))
  counts.fill(0)
  for (let r = 0; r < table.length; r++) if (isDottedWrite(table, r)) rows[table.dotNode[r]][counts[table.dotNode[r]]++] = r
  return rows.filter((actorRows) => actorRows.length > 0)
}

/** Marks in `reissued` those of one actor's writes (`rows`) whose counter the actor had issued as high before. */
function markReissued(table: OpTable, rows: Int32Array, reissued: Uint8Array): void {
  const complete = new Float64Array(rows.length)
  for (let i = 0; i < rows.length; i++) complete[i] = table.complete[rows[i]]
  // A history is written as ops complete: its rows are in completion order, unless a clock stepped back.
  const done = ascending(complete) ? undefined : sortOrder(complete)
  // In completion order: when each write completed, and the highest counter up to it (searched
  // in these arrays, not through the table's rows, which a search would visit out of order).
  const doneAt = new Float64Array(rows.length)
  const highest = new Float64Array(rows.length)
  let most = 0
  for (let i = 0; i < rows.length; i++) {
    const at = done ? done[i] : i
    doneAt[i] = complete[at]
    most = Math.max(most, table.dotCounter[rows[at]])
    highest[i] = most
  }
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]
    // The writes completed before r was invoked: a prefix of the completion order.
    const invoke = table.invoke[r]
    let lo = 0
    let hi = rows.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (doneAt[mid] < invoke) lo = mid + 1
      else hi = mid
    }
    if (lo > 0 && highest[lo - 1] >= table.dotCounter[r]) reissued[r] = 1
  }
}

/** Dots shared by several ok writes of one key: each write after the first with a dot counts once. */
function dotCollisions(table: OpTable, index: WriteIndex): number {
  let collisions = 0
  for (let p = 1; p < index.rows.length; p++) if (sameDotAsPrevious(table, index, p)) collisions++
  return collisions
}

function registerLosses(table: OpTable, index: WriteIndex, run: RunInfo, finalKeys: Uint8Array, maxExamples: number): Count {
  const { shown, observed, infoValuesRead } = observeReads(table, index)
  const covers = supersededDots(table, index.nodes, infoValuesRead)
  const exactContexts = run.versioning === 'dvv'
  const colliding = collidingDots(table, index)
  const reissued = reissuedDots(table)
  const count: Count = {
    checked: 0,
    lost: 0,
    examples: [],
    tally: {
      method: 'register',
      unchecked: 0,
      shown: 0,
      superseded: 0,
      recovered: 0,
      dotCollisions: dotCollisions(table, index),
      reissuedDots: reissued.reduce((n, r) => n + r, 0),
    },
  }
  const { tally } = count
  for (let p = 0; p < index.rows.length; p++) {
    const row = index.rows[p]
    if (table.f[row] !== PUT) continue
    const key = table.key[row]
    if (!finalKeys[key]) {
      tally.unchecked++
      continue
    }
    count.checked++
    if (shown[p]) {
      tally.shown++
      continue
    }
    const covered = covers(key, table.dotNode[row], table.dotCounter[row])
    if (covered && ((exactContexts && !colliding[p] && !reissued[row]) || observed[p])) {
      tally.superseded++
      continue
    }
    count.lost++
    if (count.examples.length < maxExamples) {
      count.examples.push({
        summary: covered
          ? `write #${table.index[row]} to ${table.keys.names[key]} was acknowledged, later covered by a context, but no read ever returned its value, and no final read shows it`
          : `write #${table.index[row]} to ${table.keys.names[key]} was acknowledged, never superseded, and no final read shows it`,
        ops: [{ role: 'lost write', row }],
      })
    }
  }
  return count
}

function setLosses(table: OpTable, finalKeys: Uint8Array, finalElements: Map<number, Set<string>>, maxExamples: number): Count {
  const count: Count = {
    checked: 0,
    lost: 0,
    examples: [],
    tally: { method: 'set', unchecked: 0, shown: 0, superseded: 0, recovered: 0, dotCollisions: 0, reissuedDots: 0 },
  }
  const { tally } = count
  for (let r = 0; r < table.length; r++) {
    if (table.f[r] !== PUT || table.element[r] < 0) continue
    const key = table.key[r]
    const present = finalElements.get(key)?.has(table.elements.names[table.element[r]]) ?? false
    if (table.type[r] === INFO && present) tally.recovered++
    if (table.type[r] !== OK) continue
    if (!finalKeys[key]) {
      tally.unchecked++
      continue
    }
    count.checked++
    if (present) {
      tally.shown++
      continue
    }
    count.lost++
    if (count.examples.length < maxExamples) {
      count.examples.push({
        summary: `element ${JSON.stringify(table.elements.names[table.element[r]])} added by #${table.index[r]} to ${table.keys.names[key]} was acknowledged, but no final read contains it`,
        ops: [{ role: 'lost add', row: r }],
      })
    }
  }
  return count
}
