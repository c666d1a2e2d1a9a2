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
  const results = [...initial]
  const failures: unknown[] = []
  let decide: (outcome: QuorumOutcome<T>) => void = () => {}
  const outcome = new Promise<QuorumOutcome<T>>((resolve) => (decide = resolve))
  // The first decision stands: a promise settles once, so later calls of decide do nothing.
  const check = (): void => {
    const pending = calls.length - (results.length - initial.length) - failures.length
    if (results.length >= needed) decide({ reached: true, results: [...results] })
    else if (results.length + pending < needed) decide({ reached: false, results: [...results] })
  }
  const settled = Promise.all(
    calls.map((call) =>
      call.then(
        (result) => {
          results.push(result)
          check()
        },
        (error: unknown) => {
          failures.push(error)
          check()
        },
      ),
    ),
  ).then(() => ({ results, failures }))
  check()
  return { outcome, settled }
}
