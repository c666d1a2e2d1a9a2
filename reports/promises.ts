/**
 * What a run's configuration promises: for each guarantee the checkers judge, whether this
 * configuration promises it, and why; and for each consistency model judged from values,
 * whether it is promised. For the reference store that follows from its settings
 * (versioning, quorums, strictness, workload kind, consistency mode); another store
 * promises what its adapter recorded in the run record (`store.promises`). The verdict
 * (verdict.ts) fails a run only on promised checks.
 */
import type { CheckPromise } from '../common/contracts/checker.ts'
import {
  CONSISTENCY_MODES,
  type ConsistencyMode,
  type ReplicationSettings,
  replicationOf,
  type RunInfo,
  type StoreInfo,
  storeOf,
} from '../common/contracts/history.ts'
import { MODEL_NAMES } from './models/model-result.ts'
import { SESSION_VALUE_CHECKS } from './models/session-values.ts'

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
  'replicas-hold-writes',
  'converges',
] as const
export type Guarantee = (typeof GUARANTEES)[number]

/** The consistency models judged from values, by their check names, in report order. */
export const MODEL_CHECKS = [...MODEL_NAMES, ...SESSION_VALUE_CHECKS] as const
type ModelCheck = (typeof MODEL_CHECKS)[number]

/** Every check name a report can carry, guarantees and consistency models: what `--fail-on` accepts. */
export const CHECK_NAMES: readonly string[] = [...GUARANTEES, ...MODEL_CHECKS]

type Promised = Omit<CheckPromise, 'name'>

type ReferenceRun = RunInfo & ReplicationSettings

