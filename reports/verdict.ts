/**
 * The verdict of a run, composed from its checkers' results and its configuration's
 * promises (Jepsen's `checker/compose`): exit code 0 (the run finished and every promised
 * check was decided valid), 1 (a promised check invalid), 2 (the run could not complete, or
 * a promised check could not be decided: a run that proves nothing must not pass).
 * Anomalies a configuration does not promise to avoid (lost writes under lww, stale
 * session reads...) are reported, never failed on.
 */
import type { CheckPromise, CheckResult, CheckStatus, Described, JudgedCheck, Verdict } from '../common/contracts/checker.ts'
import type { RunInfo } from '../common/contracts/history.ts'
import type { EndEvent } from './history-scan.ts'

/** Why the run could not complete, or null when it did. */
export function incompleteRun(run: RunInfo | undefined, end: EndEvent | undefined): string | null {
  if (!run) return 'the history has no run record: it is not a quorumlab history, or it is empty'
  if (!end) return 'the history has no end record: the harness stopped before the run finished'
  if (!end.completed) return `the run did not complete${end.interrupted ? ' (interrupted)' : ''}${end.reason ? `: ${end.reason}` : ''}`
  return null
}

export type VerdictInput<E extends Described> = {
  /** Every checker's result, in the order the report shows them. */
  checks: CheckResult<E>[]
  /** What the configuration says of each check by name; a check without an entry is not promised. */
  promises: CheckPromise[]
  /** Why the run could not complete (see {@link incompleteRun}), or null when it did. */
  incomplete: string | null
}

function statusOf(result: CheckResult<Described>, promised: boolean): CheckStatus {
  if (result.valid === 'unknown') return 'unknown'
  if (result.valid) return 'ok'
  return promised ? 'violated' : 'anomaly'
}

/**
 * Composes the checkers' results into the run's verdict. Exit 2 when the run did not
 * complete, else 1 when a promised check is invalid, else 2 when a promised check is unknown
 * (or promised but no checker reported it), else 0. Every result is kept, promised or not,
 * with its status; the reason names the checks that decided the exit code.
 */
export function decideVerdict<E extends Described>({ checks, promises, incomplete }: VerdictInput<E>): Verdict<E> {
  const byName = new Map(promises.map((p) => [p.name, p]))
  const judged: JudgedCheck<E>[] = checks.map((result) => {
    const { promised, why } = byName.get(result.name) ?? { promised: false, why: 'not promised by this configuration' }
    return { ...result, promised, why, status: statusOf(result, promised) }
  })
  const reported = new Set(checks.map((c) => c.name))
  const missing = promises.filter((p) => p.promised && !reported.has(p.name)).map((p) => `${p.name} (no checker reported it)`)
  if (incomplete) return { exitCode: 2, reason: incomplete, checks: judged }

  const violated = judged.filter((c) => c.status === 'violated')
  const undecided = [...judged.filter((c) => c.promised && c.status === 'unknown').map((c) => `${c.name} (${c.reason})`), ...missing]
  const undecidedReason = `promised ${plural(undecided.length, 'guarantee')} undecided: ${undecided.join(', ')}`
  if (violated.length > 0) {
    const counted = violated.map((c) => `${c.name} (${c.violations})`)
    const violatedReason = `promised ${plural(violated.length, 'guarantee')} violated: ${counted.join(', ')}`
    return { exitCode: 1, reason: undecided.length > 0 ? `${violatedReason}; ${undecidedReason}` : violatedReason, checks: judged }
  }
  if (undecided.length > 0) return { exitCode: 2, reason: undecidedReason, checks: judged }
  const found = judged.filter((c) => c.status === 'anomaly' || (c.status === 'unknown' && c.violations > 0))
  return {
    exitCode: 0,
    reason:
      found.length > 0
        ? `no promised guarantee violated; found (not promised): ${found.map((c) => c.name).join(', ')}`
        : 'no promised guarantee violated',
    checks: judged,
  }
}

const plural = (count: number, word: string): string => (count === 1 ? word : `${word}s`)
