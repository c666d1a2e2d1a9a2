/**
 * What a configuration promises, and the verdict of a run against it: exit code 0 (the
 * run finished and every promised guarantee was checked and held), 1 (a promised guarantee
 * violated), 2 (the run could not complete, or a promised guarantee could not be checked:
 * a run that proves nothing must not pass). Anomalies a configuration does not promise to
 * avoid (lost writes under lww, stale session reads...) are reported, never failed on.
 */
import type { RunInfo } from '../common/contracts/history.ts'
import type { Convergence } from './convergence.ts'
import type { Example } from './examples.ts'
import type { EndEvent } from './history-scan.ts'
import type { LostWrites } from './lost-writes.ts'
import type { PhantomValues } from './phantom-values.ts'
import { SESSION_GUARANTEES, type SessionResults } from './sessions.ts'

export const GUARANTEES = [
  'no-lost-writes',
  'no-phantom-values',
  'read-your-writes',
  'monotonic-reads',
  'monotonic-writes',
  'writes-follow-reads',
  'final-reads-agree',
] as const
export type Guarantee = (typeof GUARANTEES)[number]

export type Promised = { promised: boolean; why: string }

/** The guarantees a run's configuration promises, each with the reason. */
export function promisedGuarantees(run: RunInfo): Record<Guarantee, Promised> {
  const { n, r, w, versioning, strict } = run
  const kind = run.workload.kind
  const quorum = `R + W = ${r} + ${w}`
  const overlap = r + w > n
  let lost: Promised
  if (kind !== 'register' && kind !== 'set') lost = { promised: false, why: `not checked for the ${kind} workload` }
  else if (versioning === 'dvv')
    lost = { promised: true, why: 'dvv keeps concurrent writes as siblings: a write is only discarded by a write whose context covered it' }
  else if (versioning === 'lww')
    lost = {
      promised: false,
      why: 'lww keeps one value per key by timestamp: concurrent writes are dropped (the anomaly the run should find)',
    }
  else
    lost = {
      promised: false,
      why: 'vv: two writes through one coordinator with the same context get the same clock and one replaces the other (the anomaly the run should find)',
    }

  let ryw: Promised
  if (versioning !== 'dvv')
    ryw = { promised: false, why: `${versioning}: a context can cover a write whose value was dropped, so coverage promises no value` }
  else if (!overlap) ryw = { promised: false, why: `${quorum} <= N = ${n}: a read quorum can miss the write quorum` }
  else if (!strict)
    ryw = { promised: false, why: 'sloppy quorums: a write acknowledged by stand-in nodes is not on the home replicas a read asks' }
  else
    ryw = {
      promised: true,
      why: `dvv, strict quorums, ${quorum} > N = ${n}: every read quorum meets the quorum that acknowledged the session's write`,
    }

  return {
    'no-lost-writes': lost,
    'no-phantom-values':
      kind === 'register' || kind === 'set'
        ? { promised: true, why: 'every mode: replicas only ever hold values clients wrote' }
        : { promised: false, why: `not checked for the ${kind} workload` },
    'read-your-writes': ryw,
    'monotonic-reads': {
      promised: false,
      why: 'read repair is asynchronous: a read quorum can miss the replica an earlier read merged from',
    },
    'monotonic-writes': {
      promised: false,
      why:
        overlap && strict
          ? "not promised by the store, though with strict quorums and R + W > N each read quorum meets both writes' quorums"
          : 'writes of one session can reach different replicas; a read quorum can see the later without the earlier',
    },
    'writes-follow-reads': {
      promised: false,
      why: 'a write carries the context of the last read only, and what a read saw may not be on a quorum yet',
    },
    'final-reads-agree': {
      promised: true,
      why: 'every mode: once faults heal, anti-entropy makes replicas converge (judged when the harness saw them converge)',
    },
  }
}

/**
 * - `ok`: checked, nothing found.
 * - `violated`: promised, and broken.
 * - `anomaly`: found, but not promised (reported, not failed on).
 * - `inconclusive`: found, but the run leaves doubt (e.g. the cluster never converged).
 * - `not-checked`: could not be checked (no final reads, another workload kind).
 */
export type GuaranteeStatus = 'ok' | 'violated' | 'anomaly' | 'inconclusive' | 'not-checked'

export type GuaranteeResult<E = Example> = {
  guarantee: Guarantee
  promised: boolean
  why: string
  status: GuaranteeStatus
  /**
   * Ops the check looked at (reads, writes or keys, see `checkedWhat`); 0 with status `ok`
   * means the guarantee held vacuously (nothing it applies to happened).
   */
  checked: number
  checkedWhat: string
  violations: number
  /** Why the status is `inconclusive` or `not-checked`. */
  note: string | null
  examples: E[]
}

