/**
 * Session guarantee checkers, per client (`process`) and key, over ok ops only:
 *
 * - read-your-writes: a session's read covers every write the session made to the key.
 * - monotonic reads: a session's read covers everything its earlier reads of the key covered.
 * - monotonic writes: any read covering a session's write covers the session's earlier writes to that key.
 * - writes-follow-reads: any read covering a session's write covers what the session had
 *   read of the key before that write.
 *
 * A session's ops are taken in file (completion) order, which is its program order since a
 * process runs one op at a time. Contexts are compared as ranks (coverage.ts), so each
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
 * Each read counts at most once per guarantee; examples name the ops involved.
 */
import { readCovers, type ReadRanks, type WriteIndex } from './coverage.ts'
import type { Example } from './examples.ts'
import { OK, type OpTable } from './op-table.ts'

export const SESSION_GUARANTEES = ['read-your-writes', 'monotonic-reads', 'monotonic-writes', 'writes-follow-reads'] as const
export type SessionGuarantee = (typeof SESSION_GUARANTEES)[number]

export type SessionCheck = {
  /** Reads the guarantee applied to (e.g. for read-your-writes: reads after an own write). */
  checkedReads: number
  /** Reads that witnessed a violation. */
  violations: number
  examples: Example[]
}

export type SessionResults = Record<SessionGuarantee, SessionCheck>

export type SessionOptions = { maxExamples?: number }

/** One per (process, key) that has ok ops: kept small, as there can be a million. */
type SessionState = {
  /** Per node: the rank a read needs to cover every own write (0: none), and that write's row. */
  ownNeed: Int32Array
  ownRow: Int32Array
  /** Per node: positions of the session's own writes through it, ascending. */
  ownByNode: number[][]
  hasOwn: boolean
  /** Per node: the highest rank an earlier read of the session had, and that read's row. */
  readMax: Int32Array
  readRow: Int32Array
  /** Writes earlier reads covered only through gap dots, by position -> the read's row. */
  readGaps: Map<number, number> | undefined
  hasRead: boolean
}

/** How many own writes a monotonic-writes verification looks at before giving up. */
const VERIFY_STEPS = 256

