/**
 * Session guarantee checkers, per client (`process`) and key, over ok ops of the measured
 * phases only:
 *
 * - read-your-writes: a session's read covers every write the session made to the key.
 * - monotonic reads: a session's read covers everything its earlier reads of the key covered.
 * - monotonic writes: any read covering a session's write covers the session's earlier writes to that key.
 * - writes-follow-reads: any read covering a session's write covers what the session had
 *   read of the key before that write.
 *
 * A session's ops are taken in file (completion) order, which is its program order since a
 * workload client runs one op at a time. The harness's final reads are no client session:
 * they run concurrently under one process id after the heal, so their completion order is
 * no program order, and they are left out, as sessions and as the reads checked against
 * other sessions' writes. Contexts are compared as ranks (coverage.ts), so each
 * check is O(nodes) per read: the first two keep per-session maxima; the last two give
 * every write a requirement vector (ranks it needs covered) and take, per (key, node),
 * prefix maxima of those vectors in dot order, because a read covers a prefix of that
 * order: one lookup answers "does any write this read covers need more than it has?".
 *
 * Reads whose contexts carry loose dots past a gap (rare under dvv, common under lww)
 * cover a prefix plus a few more writes. The first two checks stay exact for them, in
 * time bounded by the number of gap dots. For the last two, a violation is only reported
 * once verified on the ops themselves (never a false one), but a read whose gap dots cover
 * exactly the write that the prefix maxima point at may hide another violation: those two
 * counts can be low for such reads, never high.
 *
 * Each read counts at most once per guarantee; examples name the ops involved. Each
 * guarantee's result is a check of that name, counting the reads it applied to.
 */
import { decided, type CheckResult } from '../common/contracts/checker.ts'
import { COLLECT_FROM_OPS, collectGarbage } from './collect-garbage.ts'
import { PairIds } from './columns.ts'
import { readCovers, type ReadRanks, type WriteIndex } from './coverage.ts'
import type { Example } from './examples.ts'
import { FINAL, OK, type OpTable } from './op-table.ts'

export const SESSION_GUARANTEES = ['read-your-writes', 'monotonic-reads', 'monotonic-writes', 'writes-follow-reads'] as const
export type SessionGuarantee = (typeof SESSION_GUARANTEES)[number]

/** What a guarantee's check counts while it runs. */
type SessionCount = {
  /** Reads the guarantee applied to (e.g. for read-your-writes: reads after an own write). */
  checked: number
  /** Reads that witnessed a violation. */
  violations: number
  examples: Example[]
}

/** One check per session guarantee, each counting the reads it applied to. */
export type SessionResults = Record<SessionGuarantee, CheckResult<Example>>

export type SessionOptions = { maxExamples?: number }

/**
 * A session, one per (process, key) that has ok ops, is a number: there can be half a
 * million (1M ops over 10,000 keys), and as objects in a Map they took ~40 MiB of heap. Its
 * five per-node vectors live in {@link Checking.vectors} from `session * 5 * nodes` on: own
 * need and own row (per node, the rank a read needs to cover every own write, 0 for none,
 * and that write's row), read max and read row (the highest rank an earlier read of the
 * session had, and that read's row), then the position of its latest own write (its own
 * writes' list).
 */
type SessionState = number

/** A session's five vectors, in this order, each `nodes` long. */
const OWN_NEED = 0
const OWN_ROW = 1
const READ_MAX = 2
const READ_ROW = 3
/** Per node, the position of the session's latest own write through it (-1: none), the head of its list in {@link Checking.ownBefore}. */
const OWN_LAST = 4
const VECTOR_INITIAL = [0, -1, 0, -1, -1]
const VECTORS = VECTOR_INITIAL.length
type SessionVector = typeof OWN_NEED | typeof OWN_ROW | typeof READ_MAX | typeof READ_ROW | typeof OWN_LAST

/** How many own writes a monotonic-writes verification looks at before giving up. */
const VERIFY_STEPS = 256

