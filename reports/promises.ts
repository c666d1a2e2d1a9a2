/**
 * What a run's configuration promises: for each guarantee the reference store's checkers
 * judge, whether this configuration (versioning, quorums, strictness, workload kind)
 * promises it, and why. The verdict (verdict.ts) fails a run only on promised checks.
 */
import type { CheckPromise } from '../common/contracts/checker.ts'
import type { RunInfo } from '../common/contracts/history.ts'
import { MODEL_NAMES } from './models/model-result.ts'

/** The guarantees the checkers judge, by the names their results carry, in report order. */
export const GUARANTEES = [
  'no-lost-writes',
  'no-phantom-values',
  'no-stale-reads',
  'no-duplicate-dots',
  'read-your-writes',
  'monotonic-reads',
  'monotonic-writes',
  'writes-follow-reads',
  'final-reads-agree',
  'converges',
] as const
export type Guarantee = (typeof GUARANTEES)[number]

/** Every check name a report can carry, guarantees and consistency models: what `--fail-on` accepts. */
export const CHECK_NAMES: readonly string[] = [...GUARANTEES, ...MODEL_NAMES]

type Promised = Omit<CheckPromise, 'name'>

function noLostWrites({ versioning, workload }: RunInfo): Promised {
  if (workload.kind !== 'register' && workload.kind !== 'set')
    return { promised: false, why: `not checked for the ${workload.kind} workload` }
  if (versioning === 'dvv')
    return { promised: true, why: 'dvv keeps concurrent writes as siblings: a write is only discarded by a write whose context covered it' }
  if (versioning === 'lww')
    return {
      promised: false,
      why: 'lww keeps one value per key by timestamp: concurrent writes are dropped (the anomaly the run should find)',
    }
  return {
    promised: false,
    why: 'vv: two writes through one coordinator with the same context get the same clock and one replaces the other (the anomaly the run should find)',
  }
}

/**
 * When every read quorum meets every write quorum: dvv (a covered dot means a kept value),
 * R + W > N, and quorums of home replicas only (strict, or sloppy with no node beyond the
 * N home replicas to stand in for one).
 */
function quorumsIntersect({ n, r, w, versioning, strict, nodes }: RunInfo, what: string): Promised {
  const quorum = `R + W = ${r} + ${w}`
  if (versioning !== 'dvv')
    return { promised: false, why: `${versioning}: a context can cover a write whose value was dropped, so coverage promises no value` }
  if (r + w <= n) return { promised: false, why: `${quorum} <= N = ${n}: a read quorum can miss the write quorum` }
  if (!strict && nodes.length > n)
    return { promised: false, why: 'sloppy quorums: a write acknowledged by stand-in nodes is not on the home replicas a read asks' }
  const homeOnly = strict ? 'strict quorums' : `sloppy quorums with no stand-in (${nodes.length} nodes, N = ${n})`
  return { promised: true, why: `dvv, ${homeOnly}, ${quorum} > N = ${n}: every read quorum meets the quorum that acknowledged ${what}` }
}

function promises(run: RunInfo): Record<Guarantee, Promised> {
  const valueChecks = run.workload.kind === 'register' || run.workload.kind === 'set'
  return {
    'no-lost-writes': noLostWrites(run),
    'no-phantom-values': valueChecks
      ? { promised: true, why: 'every mode: replicas only ever hold values clients wrote' }
      : { promised: false, why: `not checked for the ${run.workload.kind} workload` },
    'no-stale-reads': quorumsIntersect(run, 'every write completed before the read'),
    'read-your-writes': quorumsIntersect(run, "the session's write"),
    'no-duplicate-dots': {
      promised: true,
      why: "every mode: a write's dot is its coordinator's next counter, reserved on disk before use, so no two writes share one",
    },
    'monotonic-reads': {
      promised: false,
      why: 'read repair is asynchronous: a read quorum can miss the replica an earlier read merged from',
    },
    'monotonic-writes': {
      promised: false,
      why:
        run.r + run.w > run.n && run.strict
          ? "not promised by the store, though with strict quorums and R + W > N each read quorum meets both writes' quorums"
          : 'writes of one session can reach different replicas; a read quorum can see the later without the earlier',
    },
    'writes-follow-reads': {
      promised: false,
      why: 'a write carries the context of the last read only, and what a read saw may not be on a quorum yet',
    },
    converges: {
      promised: true,
      why: 'every mode: once faults heal, hinted handoff, read repair and anti-entropy make every replica agree within --convergence-timeout (vacuous when the store cannot tell)',
    },
    'final-reads-agree': {
      promised: true,
      why: 'every mode: once faults heal, anti-entropy makes replicas converge (judged when the harness saw them converge)',
    },
  }
}

/**
 * Every guarantee with whether the run's configuration promises it and why, in report order.
 * Without a run record nothing is known to be promised.
 */
export function promisedGuarantees(run: RunInfo | undefined): CheckPromise[] {
  const table = run ? promises(run) : undefined
  return GUARANTEES.map((name) => ({
    name,
    ...(table?.[name] ?? { promised: false, why: 'no run record: nothing is known to be promised' }),
  }))
}

/**
 * The promises with every check named in `failOn` (`--fail-on`) made promised: the user asks
 * the run to fail when it finds that anomaly, though the configuration does not promise to
 * avoid it (lost writes under lww). A named check no checker reports stays unknown (exit 2).
 */
export function withFailOn(promises: CheckPromise[], failOn: readonly string[]): CheckPromise[] {
  const asked = new Set(failOn)
  const why = (name: string): string => `--fail-on ${name}: the run fails when this check finds a violation`
  const updated = promises.map((p) => (asked.has(p.name) && !p.promised ? { name: p.name, promised: true, why: why(p.name) } : p))
  const known = new Set(promises.map((p) => p.name))
  return [...updated, ...[...asked].filter((name) => !known.has(name)).map((name) => ({ name, promised: true, why: why(name) }))]
}
