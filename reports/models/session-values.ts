/**
 * The four session guarantees judged from values alone, on the causal order of
 * causal-order.ts (→: program order plus reads-from, transitively). A read r of key k is
 * stale with respect to a write w of k when a value r returned was written by a write
 * strictly before w (x → w), or when r returned nothing. Over ok ops of sessions:
 *
 * - read-your-writes: no session read of k is stale w.r.t. a write of k its session made before it.
 * - monotonic reads: no session read of k is stale w.r.t. a value an earlier read of k by its session returned.
 * - monotonic writes: no read of k is stale w.r.t. a write w1 of k by another session s when
 *   a later write w2 of s (any key) is in the read's causal past.
 * - writes-follow-reads: no read of k is stale w.r.t. a value that a read of k by another
 *   session s returned before s made a write w2 (any key) that is in the read's causal past.
 *
 * (The reader's own session is left out of the last two: there they would repeat the first
 * two, read-your-writes and monotonic reads.)
 * Each is a special case of a causal violation (the write the read misses is in its causal
 * past), so a causal history satisfies all four, and only reads the causal check flags are
 * searched; each guarantee names where the missed write came from. The last two judge final
 * reads too (they are real reads, though of no session). Info writes take part as values
 * read and as writes that follow others, not as a session's writes (their place in their
 * session is unknown). Unlike the context-based checks of sessions.ts, these need nothing
 * from the store but values, so they judge any store.
 *
 * For a returned value x, overwrites.ts has, per session q, q's first write of the key
 * following x (W): read-your-writes is W[x][own session] before the read; monotonic writes is
 * a W[x][q] followed by another write of q, both in the read's past. For the other two, the
 * maximal values each session's reads of each key returned are kept as they change (a
 * frontier, usually one value): monotonic reads asks the read's own session's frontier;
 * writes-follow-reads asks, per session q, q's frontier before q's last write in the read's
 * past. An empty read asks the runs' first entries.
 */
import { decided } from '../../common/contracts/checker.ts'
import type { CausalOrder, Clocks, ReadVisit } from './causal-order.ts'
import type { CausalCheckOptions } from './causal.ts'
import { opName, ViolationLog } from './causal-window.ts'
import type { ModelCheckResult } from './model-result.ts'
import { PairIds } from '../columns.ts'
import { ReadFrontiers } from './read-frontiers.ts'
import { lastInRun, runOf } from './runs.ts'

export const SESSION_VALUE_CHECKS = [
  'read-your-writes-from-values',
  'monotonic-reads-from-values',
  'monotonic-writes-from-values',
  'writes-follow-reads-from-values',
] as const
type SessionValueCheck = (typeof SESSION_VALUE_CHECKS)[number]

/** What a check applies to: session reads for the first two, every read for the last two. */
const CHECKED_WHAT: Record<SessionValueCheck, string> = {
  'read-your-writes-from-values': 'reads after a write of their session to their key',
  'monotonic-reads-from-values': 'reads after a read of their session of their key',
  'monotonic-writes-from-values': 'reads',
  'writes-follow-reads-from-values': 'reads',
}

/** `keys`: per key, 1 when a read of it was judged, 2 when one violated the guarantee. */
type Tally = { checked: number; violations: number; log: ViolationLog; keys: Uint8Array }
type Example = { summary: string; ops: number[]; roles: string[] }
/** A violation found: the write (or value) the read missed, and the other ops that show it. */
type Witness = { missed: number; why: string; role: string; more?: { op: number; role: string } }

/** The read being judged. */
type Judged = { row: number; key: number; session: number; position: number; clock: Clocks; base: number; final: boolean }

