/**
 * No duplicate dots: two acknowledged writes to one key must never get the same dot (the
 * actor it was issued under, a node or a node's incarnation, and its counter; two
 * incarnations of a wiped node are two actors). A dot names one write; a store that reissues one (a
 * counter not incremented, or not saved before a restart) makes a later context that
 * covers one write cover the other too, so a lost write hides behind it. Checked on what
 * the store answered, without trusting any context.
 */
import { decided, type CheckResult } from '../common/contracts/checker.ts'
import type { WriteIndex } from './coverage.ts'
import type { Example } from './examples.ts'
import type { OpTable } from './op-table.ts'

/**
 * Reads the write index, which holds exactly the writes this check applies to (ok puts and
 * deletes with a dot), grouped by (key, dot node) and sorted by counter, equal counters in
 * row order: a reissued dot is a run of equal counters, its first row the earlier write.
 * Examples are the duplicates in history order.
 */
export function checkUniqueDots(table: OpTable, index: WriteIndex, maxExamples: number): CheckResult<Example> {
  const { groupStart, counters, rows } = index
  const duplicates: { earlier: number; row: number }[] = []
  let violations = 0
  for (let g = 0; g + 1 < groupStart.length; g++) {
    let first = groupStart[g]
    for (let i = first + 1; i < groupStart[g + 1]; i++) {
      if (counters[i] !== counters[first]) {
        first = i
        continue
      }
      violations += 1
      duplicates.push({ earlier: rows[first], row: rows[i] })
    }
  }
  duplicates.sort((a, b) => a.row - b.row)
  const examples = duplicates.slice(0, maxExamples).map(({ earlier, row }): Example => {
    const dot = `${table.actors.names[table.dotNode[row]]}:${table.dotCounter[row]}`
    return {
      summary: `writes #${table.index[earlier]} and #${table.index[row]} to ${table.keys.names[table.key[row]]} both got dot ${dot}`,
      ops: [
        { role: 'first write', row: earlier },
        { role: 'same dot', row },
      ],
    }
  })
  return decided({
    name: 'no-duplicate-dots',
    kind: 'guarantee',
    checkedWhat: 'acknowledged writes with a dot',
    checked: rows.length,
    violations,
    examples,
  })
}