function noLostWrites({ versioning, workload, consistency }: ReferenceRun): Promised {
  if (workload.kind !== 'register' && workload.kind !== 'set')
    return { promised: false, why: `not checked for the ${workload.kind} workload` }
  if (consistency === 'sequential' || consistency === 'linearizable')
    return {
      promised: false,
      why: `${consistency}: one value per key, so a write replaces the one before it whatever context it carried (no dot says so); the ${consistency} model checker judges lost updates from values`,
    }
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
function quorumsIntersect({ n, r, w, versioning, strict, nodes }: ReferenceRun, what: string): Promised {
  const quorum = `R + W = ${r} + ${w}`
  if (versioning !== 'dvv')
    return { promised: false, why: `${versioning}: a context can cover a write whose value was dropped, so coverage promises no value` }
  if (r + w <= n) return { promised: false, why: `${quorum} <= N = ${n}: a read quorum can miss the write quorum` }
  if (!strict && nodes.length > n)
    return { promised: false, why: 'sloppy quorums: a write acknowledged by stand-in nodes is not on the home replicas a read asks' }
  const homeOnly = strict ? 'strict quorums' : `sloppy quorums with no stand-in (${nodes.length} nodes, N = ${n})`
  return { promised: true, why: `dvv, ${homeOnly}, ${quorum} > N = ${n}: every read quorum meets the quorum that acknowledged ${what}` }
}

/**
 * Every home replica holds every acknowledged write after convergence: a repair path brings
 * a replica that missed a write up to date, and dvv keeps what no write superseded. Also
 * only when the run converged ({@link withConvergence}).
 */
function replicasHoldWrites({ workload, consistency = 'eventual', versioning, repair }: ReferenceRun): Promised {
  if (workload.kind !== 'register')
    return { promised: false, why: `judged for register workloads only (a ${workload.kind}'s values are not one per write)` }
  if (consistency !== 'eventual')
    return {
      promised: false,
      why: `${consistency}: the mode sets its own repair paths and write order; its model checker judges it from values`,
    }
  if (versioning !== 'dvv')
    return { promised: false, why: `${versioning}: a merge can drop a concurrent write, so a replica need not hold it` }
  if (!repair) return { promised: false, why: 'the run record does not say which repair paths were on' }
  const on = [repair.readRepair && 'read repair', repair.hintedHandoff && 'hinted handoff', repair.antiEntropy && 'anti-entropy'].filter(
    (path): path is string => typeof path === 'string',
  )
  if (on.length === 0)
    return {
      promised: false,
      why: 'no repair path on (read repair, hinted handoff, anti-entropy): a replica that missed a write keeps missing it',
    }
  return {
    promised: true,
    why: `${on.join(', ')} on: once the replicas converge, every home replica holds every acknowledged write, or a write that follows it`,
  }
}

function referencePromises(run: ReferenceRun): Record<Guarantee, Promised> {
  const valueChecks = run.workload.kind === 'register' || run.workload.kind === 'set'
  return {
    'no-lost-writes': noLostWrites(run),
    'no-phantom-values': valueChecks
      ? { promised: true, why: 'every mode: replicas only ever hold values clients wrote' }
      : { promised: false, why: `not checked for the ${run.workload.kind} workload` },
    'no-stale-reads':
      run.consistency === 'causal' || run.consistency === 'sequential'
        ? {
            promised: false,
            why: `${run.consistency}: a read is served by the client's own node, which may not have every completed write yet`,
          }
        : quorumsIntersect(run, 'every write completed before the read'),
    'no-duplicate-dots': {
      promised: true,
      why: "every mode: a write's dot is its coordinator's next counter, reserved on disk before use, so no two writes share one",
    },
    'read-your-writes': quorumsIntersect(run, "the session's write"),
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
    'replicas-hold-writes': replicasHoldWrites(run),
    converges: converges(run),
  }
}

/** Nemeses that kill a node: a coordinator killed mid-write keeps a write it never sent or hinted. */
const KILLING_NEMESES: readonly string[] = ['crash', 'power', 'wipe']

/**
 * Replicas agree within --convergence-timeout of the final heal when some repair path
 * reaches every key: anti-entropy compares them all; hinted handoff carries every write
 * that missed a home replica, unless a coordinator died before sending or hinting it.
 * Read repair alone fixes only the keys read after the heal.
 */
function converges({ repair, nemeses }: ReferenceRun): Promised {
  if (!repair)
    return {
      promised: true,
      why: 'every mode: once faults heal, hinted handoff, read repair and anti-entropy make every replica agree within --convergence-timeout (vacuous when the store cannot tell)',
    }
  if (repair.antiEntropy)
    return {
      promised: true,
      why: 'anti-entropy on: once faults heal, it compares every key on every replica until they agree, within --convergence-timeout (vacuous when the store cannot tell)',
    }
  const killing = nemeses.filter((n) => KILLING_NEMESES.includes(n))
  if (repair.hintedHandoff && killing.length === 0)
    return {
      promised: true,
      why: 'hinted handoff on and no node killed: every write that missed a home replica is held as a hint and delivered after the heal, within --convergence-timeout',
    }
  if (repair.hintedHandoff)
    return {
      promised: false,
      why: `anti-entropy off and ${killing.join(', ')} kills nodes: a coordinator killed mid-write keeps a write it never sent nor hinted, and nothing compares replicas`,
    }
  return {
    promised: false,
    why: repair.readRepair
      ? 'anti-entropy and hinted handoff off: read repair fixes only the keys read after the heal'
      : 'no repair path on: a replica that missed a write keeps missing it',
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

/** Models promised by a store other than the reference one: those its record lists (etcd with linearizable reads: `linearizable`). */
function storeModelPromise(store: StoreInfo, name: ModelCheck): Promised {
  return store.promises.includes(name)
    ? { promised: true, why: `the ${store.name} store promises it (${store.summary})` }
    : { promised: false, why: `not promised by the ${store.name} store (${store.summary})` }
}

/** The consistency models judged from values: the reference store promises those of its consistency mode; another store, those its record lists. */
function modelPromises(run: RunInfo): Record<ModelCheck, Promised> {
  const mode = run.consistency ?? 'eventual'
  const notRegister = run.workload.kind !== 'register'
  const known = (CONSISTENCY_MODES as readonly string[]).includes(mode)
  const otherStore = replicationOf(run) ? undefined : storeOf(run)
  return Object.fromEntries(
    MODEL_CHECKS.map((name): [ModelCheck, Promised] => {
      if (notRegister)
        return [name, { promised: false, why: `judged for register workloads only (${run.workload.kind} values are not one per write)` }]
      if (otherStore) return [name, storeModelPromise(otherStore, name)]
      if (!known)
        return [name, { promised: false, why: `unknown consistency mode ${JSON.stringify(mode)}: nothing is known to be promised` }]
      if (mode === 'eventual') return [name, { promised: false, why: EVENTUAL_WHY[name] }]
      const why = MODE_PROMISES[mode as Exclude<ConsistencyMode, 'eventual'>][name]
      return [name, why ? { promised: true, why } : { promised: false, why: `${mode} consistency does not promise it` }]
    }),
  ) as Record<ModelCheck, Promised>
}

/**
 * A store judged from values alone: the context-based session checks do not apply, lost
 * writes of a register cannot be told from overwritten ones without versions (a set's can),
 * and the rest is promised only when the store's adapter says so. No phantom values is
 * promised by every store: a value no client wrote is no value of any model.
 */
function storePromises(run: RunInfo, store: StoreInfo): Record<Guarantee, Promised> {
  const says = (name: Guarantee): Promised =>
    store.promises.includes(name)
      ? { promised: true, why: `the ${store.name} store promises it (its adapter says so)` }
      : { promised: false, why: `not promised by the ${store.name} store` }
  const noContexts: Promised = {
    promised: false,
    why: `judged from the reference store's causal contexts; the ${store.name} store records none (the model checkers judge it from values)`,
  }
  const kind = run.workload.kind
  return {
    'no-lost-writes':
      kind === 'set' || store.versionMetadata
        ? says('no-lost-writes')
        : { promised: false, why: `a ${kind}'s lost writes need version metadata to tell them from overwritten ones` },
    'no-phantom-values':
      kind === 'register' || kind === 'set'
        ? { promised: true, why: 'every store: a read returns only values clients wrote' }
        : { promised: false, why: `not checked for the ${kind} workload` },
    'no-stale-reads': store.versionMetadata ? says('no-stale-reads') : noContexts,
    'no-duplicate-dots': store.versionMetadata ? says('no-duplicate-dots') : noContexts,
    'read-your-writes': store.versionMetadata ? says('read-your-writes') : noContexts,
    'monotonic-reads': store.versionMetadata ? says('monotonic-reads') : noContexts,
    'monotonic-writes': store.versionMetadata ? says('monotonic-writes') : noContexts,
    'writes-follow-reads': store.versionMetadata ? says('writes-follow-reads') : noContexts,
    'final-reads-agree': says('final-reads-agree'),
    'replicas-hold-writes': { promised: false, why: `the ${store.name} store offers no read of one replica's own copy` },
    converges: says('converges'),
  }
}

function promises(run: RunInfo): Record<Guarantee, Promised> {
  const replication = replicationOf(run)
  return replication ? referencePromises({ ...run, ...replication }) : storePromises(run, storeOf(run))
}

/**
 * Every guarantee, then every consistency model, with whether the run's configuration
 * promises it and why, in report order.
 * Without a run record nothing is known to be promised.
 */
export function promisedGuarantees(run: RunInfo | undefined): CheckPromise[] {
  const table: Partial<Record<string, Promised>> | undefined = run ? { ...promises(run), ...modelPromises(run) } : undefined
  return CHECK_NAMES.map((name) => ({
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

/**
 * The promises with `replicas-hold-writes` kept only when the harness saw the replicas
 * converge after the final heal (`converged`: its record; undefined when the store cannot
 * tell): before that, a replica may lack a write that is still on its way, and `converges`
 * says whether that is a fault.
 */
export function withConvergence(promises: CheckPromise[], converged: boolean | undefined): CheckPromise[] {
  if (converged === true) return promises
  const why =
    converged === false
      ? 'the replicas did not converge after the final heal (converges says so): a write a replica lacks may still be on its way'
      : 'the harness could not tell when the replicas converged, so a write a replica lacks may still be on its way'
  return promises.map((p) => (p.name === 'replicas-hold-writes' && p.promised ? { name: p.name, promised: false, why } : p))
}