/** The four checks, fed each read by {@link CausalOrder.walk}. */
export class SessionValueChecks {
  #order: CausalOrder
  #tallies: Record<SessionValueCheck, Tally>
  /** The read being judged: its valid writers, and whether it returned nothing (and may be judged so). */
  #returned = new RowList()
  #empty = false
  /**
   * The maximal values (writes) each session's reads of each key returned, after each read
   * that changed them (see read-frontiers.ts). Per key, the frontiers of the sessions that read
   * it; per `session * keys + key`, one frontier.
   */
  #frontiers = new ReadFrontiers()
  /** By key id (an array, not a map: a lookup at every read judged). */
  #byKey: number[][]
  #frontier: PairIds
  /** Per session and key, the position of the session's first write of the key (-1: none): read-your-writes applies to its reads after it. */
  #firstWrite: PairIds
  /** The frontier a read makes, while {@link maximal} builds it. */
  #next = new RowList()
  /** The read being judged. */
  #read: Judged = { row: -1, key: -1, session: -1, position: 0, clock: new Uint16Array(0), base: 0, final: false }
  /** The causal order between writes, as {@link maximal} asks it (one function for every read). */
  #before: (a: number, b: number) => boolean

  constructor(order: CausalOrder, options: CausalCheckOptions) {
    this.#order = order
    this.#before = (a, b) => order.before(a, b)
    this.#byKey = Array.from({ length: order.history.keys.length }, () => [])
    // An array of a pair each when that costs at most 4 bytes an op.
    const pairs = Math.max(1 << 16, order.history.length)
    this.#frontier = new PairIds(order.sessions, order.history.keys.length, pairs)
    // Looked up at every session read, where a search of the key's runs missed the cache at each step.
    this.#firstWrite = new PairIds(order.sessions, order.history.keys.length, pairs)
    const { writes } = order
    for (let key = 0; key < order.history.keys.length; key++) {
      for (let run = writes.runStart[key]; run < writes.runStart[key + 1]; run++)
        this.#firstWrite.set(writes.runSession[run], key, writes.runPos[writes.runFrom[run]])
    }
    const tally = (): Tally => ({
      checked: 0,
      violations: 0,
      log: new ViolationLog(order.history, options.maxExamples ?? 10, options.maxWindows ?? 3),
      keys: new Uint8Array(order.history.keys.length),
    })
    this.#tallies = {
      'read-your-writes-from-values': tally(),
      'monotonic-reads-from-values': tally(),
      'monotonic-writes-from-values': tally(),
      'writes-follow-reads-from-values': tally(),
    }
  }

  /**
   * Judges a read; `causal` says whether the causal check found it violated. Every violation of
   * these guarantees is a causal one, so a read the causal check passed is only counted.
   */
  visit({ row, clock, base, final }: ReadVisit, causal: boolean): void {
    const order = this.#order
    const h = order.history
    const key = h.key[row]
    this.#returned.length = 0
    let unexplained = false
    for (let i = order.rfStart[row]; i < order.rfStart[row] + order.rfCount[row]; i++) {
      const x = order.writerIn(order.rf[i])
      if (x >= 0) this.#returned.push(x)
      else unexplained = true
    }
    // A read's entries are its values' writers, one at least for each read that returned a value.
    const nothing = order.rfCount[row] === 0
    // A read whose values have no write (phantoms, cycles) is the causal check's to report.
    if (!unexplained && !(nothing && order.keyHasDelete[key])) {
      this.#empty = nothing
      // One object for every read judged (nothing keeps it past the call).
      const read = this.#read
      read.row = row
      read.key = key
      read.session = order.sessionOf[row]
      read.position = order.pos[row]
      read.clock = clock
      read.base = base
      read.final = final
      this.#judge(read, causal)
    }
    if (!final) this.#remember(row, key)
  }

  #judge(read: Judged, causal: boolean): void {
    const { key, final } = read
    this.#applies('monotonic-writes-from-values', key)
    this.#applies('writes-follow-reads-from-values', key)
    if (!final) {
      const first = this.#firstWrite.get(read.session, key)
      if (first >= 0 && first < read.position) this.#applies('read-your-writes-from-values', key)
      const frontier = this.#frontier.get(read.session, key)
      if (frontier >= 0 && this.#frontiers.count(frontier) > 0) this.#applies('monotonic-reads-from-values', key)
    }
    if (causal) this.#findViolations(read)
  }

  /** The read violated causality: which guarantees it violated (a method of its own, so its closures cost only such reads). */
  #findViolations(read: Judged): void {
    const { final } = read
    const empty = this.#empty
    const checks: [SessionValueCheck, () => Witness | undefined][] = [
      ['read-your-writes-from-values', () => (final ? undefined : empty ? this.#ownWriteBefore(read) : this.#ownWrite(read))],
      ['monotonic-reads-from-values', () => (final ? undefined : this.#ownRead(read))],
      ['monotonic-writes-from-values', () => (empty ? this.#sessionWriteBefore(read) : this.#sessionWrite(read))],
      ['writes-follow-reads-from-values', () => this.#sessionRead(read)],
    ]
    for (const [check, find] of checks) {
      const witness = find()
      if (witness) this.#violated(check, read, witness)
    }
  }

  /** True when the read being judged is stale w.r.t. write w. */
  #stale(w: number): boolean {
    if (this.#empty) return true
    const returned = this.#returned
    for (let i = 0; i < returned.length; i++) if (this.#order.before(returned.rows[i], w)) return true
    return false
  }

  /** Read-your-writes: a returned value that an own earlier write follows. */
  #ownWrite({ session, position }: Judged): Witness | undefined {
    const order = this.#order
    const returned = this.#returned
    for (let r = 0; r < returned.length; r++) {
      const x = returned.rows[r]
      const at = order.overwrites.firstWrite(order.valueIdOf[x], session)
      if (at < position) return this.#missedWrite(order.opAt(session, at), "its session's earlier write", 'own earlier write')
    }
    return undefined
  }

  /** Read-your-writes of an empty read: any earlier write of the key by its session. */
  #ownWriteBefore({ key, session, position }: Judged): Witness | undefined {
    const { writes } = this.#order
    const run = runOf(writes, key, session)
    const at = run < 0 ? -1 : lastInRun(writes, run, position - 1)
    return at < 0 ? undefined : this.#missedWrite(writes.runRows[at], "its session's earlier write", 'own earlier write')
  }

  /** Monotonic reads: a value the session's earlier reads of the key returned that the read is stale w.r.t. */
  #ownRead({ key, session }: Judged): Witness | undefined {
    const frontier = this.#frontier.get(session, key)
    const y = frontier < 0 ? -1 : this.#staleIn(frontier, this.#frontiers.count(frontier) - 1)
    return y < 0 ? undefined : this.#missedValue(y, 'which an earlier read of its session returned')
  }

  /**
   * Monotonic writes: a write following a returned value, then a later write of its session,
   * both in the past. The sessions with a write following x are among those that have followed
   * it (its covered list, a few): the smallest such session's witness is the one a scan of
   * every session in order would find first.
   */
  #sessionWrite({ session, clock, base }: Judged): Witness | undefined {
    const order = this.#order
    const { overwrites } = order
    const returned = this.#returned
    for (let r = 0; r < returned.length; r++) {
      const id = order.valueIdOf[returned.rows[r]]
      const sessions = overwrites.coveredSessions()
      let first = -1
      let at = 0
      let later = -1
      for (let i = overwrites.coveredFrom(id); i < overwrites.coveredTo(id); i++) {
        const q = sessions[i]
        if (q === session || (first >= 0 && q > first)) continue
        const w = overwrites.firstWrite(id, q)
        const next = this.#writeAfter(q, w, clock[base + q])
        if (next < 0) continue
        first = q
        at = w
        later = next
      }
      if (first >= 0) return this.#missedWrite(order.opAt(first, at), '', 'earlier write of a session', later)
    }
    return undefined
  }

  /** Monotonic writes of an empty read: a session's first write of the key, then a later write of it, in the past. */
  #sessionWriteBefore({ key, session, clock, base }: Judged): Witness | undefined {
    const order = this.#order
    const { writes } = order
    for (let run = writes.runStart[key]; run < writes.runStart[key + 1]; run++) {
      const q = writes.runSession[run]
      if (q === session) continue
      const at = writes.runPos[writes.runFrom[run]]
      const later = this.#writeAfter(q, at, clock[base + q])
      if (later >= 0) return this.#missedWrite(order.opAt(q, at), '', 'earlier write of a session', later)
    }
    return undefined
  }

  /** Writes-follow-reads: per session that read the key, a value it read before its last write in the read's past. */
  #sessionRead({ key, session, clock, base }: Judged): Witness | undefined {
    const order = this.#order
    const h = order.history
    for (const frontier of this.#byKey[key]) {
      const q = this.#frontiers.session(frontier)
      if (q === session) continue
      // Snapshots are marked with q's next write after them: those before q's last write in
      // the read's past are those marked at or below the read's clock (one search, not two).
      const y = this.#staleIn(frontier, this.#frontiers.before(frontier, clock[base + q] + 1))
      if (y >= 0) {
        const write = order.lastWriteOf(q, clock[base + q])
        const why = `which session ${h.process[write]} had read before its write ${opName(h, write)}, in the read's causal past`
        return { ...this.#missedValue(y, why), role: 'value read before the write', more: { op: write, role: 'write after that read' } }
      }
    }
    return undefined
  }

  /** A value of snapshot i of a frontier the read being judged is stale w.r.t., or -1. */
  #staleIn(frontier: number, i: number): number {
    if (i < 0) return -1
    const { from, to } = this.#frontiers.range(frontier, i)
    const values = this.#frontiers.values()
    for (let j = from; j < to; j++) if (this.#stale(values[j])) return values[j]
    return -1
  }

  /** After a session read: its session's frontier of the key gains the values it returned. */
  #remember(row: number, key: number): void {
    if (this.#returned.length === 0) return
    const order = this.#order
    const s = order.sessionOf[row]
    let frontier = this.#frontier.get(s, key)
    if (frontier < 0) {
      frontier = this.#frontiers.create(s)
      this.#frontier.set(s, key, frontier)
      this.#byKey[key].push(frontier)
    }
    const i = this.#frontiers.count(frontier) - 1
    const { from, to } = i < 0 ? { from: 0, to: 0 } : this.#frontiers.range(frontier, i)
    if (!maximal(this.#frontiers.values(), from, to, this.#returned, this.#before, this.#next)) return
    this.#frontiers.append(frontier, order.nextWriteAfter(s, order.pos[row]), this.#next.rows, this.#next.length)
  }

  /** Session q's first write after position `at` when both are within `limit` (the read's past of q), else -1. */
  #writeAfter(q: number, at: number, limit: number): number {
    if (at > limit) return -1
    const next = this.#order.nextWriteAfter(q, at)
    return next <= limit ? this.#order.opAt(q, next) : -1
  }

  /** A witness that the read missed write w (`after`: a later write of w's session in the read's past). */
  #missedWrite(w: number, what: string, role: string, after?: number): Witness {
    const h = this.#order.history
    const why =
      after === undefined
        ? `${what} ${opName(h, w)}`
        : `${opName(h, w)}, though ${opName(h, after)}, a later write of the same session, is in its causal past`
    return { missed: w, why, role, more: after === undefined ? undefined : { op: after, role: 'later write of that session' } }
  }

  /** A witness that the read missed value y (`which` says who read it). */
  #missedValue(y: number, which: string): Witness {
    return { missed: y, why: `the value of ${opName(this.#order.history, y)}, ${which}`, role: 'value read before' }
  }

  /** Counts a violation of `check` by the read being judged, with its example while wanted. */
  #violated(check: SessionValueCheck, read: Judged, witness: Witness): void {
    const t = this.#tallies[check]
    t.violations++
    t.keys[read.key] = 2
    if (!t.log.wanted) return
    const e = this.#example(read.row, witness)
    t.log.add(read.key, e.summary, e.ops, e.roles)
  }

  /** Counts the read being judged as one `check` applies to (once per read). */
  #applies(check: SessionValueCheck, key: number): void {
    const t = this.#tallies[check]
    t.checked++
    t.keys[key] ||= 1
  }

  /** An example: the read, what it returned, the write it missed, and what shows it should not have. */
  #example(row: number, { missed, why, role, more }: Witness): Example {
    const h = this.#order.history
    const read = `read ${opName(h, row)} of ${h.keys[h.key[row]]}${h.final[row] ? ' (a final read)' : ` by session ${h.process[row]}`}`
    const returned = this.#returned.toArray()
    const what = this.#empty
      ? `returned nothing, missing ${why}`
      : `returned the value of ${returned.map((x) => opName(h, x)).join(' and ')}, older than ${why}`
    const ops = [...new Set([...returned, missed, ...(more ? [more.op] : []), row])]
    const roleOf = (op: number): string =>
      op === row ? 'read' : op === missed ? role : op === more?.op ? more.role : 'write of the value read'
    return { summary: `${read} ${what}`, ops, roles: ops.map(roleOf) }
  }

  results(): ModelCheckResult[] {
    return SESSION_VALUE_CHECKS.map((name) => {
      const t = this.#tallies[name]
      const keys = { valid: t.keys.filter((k) => k === 1).length, invalid: t.keys.filter((k) => k === 2).length, unknown: 0 }
      return {
        ...decided({
          name,
          kind: 'model',
          checked: t.checked,
          checkedWhat: CHECKED_WHAT[name],
          violations: t.violations,
          examples: t.log.examples,
        }),
        keys,
        windows: t.log.sortedWindows(),
      }
    })
  }
}

