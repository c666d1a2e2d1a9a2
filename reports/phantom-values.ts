/**
 * Phantom values: a read returning something no write wrote. `register`: every value an
 * ok read returns must have been written to that key by a put or compare-and-set (ok, info
 * or even fail) invoked before the read completed. `set`: every element of an ok final read must have
 * been added to that key by some put (the Jepsen set test's "unexpected"). The result is
 * the `no-phantom-values` check.
 */
import { decided, undecided, type CheckResult } from '../common/contracts/checker.ts'
import type { RunInfo } from '../common/contracts/history.ts'
import { dotPositions, searchHints, type WriteIndex } from './coverage.ts'
import type { Example } from './examples.ts'
import { FINAL, GET, OK, PUT, type OpTable, writesValue } from './op-table.ts'

const NAME = 'no-phantom-values'

/** The `no-phantom-values` check over a scanned history; `finalElements` as for lost writes. */
export function findPhantomValues(
  table: OpTable,
  index: WriteIndex,
  run: RunInfo,
  finalElements: Map<number, Set<string>>,
  maxExamples = 10,
): CheckResult<Example> {
  if (run.workload.kind === 'register') return registerPhantoms(table, index, maxExamples)
  if (run.workload.kind === 'set') return setPhantoms(table, finalElements, maxExamples)
  return undecided({ name: NAME, kind: 'guarantee', checkedWhat: 'reads' }, `not defined for the ${run.workload.kind} workload`)
}

function registerPhantoms(table: OpTable, index: WriteIndex, maxExamples: number): CheckResult<Example> {
  // Most values read are matched to their write through the version's dot; the rest (the
  // values of info writes, which have no known dot) through a map of value hash -> the
  // earliest invoke of a put that wrote it, built over undotted puts first and over every
  // put only if a value is still unexplained.
  let byHash: Map<number, number> | undefined
  let everyPut = false
  const firstWritten = (hash: number): number | undefined => {
    if (!byHash) {
      byHash = new Map()
      for (let r = 0; r < table.length; r++) if (writesValue(table, r) && index.positionOf[r] < 0) remember(byHash, r)
    }
    const found = byHash.get(hash)
    if (found !== undefined || everyPut) return found
    everyPut = true
    for (let r = 0; r < table.length; r++) if (writesValue(table, r) && index.positionOf[r] >= 0) remember(byHash, r)
    return byHash.get(hash)
  }
  const remember = (map: Map<number, number>, r: number): void => {
    const before = map.get(table.valueHash[r])
    if (before === undefined || table.invoke[r] < before) map.set(table.valueHash[r], table.invoke[r])
  }
  let reads = 0
  let violations = 0
  const examples: Example[] = []
  // Reads come in time order: each version's search starts where the last one in its group ended.
  const hints = searchHints(index)
  for (let r = 0; r < table.length; r++) {
    if (table.f[r] !== GET || table.type[r] !== OK) continue
    reads++
    for (let v = table.verStart[r]; v < table.verStart[r] + table.siblings[r]; v++) {
      if (table.verNode[v] >= 0) {
        const [start, end] = dotPositions(index, table.key[r], table.verNode[v], table.verCounter[v], hints)
        let matched = false
        for (let p = start; p < end && !matched; p++) {
          const w = index.rows[p]
          matched = table.valueHash[w] === table.verHash[v] && table.invoke[w] < table.complete[r]
        }
        if (matched) continue
      }
      const written = firstWritten(table.verHash[v])
      if (written !== undefined && written < table.complete[r]) continue
      violations++
      if (examples.length < maxExamples) {
        examples.push({
          summary:
            written === undefined
              ? `read #${table.index[r]} of ${table.keys.names[table.key[r]]} returned a value no put ever wrote to that key`
              : `read #${table.index[r]} of ${table.keys.names[table.key[r]]} returned a value first written by a put invoked after the read completed`,
          ops: [{ role: 'read', row: r }],
        })
      }
      break
    }
  }
  return decided({ name: NAME, kind: 'guarantee', checked: reads, checkedWhat: 'reads', violations, examples })
}

function setPhantoms(table: OpTable, finalElements: Map<number, Set<string>>, maxExamples: number): CheckResult<Example> {
  const attempted = new Map<number, Set<number>>()
  const finalRead = new Map<number, number>()
  for (let r = 0; r < table.length; r++) {
    const key = table.key[r]
    if (table.f[r] === PUT && table.element[r] >= 0) {
      let set = attempted.get(key)
      if (!set) {
        set = new Set()
        attempted.set(key, set)
      }
      set.add(table.element[r])
    }
    if (table.phase[r] === FINAL && table.f[r] === GET && table.type[r] === OK && !finalRead.has(key)) finalRead.set(key, r)
  }
  let violations = 0
  const examples: Example[] = []
  for (const [key, elements] of finalElements) {
    for (const element of elements) {
      const id = table.elements.find(element)
      if (id >= 0 && attempted.get(key)?.has(id)) continue
      violations++
      const row = finalRead.get(key)
      if (examples.length < maxExamples && row !== undefined) {
        examples.push({
          summary: `element ${JSON.stringify(element)} is in the final reads of ${table.keys.names[key]}, but no put ever added it`,
          ops: [{ role: 'final read', row }],
        })
      }
    }
  }
  return decided({ name: NAME, kind: 'guarantee', checked: finalRead.size, checkedWhat: 'keys (final reads)', violations, examples })
}
