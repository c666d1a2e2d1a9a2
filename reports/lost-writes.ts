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
 *   colliding or dropped write cannot hide behind a dot it shares or left behind.
 * - `set` (add-only; the Jepsen set test): an acknowledged element is lost when no ok final
 *   read of its key contains it. Also counted: elements of info adds that did show up
 *   (recovered), and elements in final reads that no add ever attempted (unexpected).
 *
 * Keys without any ok final read cannot be judged; their writes are counted as unchecked.
 */
import type { RunInfo } from '../common/contracts/history.ts'
import type { WriteIndex } from './coverage.ts'
import { dotPositions } from './coverage.ts'
import { FINAL, GET, INFO, OK, PUT, type OpTable } from './op-table.ts'
import type { Example } from './examples.ts'

export type LostWrites =
  | { checked: false; reason: string }
  | {
      checked: true
      method: 'register' | 'set'
      /** ok writes (puts / adds) to keys with an ok final read: the writes judged. */
      checkedWrites: number
      /** ok writes to keys without an ok final read (cannot be judged). */
      unchecked: number
      /** Of the writes judged: shown by a final read. */
      shown: number
      /** Of the writes judged: not shown, superseded by a later write (register only). */
      superseded: number
      lost: number
      /** set: info adds whose element showed up in a final read. */
      recovered: number
      /** register: dots shared by several ok writes of one key (the vv collision). */
      dotCollisions: number
      examples: Example[]
    }

export type LostWritesOptions = { maxExamples?: number }

export function findLostWrites(
  table: OpTable,
  index: WriteIndex,
  run: RunInfo,
  finalElements: Map<number, Set<string>>,
  options: LostWritesOptions = {},
): LostWrites {
  const maxExamples = options.maxExamples ?? 10
  const kind = run.workload.kind
  if (kind !== 'register' && kind !== 'set') return { checked: false, reason: `not defined for the ${kind} workload` }
  const finalKeys = new Uint8Array(table.keys.size)
  for (let r = 0; r < table.length; r++)
    if (table.phase[r] === FINAL && table.f[r] === GET && table.type[r] === OK) finalKeys[table.key[r]] = 1
  if (!finalKeys.includes(1)) return { checked: false, reason: 'the history has no ok final read' }
  return kind === 'set'
    ? setLosses(table, finalKeys, finalElements, maxExamples)
    : registerLosses(table, index, run, finalKeys, maxExamples)
}

function registerLosses(table: OpTable, index: WriteIndex, run: RunInfo, finalKeys: Uint8Array, maxExamples: number): LostWrites {
  const nodes = index.nodes
  // The value hashes of info puts with a context: such a put supersedes only once a read
  // has returned its value. Usually few.
  const infoValues = new Set<number>()
  for (let r = 0; r < table.length; r++) {
    if (table.f[r] === PUT && table.type[r] === INFO && table.ctxStart[r] >= 0) infoValues.add(table.valueHash[r])
  }
  const infoValuesRead = new Set<number>()
  // Marks, by write position, the writes a read returned (dot and value): in a final read
  // (shown) or in any read (observed).
  const shown = new Uint8Array(index.rows.length)
  const observed = new Uint8Array(index.rows.length)
  for (let r = 0; r < table.length; r++) {
    if (table.f[r] !== GET || table.type[r] !== OK) continue
    const final = table.phase[r] === FINAL
    const key = table.key[r]
    for (let v = table.verStart[r]; v < table.verStart[r] + table.siblings[r]; v++) {
      if (infoValues.size > 0 && infoValues.has(table.verHash[v])) infoValuesRead.add(table.verHash[v])
      const node = table.verNode[v]
      if (node < 0) continue
      const [start, end] = dotPositions(index, key, node, table.verCounter[v])
      for (let p = start; p < end; p++) {
        if (table.valueHash[index.rows[p]] !== table.verHash[v]) continue
        observed[p] = 1
        if (final) shown[p] = 1
      }
    }
  }
  const happened = (r: number): boolean =>
    table.type[r] === OK || (table.type[r] === INFO && table.f[r] === PUT && infoValuesRead.has(table.valueHash[r]))

  // The join of every context sent with a write known to have happened; loose dots are
  // few and kept as (key, node, counter) strings.
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
  const exactContexts = run.versioning === 'dvv'

  let checkedWrites = 0
  let unchecked = 0
  let shownCount = 0
  let superseded = 0
  let lost = 0
  const examples: Example[] = []
  for (let p = 0; p < index.rows.length; p++) {
    const row = index.rows[p]
    if (table.f[row] !== PUT) continue
    const key = table.key[row]
    if (!finalKeys[key]) {
      unchecked++
      continue
    }
    checkedWrites++
    if (shown[p]) {
      shownCount++
      continue
    }
    const node = table.dotNode[row]
    const counter = table.dotCounter[row]
    const covered = joined[key * nodes + node] >= counter || looseByKey.has(`${key}:${node}:${counter}`)
    if (covered && (exactContexts || observed[p])) {
      superseded++
      continue
    }
    lost++
    if (examples.length < maxExamples) {
      examples.push({
        summary: covered
          ? `write #${table.index[row]} to ${table.keys.names[key]} was acknowledged, later covered by a context, but no read ever returned its value, and no final read shows it`
          : `write #${table.index[row]} to ${table.keys.names[key]} was acknowledged, never superseded, and no final read shows it`,
        ops: [{ role: 'lost write', row }],
      })
    }
  }

  let dotCollisions = 0
  for (let p = 1; p < index.rows.length; p++) {
    const a = index.rows[p - 1]
    const b = index.rows[p]
    if (index.counters[p] === index.counters[p - 1] && table.key[a] === table.key[b] && table.dotNode[a] === table.dotNode[b])
      dotCollisions++
  }
  return {
    checked: true,
    method: 'register',
    checkedWrites,
    unchecked,
    shown: shownCount,
    superseded,
    lost,
    recovered: 0,
    dotCollisions,
    examples,
  }
}

function setLosses(table: OpTable, finalKeys: Uint8Array, finalElements: Map<number, Set<string>>, maxExamples: number): LostWrites {
  let checkedWrites = 0
  let unchecked = 0
  let shown = 0
  let lost = 0
  let recovered = 0
  const examples: Example[] = []
  for (let r = 0; r < table.length; r++) {
    if (table.f[r] !== PUT || table.element[r] < 0) continue
    const key = table.key[r]
    const present = finalElements.get(key)?.has(table.elements.names[table.element[r]]) ?? false
    if (table.type[r] === INFO && present) recovered++
    if (table.type[r] !== OK) continue
    if (!finalKeys[key]) {
      unchecked++
      continue
    }
    checkedWrites++
    if (present) {
      shown++
      continue
    }
    lost++
    if (examples.length < maxExamples) {
      examples.push({
        summary: `element ${JSON.stringify(table.elements.names[table.element[r]])} added by #${table.index[r]} to ${table.keys.names[key]} was acknowledged, but no final read contains it`,
        ops: [{ role: 'lost add', row: r }],
      })
    }
  }
  return { checked: true, method: 'set', checkedWrites, unchecked, shown, superseded: 0, lost, recovered, dotCollisions: 0, examples }
}