/**
 * Puts in `out` the maximal elements of `current[from..to]` (a frontier) and `added` together
 * (`before(a, b)`: a strictly before b), and returns true; or returns false when they are
 * the frontier's own. The common case, one value replacing one it follows, makes nothing.
 */
function maximal(
  current: Int32Array,
  from: number,
  to: number,
  added: RowList,
  before: (a: number, b: number) => boolean,
  out: RowList,
): boolean {
  out.length = 0
  if (added.length === 1 && to - from === 1) {
    const y = added.rows[0]
    const z = current[from]
    if (y === z || before(y, z)) return false
    if (!before(z, y)) out.push(z)
    out.push(y)
    return true
  }
  let changed = false
  for (let j = from; j < to; j++) {
    if (kept(current, from, to, added, before, current[j], -1)) out.push(current[j])
    else changed = true
  }
  for (let j = 0; j < added.length; j++) {
    const y = added.rows[j]
    let known = false
    for (let i = from; i < to && !known; i++) known = current[i] === y
    for (let i = 0; i < j && !known; i++) known = added.rows[i] === y
    if (known || !kept(current, from, to, added, before, y, j)) continue
    out.push(y)
    changed = true
  }
  return changed
}

/**
 * Whether value y stays maximal: nothing among `added` (but itself, `added[self]`) follows
 * it, nor, for an added value (`self` >= 0), among the frontier `current[from..to)` (an
 * antichain already: its own values need only be compared with the new ones). A function of
 * its own, not a closure in {@link maximal}: most reads call maximal, and a closure each is garbage.
 */
function kept(
  current: Int32Array,
  from: number,
  to: number,
  added: RowList,
  before: (a: number, b: number) => boolean,
  y: number,
  self: number,
): boolean {
  if (self >= 0) for (let j = from; j < to; j++) if (current[j] !== y && before(y, current[j])) return false
  for (let j = 0; j < added.length; j++) if (j !== self && added.rows[j] !== y && before(y, added.rows[j])) return false
  return true
}

/**
 * Rows reused from read to read: emptying an array (`length = 0`) drops its storage, so
 * each of a million reads would allocate it again.
 */
class RowList {
  rows = new Int32Array(8)
  /** The rows are `rows[0 .. length)`; set to 0 to empty the list. */
  length = 0

  push(row: number): void {
    if (this.length === this.rows.length) {
      const bigger = new Int32Array(2 * this.rows.length)
      bigger.set(this.rows)
      this.rows = bigger
    }
    this.rows[this.length++] = row
  }

  toArray(): number[] {
    return Array.from(this.rows.subarray(0, this.length))
  }
}
