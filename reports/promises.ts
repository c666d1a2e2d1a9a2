/**
 * What a run's configuration promises: for each guarantee the reference store's checkers
 * judge, whether this configuration (versioning, quorums, strictness, workload kind)
 * promises it, and why; and for each consistency model judged from values, whether the
 * store's consistency mode promises it. The verdict (verdict.ts) fails a run only on
 * promised checks.
 */
import type { CheckPromise } from '../common/contracts/checker.ts'
import { CONSISTENCY_MODES, type ConsistencyMode, type RunInfo } from '../common/contracts/history.ts'
import { MODEL_NAMES } from './models/model-result.ts'
import { SESSION_VALUE_CHECKS } from './models/session-values.ts'

/** The guarantees the checkers judge, by the names their results carry, in report order. */
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

/** The consistency models judged from values, by their check names, in report order. */
export const MODEL_CHECKS = [...MODEL_NAMES, ...SESSION_VALUE_CHECKS] as const
type ModelCheck = (typeof MODEL_CHECKS)[number]

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

function readYourWrites({ n, r, w, versioning, strict }: RunInfo): Promised {
  const quorum = `R + W = ${r} + ${w}`
  if (versioning !== 'dvv')
    return { promised: false, why: `${versioning}: a context can cover a write whose value was dropped, so coverage promises no value` }
  if (r + w <= n) return { promised: false, why: `${quorum} <= N = ${n}: a read quorum can miss the write quorum` }
  if (!strict)
    return { promised: false, why: 'sloppy quorums: a write acknowledged by stand-in nodes is not on the home replicas a read asks' }
  return {
    promised: true,
    why: `dvv, strict quorums, ${quorum} > N = ${n}: every read quorum meets the quorum that acknowledged the session's write`,
  }
}

function promises(run: RunInfo): Record<Guarantee, Promised> {
  const valueChecks = run.workload.kind === 'register' || run.workload.kind === 'set'
  return {
    'no-lost-writes': noLostWrites(run),
    'no-phantom-values': valueChecks
      ? { promised: true, why: 'every mode: replicas only ever hold values clients wrote' }
      : { promised: false, why: `not checked for the ${run.workload.kind} workload` },
    'read-your-writes': readYourWrites(run),
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
    'final-reads-agree': {
      promised: true,
      why: 'every mode: once faults heal, anti-entropy makes replicas converge (judged when the harness saw them converge)',
    },
  }
}

/** Why the eventual mode promises none of the models. */
const EVENTUAL_WHY: Record<ModelCheck, string> = {
  linearizable: 'eventual: a read can miss a completed write (stand-in replicas, read quorums that miss it, no read write-back)',
  sequential: 'eventual: replicas apply concurrent writes in different orders, and a read can go back to an older one',
  causal: 'eventual: a write can reach a replica before the writes it depends on',
  'read-your-writes-from-values':
    'eventual: not promised from values (the context-based read-your-writes says what the configuration promises)',
  'monotonic-reads-from-values': 'eventual: not promised',
  'monotonic-writes-from-values': 'eventual: not promised',
  'writes-follow-reads-from-values': 'eventual: not promised',
}

/** What each consistency mode promises of the models; undefined: not promised, and why. */
const MODE_PROMISES: Record<Exclude<ConsistencyMode, 'eventual'>, Partial<Record<ModelCheck, string>>> = {
  causal: {
    causal: 'causal: contexts carry dependencies and a replica serves a request only once it has them',
    'read-your-writes-from-values': 'causal consistency includes the session guarantees',
    'monotonic-reads-from-values': 'causal consistency includes the session guarantees',
    'monotonic-writes-from-values': 'causal consistency includes the session guarantees',
    'writes-follow-reads-from-values': 'causal consistency includes the session guarantees',
  },
  sequential: { sequential: "sequential: one total order of the writes of each key, read in each session's order" },
  linearizable: { linearizable: 'linearizable: ABD over strict majorities of the home replicas, with read write-back' },
}

function modelPromises(run: RunInfo): Record<ModelCheck, Promised> {
  const mode = run.consistency ?? 'eventual'
  const notRegister = run.workload.kind !== 'register'
  const known = (CONSISTENCY_MODES as readonly string[]).includes(mode)
  return Object.fromEntries(
    MODEL_CHECKS.map((name): [ModelCheck, Promised] => {
      if (notRegister)
        return [name, { promised: false, why: `judged for register workloads only (${run.workload.kind} values are not one per write)` }]
      if (!known)
        return [name, { promised: false, why: `unknown consistency mode ${JSON.stringify(mode)}: nothing is known to be promised` }]
      if (mode === 'eventual') return [name, { promised: false, why: EVENTUAL_WHY[name] }]
      const why = MODE_PROMISES[mode as Exclude<ConsistencyMode, 'eventual'>][name]
      return [name, why ? { promised: true, why } : { promised: false, why: `${mode} consistency does not promise it` }]
    }),
  ) as Record<ModelCheck, Promised>
}

/**
 * Every guarantee, then every model, with whether the run's configuration promises it and
 * why, in report order. Without a run record nothing is known to be promised.
 */
export function promisedGuarantees(run: RunInfo | undefined): CheckPromise[] {
  const table = run ? { ...promises(run), ...modelPromises(run) } : undefined
  return [...GUARANTEES, ...MODEL_CHECKS].map((name) => ({
    name,
    ...(table?.[name] ?? { promised: false, why: 'no run record: nothing is known to be promised' }),
  }))
}
