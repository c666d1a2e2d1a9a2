/**
 * Brute-force causal consistency and session guarantees from values, written straight from
 * their definitions (see reports/models/causal.ts and session-values.ts) over parsed
 * records, with the causal order as an explicit transitive closure (O(n³)): for property
 * tests that compare the fast checkers with it on small random histories.
 */
import type { HistoryRecord, OpRecord } from '../../common/contracts/history.ts'

/** The ops and their causal order, as the definitions build it. */
export type ReferenceOrder = {
  ops: OpRecord[]
  /** The writer of each value of each ok read (by op position), null for a value no ok/info write wrote. */
  writers: (OpRecord | null)[][]
  /** `before[a][b]`: a →+ b (positions in `ops`). */
  before: boolean[][]
  /** Ops in the order: chain ops, info writes some read returned, final reads. */
  inOrder: boolean[]
}

const text = (key: string, value: unknown): string => `${key}\u0000${JSON.stringify(value)}`
const isFinal = (op: OpRecord): boolean => op.phase === 'final'
const isChain = (op: OpRecord): boolean => op.type === 'ok' && !(op.f === 'get' && isFinal(op))
const valuesOf = (op: OpRecord): unknown[] => (op.f === 'get' && op.type === 'ok' && Array.isArray(op.value) ? op.value : [])

export function referenceOrder(records: HistoryRecord[]): ReferenceOrder {
  const ops = records.filter((r): r is OpRecord => typeof r.process === 'number')
  const n = ops.length
  const writerOf = new Map<string, OpRecord>()
  for (const op of ops)
    if (op.f === 'put' && op.type !== 'fail' && !writerOf.has(text(op.key, op.value))) writerOf.set(text(op.key, op.value), op)
  const writers = ops.map((op) => valuesOf(op).map((v) => writerOf.get(text(op.key, v)) ?? null))
  const read = new Set(writers.flat())
  const inOrder = ops.map((op) => isChain(op) || (op.f === 'get' && op.type === 'ok') || (op.type === 'info' && read.has(op)))
  const before = ops.map(() => new Array<boolean>(n).fill(false))
  const at = new Map(ops.map((op, i) => [op, i]))
  ops.forEach((b, j) => {
    if (!inOrder[j]) return
    // Program order: each chain op precedes every later op of its session in the order; final reads have no session.
    if (!(isFinal(b) && b.f === 'get')) {
      ops.forEach((a, i) => {
        if (a.process === b.process && isChain(a) && a.invoke < b.invoke) before[i][j] = true
      })
    }
    for (const w of writers[j]) if (w) before[at.get(w) as number][j] = true
  })
  for (let k = 0; k < n; k++)
    for (let i = 0; i < n; i++) if (before[i][k]) for (let j = 0; j < n; j++) if (before[k][j]) before[i][j] = true
  return { ops, writers, before, inOrder }
}

/** A write that happened and takes part: an ok put or delete, or an info put some read returned. */
const isWrite = (o: ReferenceOrder, i: number): boolean => o.inOrder[i] && o.ops[i].f !== 'get'

/** Indexes of reads violating causal consistency. */
export function referenceCausal(o: ReferenceOrder): number[] {
  const at = new Map(o.ops.map((op, i) => [op, i]))
  const deletes = new Set(o.ops.filter((op) => op.f === 'delete').map((op) => op.key))
  const bad: number[] = []
  o.ops.forEach((r, j) => {
    if (r.f !== 'get' || r.type !== 'ok') return
    const xs = o.writers[j]
    const overwritten = (x: number): boolean =>
      o.ops.some((w, i) => i !== x && isWrite(o, i) && w.key === r.key && o.before[x][i] && o.before[i][j])
    const violated =
      xs.some((x) => x === null || o.before[j][at.get(x) as number] || overwritten(at.get(x) as number)) ||
      (xs.length === 0 && !deletes.has(r.key) && o.ops.some((w, i) => isWrite(o, i) && w.key === r.key && o.before[i][j]))
    if (violated) bad.push(r.index)
  })
  return bad
}

/** True when the order has a cycle (some op before itself). */
export const hasCycle = (o: ReferenceOrder): boolean => o.before.some((row, i) => row[i])

/**
 * Reads (by index) violating each session guarantee from values. Reads with a value no write
 * explains are not judged; an earlier read counts with the values of it some write wrote.
 */
export function referenceSessionValues(o: ReferenceOrder): Record<string, number[]> {
  const { ops, before } = o
  const at = new Map(ops.map((op, i) => [op, i]))
  const deletes = new Set(ops.filter((op) => op.f === 'delete').map((op) => op.key))
  const judged = (j: number): boolean => ops[j].f === 'get' && ops[j].type === 'ok' && o.writers[j].every((w) => w !== null)
  // The values of a read that some write wrote (an earlier read's phantoms are no value it saw).
  const returned = (j: number): number[] => o.writers[j].flatMap((w) => (w ? [at.get(w) as number] : []))
  const stale = (j: number, w: number): boolean => returned(j).length === 0 || returned(j).some((x) => x !== w && before[x][w])
  const chainWrite = (i: number): boolean => isChain(ops[i]) && ops[i].f !== 'get'
  const sessionRead = (i: number): boolean => ops[i].f === 'get' && ops[i].type === 'ok' && !isFinal(ops[i])
  const precedes = (a: number, b: number): boolean => ops[a].process === ops[b].process && ops[a].invoke < ops[b].invoke
  const out: Record<string, number[]> = {
    'read-your-writes-from-values': [],
    'monotonic-reads-from-values': [],
    'monotonic-writes-from-values': [],
    'writes-follow-reads-from-values': [],
  }
  const all = ops.map((_, i) => i)
  for (const j of all) {
    if (!judged(j) || (returned(j).length === 0 && deletes.has(ops[j].key))) continue
    const k = ops[j].key
    if (sessionRead(j)) {
      if (all.some((w) => chainWrite(w) && ops[w].key === k && precedes(w, j) && stale(j, w)))
        out['read-your-writes-from-values'].push(ops[j].index)
      if (all.some((r0) => sessionRead(r0) && ops[r0].key === k && precedes(r0, j) && returned(r0).some((y) => stale(j, y))))
        out['monotonic-reads-from-values'].push(ops[j].index)
    }
    // Another session's writes (a final read has none of its own).
    const other = (i: number): boolean => isFinal(ops[j]) || ops[i].process !== ops[j].process
    const mw = all.some(
      (w2) =>
        chainWrite(w2) &&
        other(w2) &&
        before[w2][j] &&
        all.some((w1) => chainWrite(w1) && ops[w1].key === k && precedes(w1, w2) && stale(j, w1)),
    )
    if (mw) out['monotonic-writes-from-values'].push(ops[j].index)
    const wfr = all.some(
      (w2) =>
        chainWrite(w2) &&
        other(w2) &&
        before[w2][j] &&
        all.some((r0) => sessionRead(r0) && ops[r0].key === k && precedes(r0, w2) && returned(r0).some((y) => stale(j, y))),
    )
    if (wfr) out['writes-follow-reads-from-values'].push(ops[j].index)
  }
  return out
}