/** What every checker shares: the inputs, the results, and lookups over the write index. */
class Checking {
  readonly table: OpTable
  readonly index: WriteIndex
  readonly ranks: ReadRanks
  readonly nodes: number
  /** `rank[i * nodes + n]`: how many writes of read i's key through node n it covers (a prefix). */
  readonly rank: Int32Array
  /**
   * need[p]: the rank a read needs on the write's node to cover the write at position p
   * (equal dots, the vv collision, are covered together).
   */
  readonly need: Int32Array
  readonly counts: Record<SessionGuarantee, SessionCount>
  /** The session of each (process, key) with ok ops (see {@link SessionState}). */
  readonly sessions: PairIds
  /** Every session's five per-node vectors, one session after another (made once the sessions are counted). */
  vectors = new Int32Array(0)
  /** Per session, 1 once it has an own write, a read. */
  hasOwn = new Uint8Array(0)
  hasRead = new Uint8Array(0)
  /** Per session that has any: writes earlier reads covered only through gap dots, by position -> the read's row. */
  readonly readGaps = new Map<SessionState, Map<number, number>>()
  /**
   * ownBefore[p]: the position of the next lower own write of write p's session through the
   * same node (-1: none). With OWN_LAST, each session's own writes per node as a list in
   * descending position order, without an array per session.
   */
  readonly ownBefore: Int32Array
  #maxExamples: number

  constructor(table: OpTable, index: WriteIndex, ranks: ReadRanks, maxExamples: number) {
    this.table = table
    this.index = index
    this.ranks = ranks
    this.nodes = index.nodes
    this.rank = ranks.ranks
    this.#maxExamples = maxExamples
    let minProcess = 0
    let maxProcess = -1
    for (let r = 0; r < table.length; r++) {
      minProcess = Math.min(minProcess, table.process[r])
      maxProcess = Math.max(maxProcess, table.process[r])
    }
    // An array of a pair each when that costs at most 4 bytes an op (and no process is negative).
    this.sessions = new PairIds(maxProcess + 1, table.keys.size, minProcess < 0 ? 0 : Math.max(1 << 16, table.length))
    const count = (): SessionCount => ({ checked: 0, violations: 0, examples: [] })
    this.counts = { 'read-your-writes': count(), 'monotonic-reads': count(), 'monotonic-writes': count(), 'writes-follow-reads': count() }
    const { groupStart, counters } = index
    this.need = new Int32Array(index.rows.length)
    this.ownBefore = new Int32Array(index.rows.length).fill(-1)
    for (let g = 0; g + 1 < groupStart.length; g++) {
      for (let p = groupStart[g + 1] - 1; p >= groupStart[g]; p--) {
        this.need[p] = p + 1 < groupStart[g + 1] && counters[p + 1] === counters[p] ? this.need[p + 1] : p - groupStart[g] + 1
      }
    }
  }

  /** Where node n's entry of the session's `vector` is, in `vectors`. */
  slot(st: SessionState, vector: SessionVector, n: number): number {
    return (st * VECTORS + vector) * this.nodes + n
  }