export function checkSessions(table: OpTable, index: WriteIndex, ranks: ReadRanks, options: SessionOptions = {}): SessionResults {
  const maxExamples = options.maxExamples ?? 10
  const nodes = index.nodes
  const { groupStart, rows, counters, positionOf } = index
  const positions = rows.length
  const results = Object.fromEntries(
    SESSION_GUARANTEES.map((g) => [g, { checkedReads: 0, violations: 0, examples: [] as Example[] }]),
  ) as SessionResults
  const report = (guarantee: SessionGuarantee, example: () => Example): void => {
    const check = results[guarantee]
    check.violations += 1
    if (check.examples.length < maxExamples) check.examples.push(example())
  }
  const at = (row: number): string => `#${table.index[row]}`
  const keyName = (row: number): string => table.keys.names[table.key[row]]
  const ms = (us: number): string => `${(us / 1000).toFixed(1)} ms`
  /** Position within its (key, node) group. */
  const local = (p: number): number => p - groupStart[table.key[rows[p]] * nodes + table.dotNode[rows[p]]]

  // need[p]: the rank a read needs on the write's node to cover the write at position p
  // (equal dots, the vv collision, are covered together).
  const need = new Int32Array(positions)
  for (let g = 0; g + 1 < groupStart.length; g++) {
    for (let p = groupStart[g + 1] - 1; p >= groupStart[g]; p--) {
      need[p] = p + 1 < groupStart[g + 1] && counters[p + 1] === counters[p] ? need[p + 1] : p - groupStart[g] + 1
    }
  }
  const readOf = new Int32Array(table.length).fill(-1)
  for (let i = 0; i < ranks.reads.length; i++) readOf[ranks.reads[i]] = i
  const rank = ranks.ranks
  const gapsOf = (i: number): number[] | undefined => (ranks.gaps.size > 0 ? ranks.gaps.get(i) : undefined)
  /** The first write of `key` through node n that read i does not cover (never a gap dot). */
  const firstUncovered = (key: number, n: number, i: number): number => rows[groupStart[key * nodes + n] + rank[i * nodes + n]]

  // Requirement vectors of every write: monotonic writes (own earlier writes) and
  // writes-follow-reads (the session's reads before it), with the rows behind them.
  const mwNeed = new Int32Array(positions * nodes)
  const mwRow = new Int32Array(positions * nodes).fill(-1)
  const wfrNeed = new Int32Array(positions * nodes)
  const wfrRow = new Int32Array(positions * nodes).fill(-1)

  const states = new Map<number, SessionState>()
  const keyCount = table.keys.size
  const stateOf = (row: number): SessionState | undefined => states.get(table.process[row] * keyCount + table.key[row])
  for (let r = 0; r < table.length; r++) {
    if (table.type[r] !== OK) continue
    const i = readOf[r]
    const p = positionOf[r]
    if (i < 0 && p < 0) continue
    const sessionKey = table.process[r] * keyCount + table.key[r]
    let st = states.get(sessionKey)
    if (!st) {
      // The four per-node vectors share one buffer.
      const vectors = new Int32Array(4 * nodes)
      vectors.fill(-1, nodes, 2 * nodes)
      vectors.fill(-1, 3 * nodes)
      st = {
        ownNeed: vectors.subarray(0, nodes),
        ownRow: vectors.subarray(nodes, 2 * nodes),
        ownByNode: [],
        hasOwn: false,
        readMax: vectors.subarray(2 * nodes, 3 * nodes),
        readRow: vectors.subarray(3 * nodes),
        readGaps: undefined,
        hasRead: false,
      }
      states.set(sessionKey, st)
    }
    if (i < 0) {
      mwNeed.set(st.ownNeed, p * nodes)
      mwRow.set(st.ownRow, p * nodes)
      wfrNeed.set(st.readMax, p * nodes)
      wfrRow.set(st.readRow, p * nodes)
      const n = table.dotNode[r]
      if (need[p] > st.ownNeed[n]) {
        st.ownNeed[n] = need[p]
        st.ownRow[n] = r
      }
      const list = (st.ownByNode[n] ??= [])
      let j = list.length
      list.push(p)
      while (j > 0 && list[j - 1] > p) {
        list[j] = list[j - 1]
        j--
      }
      list[j] = p
      st.hasOwn = true
      continue
    }

    const base = i * nodes
    const gaps = gapsOf(i)
    const key = table.key[r]
    if (st.hasOwn) {
      results['read-your-writes'].checkedReads += 1
      let missed = -1
      for (let n = 0; n < nodes && missed < 0; n++) {
        if (st.ownNeed[n] <= rank[base + n]) continue
        if (!gaps) {
          missed = st.ownRow[n]
          break
        }
        // Own writes past the prefix must all be gap dots: stops at the first that is not.
        const list = st.ownByNode[n]
        for (let j = list.length - 1; j >= 0 && local(list[j]) >= rank[base + n]; j--) {
          if (!gaps.includes(list[j])) {
            missed = rows[list[j]]
            break
          }
        }
      }
      if (missed >= 0) {
        const write = missed
        report('read-your-writes', () => ({
          summary: `process ${table.process[r]} read ${keyName(r)} (${at(r)}) without its own write ${at(write)}, acknowledged ${ms(table.invoke[r] - table.complete[write])} before the read`,
          ops: [
            { role: 'own write', row: write },
            { role: 'read', row: r },
          ],
        }))
      }
    }
    if (st.hasRead) {
      results['monotonic-reads'].checkedReads += 1
      let seen = -1
      let earlier = -1
      for (let n = 0; n < nodes && seen < 0; n++) {
        if (st.readMax[n] > rank[base + n]) {
          seen = firstUncovered(key, n, i)
          earlier = st.readRow[n]
        }
      }
      if (seen < 0 && st.readGaps) {
        for (const [q, readRow] of st.readGaps) {
          if (!readCovers(table, index, ranks, i, q)) {
            seen = rows[q]
            earlier = readRow
            break
          }
        }
      }
      if (seen >= 0) {
        const [write, before] = [seen, earlier]
        report('monotonic-reads', () => ({
          summary: `process ${table.process[r]} read ${keyName(r)}: ${at(before)} saw write ${at(write)}, the later read ${at(r)} did not`,
          ops: [
            { role: 'write', row: write },
            { role: 'earlier read', row: before },
            { role: 'read', row: r },
          ],
        }))
      }
    }
    for (let n = 0; n < nodes; n++) {
      if (rank[base + n] > st.readMax[n]) {
        st.readMax[n] = rank[base + n]
        st.readRow[n] = r
      }
    }
    if (gaps) for (const q of gaps) (st.readGaps ??= new Map()).set(q, r)
    // Gap writes the session's prefix has caught up with need no separate check.
    if (st.readGaps) {
      for (const q of st.readGaps.keys()) if (local(q) < st.readMax[table.dotNode[rows[q]]]) st.readGaps.delete(q)
      if (st.readGaps.size === 0) st.readGaps = undefined
    }
    st.hasRead = true
  }

  // Prefix maxima of the requirement vectors along each (key, node) group's dot order.
  const prefixMax = (req: Int32Array): { max: Int32Array; arg: Int32Array } => {
    const max = new Int32Array(positions * nodes)
    const arg = new Int32Array(positions * nodes)
    for (let g = 0; g + 1 < groupStart.length; g++) {
      for (let p = groupStart[g]; p < groupStart[g + 1]; p++) {
        for (let n = 0; n < nodes; n++) {
          const here = p * nodes + n
          const before = here - nodes
          if (p === groupStart[g] || req[here] > max[before]) {
            max[here] = req[here]
            arg[here] = p
          } else {
            max[here] = max[before]
            arg[here] = arg[before]
          }
        }
      }
    }
    return { max, arg }
  }
  const mw = prefixMax(mwNeed)
  const wfr = prefixMax(wfrNeed)

  /**
   * For a read with gap dots: an own write of later's session, earlier than later, through
   * node n, that read i misses; -1 when none is found within the step budget.
   */
  const missedEarlierOwn = (i: number, later: number, n: number, gaps: number[]): number => {
    const list = stateOf(later)?.ownByNode[n] ?? []
    const have = rank[i * nodes + n]
    let steps = 0
    for (let j = list.length - 1; j >= 0 && local(list[j]) >= have && steps < VERIFY_STEPS; j--, steps++) {
      const q = list[j]
      if (rows[q] < later && !gaps.includes(q)) return rows[q]
    }
    return -1
  }

  results['monotonic-writes'].checkedReads = ranks.reads.length
  results['writes-follow-reads'].checkedReads = ranks.reads.length
  for (let i = 0; i < ranks.reads.length; i++) {
    const r = ranks.reads[i]
    const key = table.key[r]
    const base = i * nodes
    const gaps = gapsOf(i)
    let mwFound: [number, number] | undefined
    let wfrFound: [number, number, number] | undefined
    // The writes the read covers: on each node a prefix of the group (judged by the prefix
    // maxima at its last position), plus gap positions (judged by their own vectors).
    const gapCount = gaps ? gaps.length : 0
    for (let c = 0; c < nodes + gapCount && !(mwFound && wfrFound); c++) {
      const direct = c >= nodes
      let p: number
      if (direct) p = (gaps as number[])[c - nodes]
      else {
        const covered = rank[base + c]
        if (covered === 0) continue
        p = groupStart[key * nodes + c] + covered - 1
      }
      for (let n = 0; n < nodes; n++) {
        const slot = p * nodes + n
        const have = rank[base + n]
        if (!mwFound && (direct ? mwNeed[slot] : mw.max[slot]) > have) {
          const q = direct ? p : mw.arg[slot]
          const later = rows[q]
          const earlier = mwRow[q * nodes + n]
          // The earlier write lies past the prefix; only a gap dot could still cover it.
          if (!gaps || !gaps.includes(positionOf[earlier])) mwFound = [later, earlier]
          else {
            const missed = missedEarlierOwn(i, later, n, gaps)
            if (missed >= 0) mwFound = [later, missed]
          }
        }
        if (!wfrFound && (direct ? wfrNeed[slot] : wfr.max[slot]) > have) {
          const q = direct ? p : wfr.arg[slot]
          wfrFound = [rows[q], firstUncovered(key, n, i), wfrRow[q * nodes + n]]
        }
      }
    }
    if (mwFound) {
      const [later, earlier] = mwFound
      report('monotonic-writes', () => ({
        summary: `read ${at(r)} of ${keyName(r)} saw write ${at(later)} of process ${table.process[later]} but not that process's earlier write ${at(earlier)}`,
        ops: [
          { role: 'earlier write', row: earlier },
          { role: 'later write', row: later },
          { role: 'read', row: r },
        ],
      }))
    }
    if (wfrFound) {
      const [write, missed, sessionRead] = wfrFound
      report('writes-follow-reads', () => ({
        summary: `read ${at(r)} of ${keyName(r)} saw write ${at(write)} of process ${table.process[write]} but not write ${at(missed)}, which that process had read (${at(sessionRead)}) before writing`,
        ops: [
          { role: 'write the session had read', row: missed },
          { role: 'session read', row: sessionRead },
          { role: 'session write', row: write },
          { role: 'read', row: r },
        ],
      }))
    }
  }
  return results
}