export type ExitCode = 0 | 1 | 2

export type Verdict<E = Example> = {
  exitCode: ExitCode
  /** One sentence: why this exit code. */
  reason: string
  guarantees: GuaranteeResult<E>[]
}

export type VerdictInput = {
  run: RunInfo | undefined
  end: EndEvent | undefined
  lostWrites: LostWrites
  phantoms: PhantomValues
  sessions: SessionResults
  convergence: Convergence
}

/** Why the run could not complete, or null when it did. */
function incompleteReason(run: RunInfo | undefined, end: EndEvent | undefined): string | null {
  if (!run) return 'the history has no run record: it is not a quorumlab history, or it is empty'
  if (!end) return 'the history has no end record: the harness stopped before the run finished'
  if (!end.completed) return `the run did not complete${end.interrupted ? ' (interrupted)' : ''}${end.reason ? `: ${end.reason}` : ''}`
  return null
}

export function decideVerdict(input: VerdictInput): Verdict {
  const { run, lostWrites, phantoms, sessions, convergence } = input
  const promised = run ? promisedGuarantees(run) : undefined
  const results: GuaranteeResult[] = []
  const notConverged = convergence.waited && convergence.converged === false
  const add = (
    guarantee: Guarantee,
    found: { checked: number; checkedWhat: string; violations: number; examples: Example[] } | { notChecked: string },
    doubt: string | null = null,
  ): void => {
    const promise = promised?.[guarantee] ?? { promised: false, why: 'no run record: nothing is known to be promised' }
    if ('notChecked' in found) {
      results.push({
        guarantee,
        ...promise,
        status: 'not-checked',
        checked: 0,
        checkedWhat: '',
        violations: 0,
        note: found.notChecked,
        examples: [],
      })
      return
    }
    let status: GuaranteeStatus = 'ok'
    if (found.violations > 0) status = !promise.promised ? 'anomaly' : doubt ? 'inconclusive' : 'violated'
    results.push({ guarantee, ...promise, status, ...found, note: status === 'inconclusive' ? doubt : null })
  }

  add(
    'no-lost-writes',
    lostWrites.checked
      ? {
          checked: lostWrites.checkedWrites,
          checkedWhat: `acknowledged ${lostWrites.method === 'set' ? 'adds' : 'writes'} to keys with an ok final read`,
          violations: lostWrites.lost,
          examples: lostWrites.examples,
        }
      : { notChecked: lostWrites.reason },
    notConverged ? 'the cluster did not converge before the final reads, so a write may still have been on its way' : null,
  )
  add(
    'no-phantom-values',
    phantoms.checked
      ? { checked: phantoms.examined, checkedWhat: phantoms.examinedWhat, violations: phantoms.violations, examples: phantoms.examples }
      : { notChecked: phantoms.reason },
  )
  for (const guarantee of SESSION_GUARANTEES) {
    const check = sessions[guarantee]
    add(guarantee, { checked: check.checkedReads, checkedWhat: 'reads', violations: check.violations, examples: check.examples })
  }
  add(
    'final-reads-agree',
    convergence.finalReads === 0
      ? { notChecked: 'the history has no ok final read' }
      : { checked: convergence.keysChecked, checkedWhat: 'keys', violations: convergence.disagreeingKeys, examples: convergence.examples },
    convergence.converged === true ? null : 'the harness did not see the replicas converge before the final reads',
  )

  const incomplete = incompleteReason(run, input.end)
  if (incomplete) return { exitCode: 2, reason: incomplete, guarantees: results }
  const violated = results.filter((r) => r.status === 'violated')
  const unchecked = results.filter((r) => r.promised && r.status === 'not-checked')
  const uncheckedReason = `promised ${plural(unchecked.length, 'guarantee')} not checked: ${unchecked.map((r) => `${r.guarantee} (${r.note})`).join(', ')}`
  if (violated.length > 0) {
    return {
      exitCode: 1,
      reason:
        `promised ${plural(violated.length, 'guarantee')} violated: ${violated.map((r) => `${r.guarantee} (${r.violations})`).join(', ')}` +
        (unchecked.length > 0 ? `; ${uncheckedReason}` : ''),
      guarantees: results,
    }
  }
  if (unchecked.length > 0) return { exitCode: 2, reason: uncheckedReason, guarantees: results }
  const anomalies = results.filter((r) => r.status === 'anomaly' || r.status === 'inconclusive')
  return {
    exitCode: 0,
    reason:
      anomalies.length > 0
        ? `no promised guarantee violated; found (not promised or inconclusive): ${anomalies.map((r) => r.guarantee).join(', ')}`
        : 'no promised guarantee violated',
    guarantees: results,
  }
}

const plural = (count: number, word: string): string => (count === 1 ? word : `${word}s`)