  report(guarantee: SessionGuarantee, example: () => Example): void {
    const check = this.counts[guarantee]
    check.violations += 1
    if (check.examples.length < this.#maxExamples) check.examples.push(example())
  }

  at(row: number): string {
    return `#${this.table.index[row]}`
  }

  keyName(row: number): string {
    return this.table.keys.names[this.table.key[row]]
  }

  /** The session of the row's process and key, or -1 when it has none. */
  sessionOf(row: number): SessionState {
    return this.sessions.get(this.table.process[row], this.table.key[row])
  }

  /** Position p within its (key, node) group. */
  local(p: number): number {
    const row = this.index.rows[p]
    return p - this.index.groupStart[this.table.key[row] * this.nodes + this.table.dotNode[row]]
  }

  gapsOf(i: number): number[] | undefined {
    return this.ranks.gaps.size > 0 ? this.ranks.gaps.get(i) : undefined
  }

  /** The first write of `key` through node n that read i does not cover (never a gap dot). */
  firstUncovered(key: number, n: number, i: number): number {
    return this.index.rows[this.index.groupStart[key * this.nodes + n] + this.rank[i * this.nodes + n]]
  }
}

/**
 * Requirement vectors of every write, `need[p * nodes + n]`: the rank on node n a read must
 * have for the write at position p to be followed correctly, with `row` the op behind it;
 * and their prefix maxima along each (key, node) group's dot order (`max`, at `arg`).
 */
type Requirements = { need: Ranks; row: Int32Array; max: Ranks; arg: Int32Array }

/** The requirement vectors the session pass gives each write, before their prefix maxima. */
type Needs = { need: Ranks; row: Int32Array }

/** Ranks within a (key, node) group: 16 bits while no group has more writes than that holds. */
type Ranks = Int16Array | Int32Array

/** Zeroed ranks, in 16 bits when `largest` (the longest group's writes) fits. Exported for the specs. */
export function ranksOf(length: number, largest: number): Ranks {
  return largest <= 0x7fff ? new Int16Array(length) : new Int32Array(length)
}

/**
 * Checks the four session guarantees over the ok ops of the measured phases. `ranks` are
 * the reads' context ranks (coverage.ts); time is O(ops x nodes), memory O(writes x nodes).
 * Each guarantee's result counts the reads it applied to; examples name the ops involved
 * (at most `maxExamples` per guarantee, default 10).
 */
export function checkSessions(table: OpTable, index: WriteIndex, ranks: ReadRanks, options: SessionOptions = {}): SessionResults {
  const c = new Checking(table, index, ranks, options.maxExamples ?? 10)
  const needs: Partial<Record<'monotonicWrites' | 'writesFollowReads', Needs>> = sessionPass(c)
  // The sessions' vectors serve the checks below only for reads with gap dots: without any,
  // they go (tens of MiB over 10,000 keys) before the requirements' prefix maxima are made.
  if (ranks.gaps.size === 0) c.vectors = new Int32Array(0)
  if (table.length >= COLLECT_FROM_OPS) collectGarbage()
  // One guarantee at a time: the first's requirements are dropped (and collected, on a big
  // history) before the second's prefix maxima are made, so six of the eight arrays of
  // writes x nodes are alive at once instead of all eight. Each guarantee's examples are
  // still found in read order.
  checkReads(c, needs.monotonicWrites as Needs, checkMonotonicWrites)
  needs.monotonicWrites = undefined
  if (table.length >= COLLECT_FROM_OPS) collectGarbage()
  checkReads(c, needs.writesFollowReads as Needs, checkWritesFollowReads)
  return Object.fromEntries(
    SESSION_GUARANTEES.map((name) => [name, decided({ name, kind: 'guarantee', checkedWhat: 'reads', ...c.counts[name] })]),
  ) as SessionResults
}

/** Checks every read but the final ones against one guarantee's requirements (made here, so they die when it returns). */
function checkReads(c: Checking, needs: Needs, check: (c: Checking, req: Requirements, i: number) => void): void {
  const req = withPrefixMax(c, needs)
  const { reads } = c.ranks
  for (let i = 0; i < reads.length; i++) if (c.table.phase[reads[i]] !== FINAL) check(c, req, i)
}

/**
 * The sessions' ok ops in program order: checks read-your-writes and monotonic reads at each
 * read, against what the session did before, and gives every write its requirement
 * vectors: monotonic writes (the session's earlier writes) and writes-follow-reads (what
 * the session had read before it).
 */
function sessionPass(c: Checking): { monotonicWrites: Needs; writesFollowReads: Needs } {
  const { table, index, ranks, nodes } = c
  const positions = index.rows.length
  const readOf = new Int32Array(table.length).fill(-1)
  for (let i = 0; i < ranks.reads.length; i++) readOf[ranks.reads[i]] = i
  countSessions(c, readOf)
  // A requirement is a rank in its group (1M ops over 16 keys and 5 nodes: ~10k writes a group).
  const { groupStart } = index
  let largest = 0
  for (let g = 0; g + 1 < groupStart.length; g++) largest = Math.max(largest, groupStart[g + 1] - groupStart[g])
  const mwNeed = ranksOf(positions * nodes, largest)
  const mwRow = new Int32Array(positions * nodes).fill(-1)
  const wfrNeed = ranksOf(positions * nodes, largest)
  const wfrRow = new Int32Array(positions * nodes).fill(-1)
  for (let r = 0; r < table.length; r++) {
    if (table.type[r] !== OK || table.phase[r] === FINAL) continue
    const i = readOf[r]
    const p = index.positionOf[r]
    if (i < 0 && p < 0) continue
    const st = c.sessionOf(r)
    if (i < 0) {
      const v = c.vectors
      for (let n = 0; n < nodes; n++) {
        mwNeed[p * nodes + n] = v[c.slot(st, OWN_NEED, n)]
        mwRow[p * nodes + n] = v[c.slot(st, OWN_ROW, n)]
        wfrNeed[p * nodes + n] = v[c.slot(st, READ_MAX, n)]
        wfrRow[p * nodes + n] = v[c.slot(st, READ_ROW, n)]
      }
      addOwnWrite(c, st, r, p)
      continue
    }
    if (c.hasOwn[st] === 1) checkReadYourWrites(c, st, r, i)
    if (c.hasRead[st] === 1) checkMonotonicReads(c, st, r, i)
    addRead(c, st, r, i)
  }
  return { monotonicWrites: { need: mwNeed, row: mwRow }, writesFollowReads: { need: wfrNeed, row: wfrRow } }
}

/** Numbers the sessions the pass visits (those of ok reads and indexed writes outside the final reads), and makes their vectors. */
function countSessions(c: Checking, readOf: Int32Array): void {
  const { table, index, nodes } = c
  let sessions = 0
  for (let r = 0; r < table.length; r++) {
    if (table.type[r] !== OK || table.phase[r] === FINAL || (readOf[r] < 0 && index.positionOf[r] < 0)) continue
    if (c.sessionOf(r) < 0) c.sessions.set(table.process[r], table.key[r], sessions++)
  }
  c.vectors = new Int32Array(sessions * VECTORS * nodes)
  for (let st = 0; st < sessions; st++) {
    for (let vector = 0; vector < VECTORS; vector++)
      c.vectors.fill(VECTOR_INITIAL[vector], c.slot(st, vector as SessionVector, 0), c.slot(st, vector as SessionVector, nodes))
  }
  c.hasOwn = new Uint8Array(sessions)
  c.hasRead = new Uint8Array(sessions)
}

function addOwnWrite(c: Checking, st: SessionState, r: number, p: number): void {
  const n = c.table.dotNode[r]
  const v = c.vectors
  const need = c.slot(st, OWN_NEED, n)
  if (c.need[p] > v[need]) {
    v[need] = c.need[p]
    v[c.slot(st, OWN_ROW, n)] = r
  }
  // A session's writes through a node mostly come in position order (their counters rise), so p goes at the head.
  const last = c.slot(st, OWN_LAST, n)
  const before = c.ownBefore
  if (v[last] < p) {
    before[p] = v[last]
    v[last] = p
  } else {
    let after = v[last]
    while (before[after] > p) after = before[after]
    before[p] = before[after]
    before[after] = p
  }
  c.hasOwn[st] = 1
}

function addRead(c: Checking, st: SessionState, r: number, i: number): void {
  const { nodes, rank } = c
  const base = i * nodes
  for (let n = 0; n < nodes; n++) {
    const max = c.slot(st, READ_MAX, n)
    if (rank[base + n] > c.vectors[max]) {
      c.vectors[max] = rank[base + n]
      c.vectors[c.slot(st, READ_ROW, n)] = r
    }
  }
  const gaps = c.gapsOf(i)
  let readGaps = c.readGaps.get(st)
  if (gaps) {
    if (!readGaps) {
      readGaps = new Map()
      c.readGaps.set(st, readGaps)
    }
    for (const q of gaps) readGaps.set(q, r)
  }
  // Gap writes the session's prefix has caught up with need no separate check.
  if (readGaps) {
    for (const q of readGaps.keys()) {
      if (c.local(q) < c.vectors[c.slot(st, READ_MAX, c.table.dotNode[c.index.rows[q]])]) readGaps.delete(q)
    }
    if (readGaps.size === 0) c.readGaps.delete(st)
  }
  c.hasRead[st] = 1
}

/** Read i (row r) of a session with own writes to the key must cover them all. */
function checkReadYourWrites(c: Checking, st: SessionState, r: number, i: number): void {
  const { table, nodes, rank } = c
  const rows = c.index.rows
  const base = i * nodes
  const gaps = c.gapsOf(i)
  c.counts['read-your-writes'].checked += 1
  let missed = -1
  for (let n = 0; n < nodes && missed < 0; n++) {
    if (c.vectors[c.slot(st, OWN_NEED, n)] <= rank[base + n]) continue
    if (!gaps) {
      missed = c.vectors[c.slot(st, OWN_ROW, n)]
      break
    }
    // Own writes past the prefix must all be gap dots: stops at the first that is not.
    for (let q = c.vectors[c.slot(st, OWN_LAST, n)]; q >= 0 && c.local(q) >= rank[base + n]; q = c.ownBefore[q]) {
      if (!gaps.includes(q)) {
        missed = rows[q]
        break
      }
    }
  }
  if (missed < 0) return
  c.report('read-your-writes', () => ({
    summary: `process ${table.process[r]} read ${c.keyName(r)} (${c.at(r)}) without its own write ${c.at(missed)}, acknowledged ${((table.invoke[r] - table.complete[missed]) / 1000).toFixed(1)} ms before the read`,
    ops: [
      { role: 'own write', row: missed },
      { role: 'read', row: r },
    ],
  }))
}

/** Read i (row r) of a session that read the key before must cover what those reads covered. */
function checkMonotonicReads(c: Checking, st: SessionState, r: number, i: number): void {
  const { table, nodes, rank } = c
  const base = i * nodes
  c.counts['monotonic-reads'].checked += 1
  let seen = -1
  let earlier = -1
  for (let n = 0; n < nodes && seen < 0; n++) {
    if (c.vectors[c.slot(st, READ_MAX, n)] > rank[base + n]) {
      seen = c.firstUncovered(table.key[r], n, i)
      earlier = c.vectors[c.slot(st, READ_ROW, n)]
    }
  }
  const readGaps = c.readGaps.get(st)
  if (seen < 0 && readGaps) {
    for (const [q, readRow] of readGaps) {
      if (!readCovers(table, c.index, c.ranks, i, q)) {
        seen = c.index.rows[q]
        earlier = readRow
        break
      }
    }
  }
  if (seen < 0) return
  c.report('monotonic-reads', () => ({
    summary: `process ${table.process[r]} read ${c.keyName(r)}: ${c.at(earlier)} saw write ${c.at(seen)}, the later read ${c.at(r)} did not`,
    ops: [
      { role: 'write', row: seen },
      { role: 'earlier read', row: earlier },
      { role: 'read', row: r },
    ],
  }))
}

/** Adds the prefix maxima of the requirement vectors along each (key, node) group's dot order. */
function withPrefixMax(c: Checking, { need, row }: Needs): Requirements {
  const { nodes } = c
  const { groupStart } = c.index
  const max = need instanceof Int16Array ? new Int16Array(need.length) : new Int32Array(need.length)
  const arg = new Int32Array(need.length)
  for (let g = 0; g + 1 < groupStart.length; g++) {
    for (let p = groupStart[g]; p < groupStart[g + 1]; p++) {
      for (let n = 0; n < nodes; n++) {
        const here = p * nodes + n
        const before = here - nodes
        if (p === groupStart[g] || need[here] > max[before]) {
          max[here] = need[here]
          arg[here] = p
        } else {
          max[here] = max[before]
          arg[here] = arg[before]
        }
      }
    }
  }
  return { need, row, max, arg }
}

/**
 * Calls `visit(q, n)` for each write the read i covers whose requirement on node n is more
 * than the read has, in a fixed order, until `visit` returns true. The writes a read covers
 * are, on each node, a prefix of the group (judged by the prefix maxima at its last
 * position, which name the write q that needs most), plus gap positions (judged by their
 * own vectors).
 */
function unmetRequirements(c: Checking, req: Requirements, i: number, visit: (q: number, n: number) => boolean): void {
  const { nodes, rank } = c
  const base = i * nodes
  const key = c.table.key[c.ranks.reads[i]]
  const gaps = c.gapsOf(i)
  const gapCount = gaps ? gaps.length : 0
  for (let k = 0; k < nodes + gapCount; k++) {
    const direct = k >= nodes
    let p: number
    if (direct) p = (gaps as number[])[k - nodes]
    else {
      const covered = rank[base + k]
      if (covered === 0) continue
      p = c.index.groupStart[key * nodes + k] + covered - 1
    }
    for (let n = 0; n < nodes; n++) {
      const slot = p * nodes + n
      if ((direct ? req.need[slot] : req.max[slot]) > rank[base + n] && visit(direct ? p : req.arg[slot], n)) return
    }
  }
}

/** Any read covering a session's write must cover that session's earlier writes to the key. */
function checkMonotonicWrites(c: Checking, req: Requirements, i: number): void {
  const { table, nodes } = c
  const { rows, positionOf } = c.index
  const r = c.ranks.reads[i]
  const gaps = c.gapsOf(i)
  c.counts['monotonic-writes'].checked += 1
  let found: [later: number, earlier: number] | undefined
  unmetRequirements(c, req, i, (q, n) => {
    const later = rows[q]
    const earlier = req.row[q * nodes + n]
    // The earlier write lies past the prefix; only a gap dot could still cover it.
    if (!gaps?.includes(positionOf[earlier])) found = [later, earlier]
    else {
      const missed = missedEarlierOwn(c, i, later, n, gaps)
      if (missed >= 0) found = [later, missed]
    }
    return found !== undefined
  })
  if (!found) return
  const [later, earlier] = found
  c.report('monotonic-writes', () => ({
    summary: `read ${c.at(r)} of ${c.keyName(r)} saw write ${c.at(later)} of process ${table.process[later]} but not that process's earlier write ${c.at(earlier)}`,
    ops: [
      { role: 'earlier write', row: earlier },
      { role: 'later write', row: later },
      { role: 'read', row: r },
    ],
  }))
}

/**
 * For a read with gap dots: an own write of `later`'s session, earlier than `later`, through
 * node n, that read i misses; -1 when none is found within the step budget.
 */
function missedEarlierOwn(c: Checking, i: number, later: number, n: number, gaps: number[]): number {
  const rows = c.index.rows
  const st = c.sessionOf(later)
  if (st < 0) return -1
  const have = c.rank[i * c.nodes + n]
  let steps = 0
  for (let q = c.vectors[c.slot(st, OWN_LAST, n)]; q >= 0 && c.local(q) >= have && steps < VERIFY_STEPS; q = c.ownBefore[q], steps++) {
    if (rows[q] < later && !gaps.includes(q)) return rows[q]
  }
  return -1
}

/** Any read covering a session's write must cover what that session had read of the key before writing. */
function checkWritesFollowReads(c: Checking, req: Requirements, i: number): void {
  const { table, nodes } = c
  const r = c.ranks.reads[i]
  c.counts['writes-follow-reads'].checked += 1
  let found: [write: number, missed: number, sessionRead: number] | undefined
  unmetRequirements(c, req, i, (q, n) => {
    found = [c.index.rows[q], c.firstUncovered(table.key[r], n, i), req.row[q * nodes + n]]
    return true
  })
  if (!found) return
  const [write, missed, sessionRead] = found
  c.report('writes-follow-reads', () => ({
    summary: `read ${c.at(r)} of ${c.keyName(r)} saw write ${c.at(write)} of process ${table.process[write]} but not write ${c.at(missed)}, which that process had read (${c.at(sessionRead)}) before writing`,
    ops: [
      { role: 'write the session had read', row: missed },
      { role: 'session read', row: sessionRead },
      { role: 'session write', row: write },
      { role: 'read', row: r },
    ],
  }))
}
