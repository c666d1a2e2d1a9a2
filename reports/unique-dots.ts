/**
 * No duplicate dots: two acknowledged writes to one key must never get the same dot (the
 * actor it was issued under, a node or a node's incarnation, and its counter; two
 * incarnations of a wiped node are two actors). A dot names one write; a store that reissues one (a
 * counter not incremented, or not saved before a restart) makes a later context that
 * covers one write cover the other too, so a lost write hides behind it. Checked on what
 * the store answered, without trusting any context.
 */
import { decided, type CheckResult } from '../common/contracts/checker.ts'
import type { Example } from './examples.ts'
import { GET, OK, type OpTable } from './op-table.ts'

export function checkUniqueDots(table: OpTable, maxExamples: number): CheckResult<Example> {
  const first = new Map<string, number>()
  const examples: Example[] = []
  let checked = 0
  let violations = 0
  for (let row = 0; row < table.length; row++) {
    if (table.f[row] === GET || table.type[row] !== OK || table.dotNode[row] < 0) continue
    checked += 1
    const dot = `${table.actors.names[table.dotNode[row]]}:${table.dotCounter[row]}`
    const id = `${table.key[row]} ${dot}`
    const earlier = first.get(id)
    if (earlier === undefined) {
      first.set(id, row)
      continue
    }
    violations += 1
    if (examples.length < maxExamples) {
      examples.push({
        summary: `writes #${table.index[earlier]} and #${table.index[row]} to ${table.keys.names[table.key[row]]} both got dot ${dot}`,
        ops: [
          { role: 'first write', row: earlier },
          { role: 'same dot', row },
        ],
      })
    }
  }
  return decided({
    name: 'no-duplicate-dots',
    kind: 'guarantee',
    checkedWhat: 'acknowledged writes with a dot',
    checked,
    violations,
    examples,
  })
}
