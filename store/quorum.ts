/**
 * Waiting for a quorum: start calls in parallel, resolve as soon as `needed` have
 * succeeded (or as soon as that can no longer happen), and keep collecting the rest so
 * background work (read repair, hints) can see every answer.
 */
export type QuorumOutcome<T> = {
  /** True when `needed` calls succeeded. */
  reached: boolean
  /** Successful results at the moment the outcome was decided. */
  results: T[]
}

export type Quorum<T> = {
  outcome: Promise<QuorumOutcome<T>>
  /** Every call settled: all successes and the failures. */
  settled: Promise<{ results: T[]; failures: unknown[] }>
}

export function awaitQuorum<T>(initial: T[], calls: Promise<T>[], needed: number): Quorum<T> {
  const tally: Tally<T> = { results: [...initial], failures: [], pending: calls.length, needed, decide: undefined }
  const outcome = new Promise<QuorumOutcome<T>>((resolve) => {
    tally.decide = resolve
  })
  const settled = Promise.all(
    calls.map((call) =>
      call.then(
        (result) => {
          tally.pending -= 1
          tally.results.push(result)
          decideIfKnown(tally)
        },
        (error: unknown) => {
          tally.pending -= 1
          tally.failures.push(error)
          decideIfKnown(tally)
        },
      ),
    ),
  ).then(() => ({ results: tally.results, failures: tally.failures }))
  decideIfKnown(tally)
  return { outcome, settled }
}

/**
 * The calls' answers so far. Kept in an object and decided by a module function rather
 * than a closure per quorum: tsx names every named closure as it is made, a cost paid per
 * request.
 */
type Tally<T> = {
  results: T[]
  failures: unknown[]
  /** Calls not settled yet. */
  pending: number
  needed: number
  decide: ((outcome: QuorumOutcome<T>) => void) | undefined
}

/** The first decision stands: a promise settles once, so later calls of decide do nothing. */
function decideIfKnown<T>({ results, pending, needed, decide }: Tally<T>): void {
  if (results.length >= needed) decide?.({ reached: true, results: [...results] })
  else if (results.length + pending < needed) decide?.({ reached: false, results: [...results] })
}
