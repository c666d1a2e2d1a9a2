/**
 * The checker contract: the one shape every checker's result takes, and the verdict
 * composed from them (Jepsen's `{:valid? ...}` map and `checker/compose`). The checkers
 * and the verdict in reports/ produce it; summary.json, the terminal summary, the HTML
 * report and the scenario matrix read it.
 */

/**
 * `guarantee`: what the reference store's configuration promises (no lost writes,
 * read-your-writes...), judged with its version metadata; `model`: a consistency model
 * judged from the values clients saw alone (linearizable...).
 */
export type CheckKind = 'guarantee' | 'model'

/** The consistency models judged from the values clients saw alone, by their check names. */
export const MODEL_NAMES = ['linearizable', 'sequential', 'causal'] as const
export type ModelName = (typeof MODEL_NAMES)[number]

/**
 * What a store other than the reference one may promise (`StoreInfo.promises`): a model, or a
 * guarantee its checker judges from values alone (`no-lost-writes` for the set workload).
 */
export const PROMISABLE_CHECKS = [...MODEL_NAMES, 'no-lost-writes', 'no-phantom-values', 'final-reads-agree'] as const

/** The least an example of a violation says: one sentence. Checkers add the ops involved. */
export type Described = { summary: string }

/** What every result carries, whatever the checker decided. */
type CheckCounts<E extends Described> = {
  /** Stable kebab-case id, matched against the configuration's promises: `no-lost-writes`, `linearizable`. */
  name: string
  kind: CheckKind
  /** How many things the check looked at (see `checkedWhat`); 0 with `valid: true`: it held vacuously. */
  checked: number
  /** What `checked` counts, plural: `reads`, `keys`, `acknowledged writes to keys with an ok final read`. */
  checkedWhat: string
  /** How many of them witnessed a violation (complete, however many examples are kept). */
  violations: number
  /** A few of the violations, described. */
  examples: E[]
}

/**
 * One checker's result. `valid` is true when the check ran and found nothing, false when it
 * found a violation, and `'unknown'` when it could not decide: not applicable, nothing to
 * judge by, or violations found under doubt (the cluster never converged); `reason` says which.
 */
export type CheckResult<E extends Described = Described> =
  | (CheckCounts<E> & { valid: boolean; reason?: undefined })
  | (CheckCounts<E> & { valid: 'unknown'; reason: string })

/** What a configuration says about one check: whether it promises it, and why (or why not). */
export type CheckPromise = { name: string; promised: boolean; why: string }

/**
 * How the verdict reads a result against its promise:
 * - `ok`: valid.
 * - `violated`: promised, and invalid: the run fails (exit 1).
 * - `anomaly`: invalid, but not promised: reported, never failed on.
 * - `unknown`: could not be decided; when promised the run proves nothing (exit 2).
 */
export type CheckStatus = 'ok' | 'violated' | 'anomaly' | 'unknown'

/** A result as the verdict judged it. */
export type JudgedCheck<E extends Described = Described> = CheckResult<E> & Omit<CheckPromise, 'name'> & { status: CheckStatus }

/** 0: every promised check valid; 1: a promised check invalid; 2: the run did not complete, or a promised check is unknown. */
export type ExitCode = 0 | 1 | 2

/** The composed verdict of a run. */
export type Verdict<E extends Described = Described> = {
  exitCode: ExitCode
  /** One sentence: why this exit code. */
  reason: string
  /** Every check's result, promised or not, in the order the checkers ran. */
  checks: JudgedCheck<E>[]
}

/**
 * The result of a check that ran: valid when it found no violation. `doubt`, when given,
 * says why a violation found may be none (e.g. writes still in flight when the cluster did
 * not converge): a violation under doubt is `'unknown'`, never `false`.
 */
export function decided<E extends Described>(tally: CheckCounts<E>, doubt?: string): CheckResult<E> {
  if (tally.violations === 0) return { ...tally, valid: true }
  return doubt ? { ...tally, valid: 'unknown', reason: doubt } : { ...tally, valid: false }
}

/** The result of a check that could not run: nothing checked, `reason` says why. */
export function undecided<E extends Described>(
  check: Pick<CheckCounts<E>, 'name' | 'kind' | 'checkedWhat'>,
  reason: string,
): CheckResult<E> {
  return { ...check, checked: 0, violations: 0, examples: [], valid: 'unknown', reason }
}
