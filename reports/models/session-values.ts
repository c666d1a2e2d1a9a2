/**
 * The four session guarantees judged from values alone, on the causal order of
 * causal-order.ts (→: program order plus reads-from, transitively). A read r of key k is
 * stale with respect to a write w of k when a value r returned was written by a write
 * strictly before w (x → w), or when r returned nothing. Over ok ops of sessions:
 *
 * - read-your-writes: no session read of k is stale w.r.t. a write of k its session made before it.
 * - monotonic reads: no session read of k is stale w.r.t. a value an earlier read of k by its session returned.
 * - monotonic writes: no read of k is stale w.r.t. a write w1 of k by any session s when a
 *   later write w2 of s (any key) is in the read's causal past.
 * - writes-follow-reads: no read of k is stale w.r.t. a value that a read of k by any session
 *   s returned before s made a write w2 (any key) that is in the read's causal past.
 *
 * Each is a special case of a causal violation (the write the read misses is in its causal
 * past), so a causal history satisfies all four; each names where the missed write came
 * from. The last two judge final reads too (they are real reads, though of no session).
 * Info writes take part as values read and as writes that follow others, not as a session's
 * writes (their place in their session is unknown). Unlike the context-based checks of
 * sessions.ts, these need nothing from the store but values, so they judge any store.
 *
 * Per read: the latest own write of k by binary search; per session, the latest write of
 * that session in the read's past and, before it, its latest write of k and the maximal
 * values its reads of k had returned (kept per (session, key) as they change).
 */
import { decided } from '../../common/contracts/checker.ts'
import { GET } from '../op-table.ts'
import type { CausalOrder, Clocks, ReadVisit } from './causal-order.ts'
import { lastAtOrBefore, type ModelCheckOptions } from './causal.ts'
import { opName, ViolationLog } from './failing-window.ts'
import type { ModelCheckResult } from './model-result.ts'

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

/**
 * The maximal values (writes) a session's reads of one key returned, after each read that
 * changed them: `items[from[i] .. from[i + 1]]` after the read at position pos[i].
 */
class ReadFrontier {
  readonly session: number
  readonly pos: number[] = []
  readonly from: number[] = [0]
  readonly items: number[] = []

  constructor(session: number) {
    this.session = session
  }

  /** Index of the last snapshot taken at a position < limit, or -1. */
  before(limit: number): number {
    return lastAtOrBefore(this.pos, limit - 1)
  }

  current(): number {
    return this.pos.length - 1
  }
}

type Tally = { checked: number; violations: number; log: ViolationLog; keysChecked: Set<number>; keysInvalid: Set<number> }
type Example = { summary: string; ops: number[]; roles: string[] }

/** The four checks, fed each read by {@link CausalOrder.walk}. */
export class SessionValueChecks {
  #order: CausalOrder
  #tallies: Record<SessionValueCheck, Tally>
  /** Per key, the frontiers of the sessions that read it; per `session * keys + key`, one frontier. */
  #byKey = new Map<number, ReadFrontier[]>()
  #frontier = new Map<number, ReadFrontier>()
  /** The read being judged: its valid writers, and whether it returned nothing (and may be judged so). */
  #returned: number[] = []
  #empty = false

