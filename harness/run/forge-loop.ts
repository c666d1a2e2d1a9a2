/**
 * The security test's loop (`--forge`): while the measured run goes on, one forged write
 * at a steady pace, kinds in turn, to a random workload key through a random node; each
 * recorded in the history, and counted by how the store answered.
 */
import type { ForgeAttempt } from '../../common/contracts/history.ts'
import type { Random } from '../../common/helpers/random.ts'
import type { Forger } from '../adapter/index.ts'
import { type RunClock, sleepUntil } from '../history/clock.ts'
import type { ForgeCounts } from './run-context.ts'

/** Time between two forged writes, ms: a few a second, beside the workload, not a load of their own. */
const FORGE_INTERVAL_MS = 250

export type ForgeLoopOptions = {
  forger: Forger
  keys: readonly string[]
  nodes: readonly string[]
  rng: Random
  clock: RunClock
  signal: AbortSignal
  /** Records one attempt (`invoke`: run-clock µs when it was sent). */
  record: (attempt: ForgeAttempt, invoke: number) => void
}

/** Sends forged writes until `untilMs` (run clock) or the signal; resolves with the counts. */
export async function forgeUntil(
  untilMs: number,
  { forger, keys, nodes, rng, clock, signal, record }: ForgeLoopOptions,
): Promise<ForgeCounts> {
  const counts: ForgeCounts = { attempts: 0, refused: 0, accepted: 0, unanswered: 0 }
  let next = clock.nowMs()
  while (!signal.aborted && next < untilMs) {
    await sleepUntil(next, clock, signal)
    if (signal.aborted) break
    const kind = forger.kinds[counts.attempts % forger.kinds.length]
    const invoke = clock.nowUs()
    const attempt = await forger.attempt(kind, rng.pick(keys), rng.pick(nodes))
    record(attempt, invoke)
    counts.attempts += 1
    counts[attempt.outcome] += 1
    next += FORGE_INTERVAL_MS
  }
  return counts
}
