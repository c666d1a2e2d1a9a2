/**
 * Brute-force versions of the measures, written straight from their definitions (O(n²)
 * and worse, over parsed records, with the store's own `covers`), for property tests that
 * compare them with the fast checkers on random histories.
 */
import type { HistoryRecord, OpRecord } from '../../common/contracts/history.ts'
import { covers, peekContext, type CausalContext, type Dot } from '../../common/contracts/causal.ts'

const ops = (records: HistoryRecord[]): OpRecord[] => records.filter((r): r is OpRecord => typeof r.process === 'number')
const ctx = (op: OpRecord): CausalContext | undefined => (op.context ? peekContext(op.context) : undefined)
const isRead = (op: OpRecord): boolean => op.f === 'get' && op.type === 'ok' && ctx(op) !== undefined
const isDottedWrite = (op: OpRecord): boolean => op.f !== 'get' && op.type === 'ok' && op.dot !== undefined
const sees = (reader: OpRecord, write: OpRecord): boolean => covers(ctx(reader) as CausalContext, write.dot as Dot)

/** k of every read (ok, with a context), in file order. */
export function referenceK(records: HistoryRecord[]): number[] {
  const all = ops(records)
  return all
    .filter(isRead)
    .map((read) => all.filter((w) => isDottedWrite(w) && w.key === read.key && w.complete < read.invoke && !sees(read, w)).length)
}

/** For every read: [ms since the latest acknowledged write, saw it], or null. */
export function referenceLatest(records: HistoryRecord[]): ([number, boolean] | null)[] {
  const all = ops(records)
  return all.filter(isRead).map((read) => {
    let latest: OpRecord | undefined
    for (const w of all) {
      if (!isDottedWrite(w) || w.key !== read.key || w.complete >= read.invoke) continue
      if (!latest || w.complete > latest.complete) latest = w
    }
    return latest ? [(read.invoke - latest.complete) / 1000, sees(read, latest)] : null
  })
}

/** Reads (by index) violating each session guarantee, per the definitions; final-phase ops are no session's. */
export function referenceSessions(records: HistoryRecord[]): Record<string, number[]> {
  const all = ops(records).filter((o) => o.phase !== 'final')
  const reads = all.filter(isRead)
  const writes = all.filter(isDottedWrite)
  const before = (a: OpRecord, b: OpRecord): boolean => all.indexOf(a) < all.indexOf(b)
  const same = (a: OpRecord, b: OpRecord): boolean => a.process === b.process && a.key === b.key
  const ryw: number[] = []
  const mr: number[] = []
  const mw: number[] = []
  const wfr: number[] = []
  for (const r of reads) {
    if (writes.some((w) => same(w, r) && before(w, r) && !sees(r, w))) ryw.push(r.index)
    const earlier = reads.filter((r0) => same(r0, r) && before(r0, r))
    if (earlier.some((r0) => writes.some((x) => x.key === r.key && sees(r0, x) && !sees(r, x)))) mr.push(r.index)
    const covered = writes.filter((w) => w.key === r.key && sees(r, w))
    if (covered.some((w2) => writes.some((w1) => same(w1, w2) && before(w1, w2) && !sees(r, w1)))) mw.push(r.index)
    const wfrViolated = covered.some((w) =>
      reads.some((r0) => same(r0, w) && before(r0, w) && writes.some((x) => x.key === r.key && sees(r0, x) && !sees(r, x))),
    )
    if (wfrViolated) wfr.push(r.index)
  }
  return { 'read-your-writes': ryw, 'monotonic-reads': mr, 'monotonic-writes': mw, 'writes-follow-reads': wfr }
}

/** Indexes of lost register writes, per the definition (see lost-writes.ts). */
export function referenceLostWrites(records: HistoryRecord[], versioning: 'dvv' | 'vv' | 'lww'): number[] {
  const all = ops(records)
  const finals = all.filter((o) => o.phase === 'final' && o.f === 'get' && o.type === 'ok')
  const returns = (read: OpRecord, w: OpRecord): boolean =>
    (read.versions ?? []).some(
      (v, i) =>
        v.dot.node === w.dot?.node &&
        v.dot.counter === w.dot?.counter &&
        JSON.stringify((read.value as unknown[])[i]) === JSON.stringify(w.value),
    )
  // A write known to have happened: ok, or an info put whose value some read returned.
  const happened = (o: OpRecord): boolean =>
    o.type === 'ok' ||
    (o.type === 'info' &&
      o.f === 'put' &&
      all.some(
        (read) =>
          read.key === o.key &&
          read.f === 'get' &&
          read.type === 'ok' &&
          (read.value as unknown[]).some((v) => JSON.stringify(v) === JSON.stringify(o.value)),
      ))
  const lost: number[] = []
  for (const w of all) {
    if (w.f !== 'put' || w.type !== 'ok' || !w.dot) continue
    const keyFinals = finals.filter((f) => f.key === w.key)
    if (keyFinals.length === 0 || keyFinals.some((f) => returns(f, w))) continue
    const coveredBy = all.some(
      (o) => o.key === w.key && o.f !== 'get' && happened(o) && o.context && covers(peekContext(o.context) as CausalContext, w.dot as Dot),
    )
    const observed = all.some((o) => o.key === w.key && o.f === 'get' && o.type === 'ok' && returns(o, w))
    // A dot issued twice: shared with another ok write of the key, or its node had issued one as high before w began.
    const suspect = all.some(
      (o) =>
        o !== w &&
        o.type === 'ok' &&
        o.f !== 'get' &&
        o.dot?.node === w.dot?.node &&
        ((o.key === w.key && o.dot?.counter === w.dot?.counter) || (o.dot!.counter >= w.dot!.counter && o.complete < w.invoke)),
    )
    if (coveredBy && ((versioning === 'dvv' && !suspect) || observed)) continue
    lost.push(w.index)
  }
  return lost
}
