/**
 * The op table's causal contexts: a context is decoded once and reused while the same
 * process or the same key sees it again; whatever the order of ops, every row must point
 * at its own context's entries (not a neighbour's that looks alike).
 */
import { test } from '@japa/runner'
import fc from 'fast-check'
import { peekContext } from '../common/contracts/causal.ts'
import type { OpRecord } from '../common/contracts/history.ts'
import { OpTableBuilder, type OpTable } from './op-table.ts'

const contextOf = (clock: Record<string, number>): string => `${Buffer.from(JSON.stringify({ clock })).toString('base64url')}.c2lnbmF0dXJl`

const op = (index: number, process: number, key: string, context: string | null): OpRecord => ({
  index,
  process,
  type: 'ok',
  f: 'get',
  key,
  value: [],
  node: 'n1',
  intended: index,
  invoke: index,
  complete: index + 1,
  context,
  versions: [],
  error: null,
  phase: 'heal',
})

/** Row r's context as the table holds it, in the form peekContext gives (or the marker of none or a bad one). */
function rowContext(table: OpTable, r: number): string {
  const start = table.ctxStart[r]
  if (start < 0) return String(start)
  const clock: Record<string, number> = {}
  for (let i = start; i < start + table.ctxClock[r]; i++) clock[table.actors.names[table.ctxNode[i]]] = table.ctxCounter[i]
  const dots = []
  for (let i = start + table.ctxClock[r]; i < start + table.ctxClock[r] + table.ctxLoose[r]; i++)
    dots.push({ node: table.actors.names[table.ctxNode[i]], counter: table.ctxCounter[i] })
  return JSON.stringify({ clock, dots })
}
const expected = (context: string | null): string => {
  if (context === null) return '-1'
  const decoded = peekContext(context)
  return decoded ? JSON.stringify(decoded) : '-2'
}

/** Contexts that look alike: same length, one digit apart, one a prefix of another, one that does not decode. */
const CONTEXTS = [
  contextOf({ n1: 12, n2: 3 }),
  contextOf({ n1: 13, n2: 3 }),
  contextOf({ n1: 12, n2: 3 }).replace('.c2lnbmF0dXJl', '.other'),
  contextOf({ n1: 1 }),
  contextOf({ n1: 12 }),
  contextOf({}),
  'not-a-context',
]

test.group('op table contexts', () => {
  test('every row holds its own context, whichever process and key saw one like it before, whatever hash its reader gave it', () => {
    // Processes beyond the usual small numbers, and hashes shared by unlike contexts: a hash only ever rules a context out.
    const ops = fc.array(
      fc.tuple(
        fc.constantFrom(0, 1, 2, 3, 70_000, 2.5),
        fc.constantFrom('k1', 'k2', 'k3'),
        fc.option(fc.constantFrom(...CONTEXTS)),
        fc.option(fc.constantFrom(0, 1, 2), { nil: undefined }),
      ),
      { maxLength: 60 },
    )
    fc.assert(
      fc.property(ops, (list) => {
        const builder = new OpTableBuilder('register', 4)
        list.forEach(([process, key, context, contextHash], i) => {
          builder.push({ ...op(i, process, key, context), contextHash }, i * 100, 100)
        })
        const table = builder.finish()
        return list.every(([, , context], r) => rowContext(table, r) === expected(context))
      }),
      { numRuns: 500 },
    )
  })

  test('a bad context is counted once per op that carries it', ({ assert }) => {
    const builder = new OpTableBuilder('register', 4)
    for (let i = 0; i < 3; i++) builder.push(op(i, 0, 'k1', 'not-a-context'), 0, 1)
    builder.push(op(3, 0, 'k1', CONTEXTS[0]), 0, 1)
    assert.equal(builder.finish().badContexts, 3)
  })
})