  constructor(order: CausalOrder, options: ModelCheckOptions) {
    this.#order = order
    const tally = (): Tally => ({
      checked: 0,
      violations: 0,
      log: new ViolationLog(order.history, options.maxExamples ?? 10, options.maxWindows ?? 3),
      keysChecked: new Set(),
      keysInvalid: new Set(),
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
   * these guarantees is a causal one, so a read the causal check passed is only counted (and
   * remembered for monotonic reads and writes-follow-reads), not searched.
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
    // A read whose values have no write (phantoms, cycles) is the causal check's to report.
    if (unexplained) return
    const nothing = h.f[row] === GET ? h.readCount[row] === 0 : order.rfCount[row] === 0
    this.#empty = nothing && !order.keyHasDelete[key]
    if (nothing && !this.#empty) return
    this.#applies('monotonic-writes-from-values', key)
    this.#applies('writes-follow-reads-from-values', key)
    if (!final) {
      this.#readYourWrites(row, key, causal)
      this.#monotonicReads(row, key, causal)
    }
    if (causal) {
      this.#monotonicWrites(row, key, clock, base)
      this.#writesFollowReads(row, key, clock, base)
    }
    if (!final) this.#remember(row, key)
  }

  /** True when the read being judged is stale w.r.t. write w. */
  #stale(w: number): boolean {
    if (this.#empty) return true
    for (const x of this.#returned) if (this.#order.before(x, w)) return true
    return false
  }

  /** Counts a violation of `check` by the read being judged (each check calls it at most once per read). */
  #violated(check: SessionValueCheck, key: number, example: () => Example): void {
    const t = this.#tallies[check]
    t.violations++
    t.keysInvalid.add(key)
    if (t.log.wanted) {
      const e = example()
      t.log.add(key, e.summary, e.ops, e.roles)
    }
  }

  /** Counts the read being judged as one `check` applies to (call once per read). */
  #applies(check: SessionValueCheck, key: number): void {
    const t = this.#tallies[check]
    t.checked++
    t.keysChecked.add(key)
  }

  #readYourWrites(row: number, key: number, causal: boolean): void {
    const order = this.#order
    const run = order.runOf(key, order.sessionOf[row])
    const at = run < 0 ? -1 : order.lastInRun(run, order.pos[row] - 1)
    if (at < 0) return
    this.#applies('read-your-writes-from-values', key)
    const w = order.runRows[at]
    if (!causal || !this.#stale(w)) return
    this.#violated('read-your-writes-from-values', key, () =>
      this.#example(row, w, `its session's earlier write ${opName(order.history, w)}`, 'own earlier write'),
    )
  }

  #monotonicReads(row: number, key: number, causal: boolean): void {
    const frontier = this.#frontier.get(this.#order.sessionOf[row] * this.#order.history.keys.length + key)
    if (!frontier || frontier.current() < 0) return
    this.#applies('monotonic-reads-from-values', key)
    if (!causal) return
    const i = frontier.current()
    for (let j = frontier.from[i]; j < frontier.from[i + 1]; j++) {
      const y = frontier.items[j]
      if (!this.#stale(y)) continue
      this.#violated('monotonic-reads-from-values', key, () =>
        this.#example(
          row,
          y,
          `the value of ${opName(this.#order.history, y)}, which an earlier read of its session returned`,
          'value read before',
        ),
      )
      return
    }
  }

  #monotonicWrites(row: number, key: number, clock: Clocks, base: number): void {
    const order = this.#order
    for (let run = order.runStart[key]; run < order.runStart[key + 1]; run++) {
      const s = order.runSession[run]
      const later = order.lastWriteOf(s, clock[base + s])
      if (later < 0) continue
      const at = order.lastInRun(run, order.pos[later] - 1)
      if (at < 0) continue
      const w1 = order.runRows[at]
      if (!this.#stale(w1)) continue
      this.#violated('monotonic-writes-from-values', key, () => {
        const h = order.history
        const e = this.#example(
          row,
          w1,
          `${opName(h, w1)}, though ${opName(h, later)}, a later write of the same session, is in its causal past`,
          'earlier write of a session',
        )
        return { ...e, ops: [...e.ops, later], roles: [...e.roles, 'later write of that session'] }
      })
      return
    }
  }

  #writesFollowReads(row: number, key: number, clock: Clocks, base: number): void {
    const order = this.#order
    for (const frontier of this.#byKey.get(key) ?? []) {
      const s = frontier.session
      const write = order.lastWriteOf(s, clock[base + s])
      if (write < 0) continue
      const i = frontier.before(order.pos[write])
      if (i < 0 || frontier.from[i] === frontier.from[i + 1]) continue
      for (let j = frontier.from[i]; j < frontier.from[i + 1]; j++) {
        const y = frontier.items[j]
        if (!this.#stale(y)) continue
        this.#violated('writes-follow-reads-from-values', key, () => {
          const h = order.history
          const e = this.#example(
            row,
            y,
            `the value of ${opName(h, y)}, which session ${h.process[write]} had read before its write ${opName(h, write)}, in the read's causal past`,
            'value read before the write',
          )
          return { ...e, ops: [...e.ops, write], roles: [...e.roles, 'write after that read'] }
        })
        return
      }
    }
  }

  /** After a session read: its session's frontier of key values gains what it returned. */
  #remember(row: number, key: number): void {
    if (this.#returned.length === 0) return
    const order = this.#order
    const s = order.sessionOf[row]
    const id = s * order.history.keys.length + key
    let frontier = this.#frontier.get(id)
    if (!frontier) {
      frontier = new ReadFrontier(s)
      this.#frontier.set(id, frontier)
      const list = this.#byKey.get(key)
      if (list) list.push(frontier)
      else this.#byKey.set(key, [frontier])
    }
    const i = frontier.current()
    const from = i < 0 ? 0 : frontier.from[i]
    const to = i < 0 ? 0 : frontier.from[i + 1]
    const next = maximal(frontier.items, from, to, this.#returned, (a, b) => order.before(a, b))
    if (!next) return
    frontier.pos.push(order.pos[row])
    frontier.items.push(...next)
    frontier.from.push(frontier.items.length)
  }

  /** An example: the read, what it returned, and the write it missed (`missed` describes it). */
  #example(row: number, write: number, missed: string, role: string): Example {
    const h = this.#order.history
    const read = `read ${opName(h, row)} of ${h.keys[h.key[row]]}${h.final[row] ? ' (a final read)' : ` by session ${h.process[row]}`}`
    const what = this.#empty
      ? `returned nothing, missing ${missed}`
      : `returned the value of ${this.#returned.map((x) => opName(h, x)).join(' and ')}, older than ${missed}`
    const ops = [...new Set([...this.#returned, write, row])]
    return {
      summary: `${read} ${what}`,
      ops,
      roles: ops.map((op) => (op === row ? 'read' : op === write ? role : 'write of the value read')),
    }
  }

  results(): ModelCheckResult[] {
    return SESSION_VALUE_CHECKS.map((name) => {
      const t = this.#tallies[name]
      const keys = { valid: t.keysChecked.size - t.keysInvalid.size, invalid: t.keysInvalid.size, unknown: 0 }
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
 * The maximal elements of `items[from..to]` (a frontier) and `added` together (`before(a, b)`:
 * a strictly before b), or undefined when they are the frontier's. The common case, one value
 * replacing one it follows, makes no set.
 */
function maximal(
  items: number[],
  from: number,
  to: number,
  added: readonly number[],
  before: (a: number, b: number) => boolean,
): number[] | undefined {
  if (added.length === 1 && to - from === 1) {
    const y = added[0]
    const z = items[from]
    if (y === z || before(y, z)) return undefined
    return before(z, y) ? [y] : [z, y]
  }
  const frontier = items.slice(from, to)
  const all = [...new Set([...frontier, ...added])]
  const kept = all.filter((y) => !all.some((z) => z !== y && before(y, z)))
  return kept.length === frontier.length && kept.every((y) => frontier.includes(y)) ? undefined : kept
}
