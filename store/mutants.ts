/**
 * Planted bugs for the mutation suite (`npm run mutants`): each is a test-only switch,
 * off unless the environment variable QUORUMLAB_MUTANT names it, that breaks one promise
 * of the store the way real stores have broken it. The suite runs the harness against
 * each and shows a promised check catches it; the README's "Detection power" table says
 * which. Every hook in the store is one `mutant(...)` test, so the correct store pays a
 * string comparison and nothing else.
 */
import type { CausalContext, Dot } from '../common/contracts/causal.ts'

/** Every planted bug, with what it does. */
export const MUTANTS = {
  'skip-fsync': 'commits are acknowledged before they are on disk (LMDB without fsync)',
  'ack-local-only': 'the coordinator acknowledges a write after its own copy, whatever W says',
  'skip-replication': 'one write in four is not sent to the other home replicas, yet their acks are counted',
  'read-first-reply': "a read answers with the coordinator's own copy, whatever R says",
  'merge-drops-sibling': 'a merge keeps only one of two concurrent siblings',
  'merge-last-writer-wins': 'dvv merges keep only the sibling with the latest timestamp',
  'phantom-read': 'one read in fifty returns a value nobody wrote',
  'counter-not-incremented': 'the dot counter is not incremented: every write of a node gets the same dot',
  'counter-not-reserved': 'the dot counter is not saved: a restart reissues dots already used',
  'hints-dropped': 'hints are deleted without being delivered',
  'context-omits-sibling': "a read that returns siblings hands out a context without the last sibling's dot",
  'cached-reads': 'the coordinator answers a key it read less than a second ago from its cache',
  'read-repair-overwrites':
    'read repair writes back the oldest version it saw (under the merged context) instead of the merge, rolling up-to-date replicas back',
  'anti-entropy-skips-range': 'anti-entropy never exchanges the keys of the first Merkle leaf of each ring arc',
} as const

export type MutantName = keyof typeof MUTANTS

export const MUTANT_ENV = 'QUORUMLAB_MUTANT'

/** The mutant the environment switches on, if any; an unknown name throws, so a typo cannot pass as the correct store. */
export function activeMutant(env: NodeJS.ProcessEnv = process.env): MutantName | undefined {
  const name = env[MUTANT_ENV]
  if (name === undefined || name === '') return undefined
  if (!Object.hasOwn(MUTANTS, name))
    throw new Error(`${MUTANT_ENV}=${name}: no such mutant; expected one of ${Object.keys(MUTANTS).join(', ')}`)
  return name as MutantName
}

const ACTIVE = activeMutant()

/** True when the planted bug `name` is switched on in this process. */
export const mutant = (name: MutantName): boolean => ACTIVE === name

/** `context-omits-sibling`: `context` no longer covering `dot` (nor the node's later dots). */
export const contextWithout = ({ clock, dots }: CausalContext, dot: Dot): CausalContext => ({
  clock: { ...clock, [dot.node]: Math.min(clock[dot.node] ?? 0, dot.counter - 1) },
  dots: dots.filter((d) => d.node !== dot.node || d.counter !== dot.counter),
})

/** `read-repair-overwrites`: the state that has seen least (the smallest causal context) of `states`. */
export function oldestState<T extends { context: CausalContext }>(states: readonly T[]): T {
  const seen = ({ context }: T): number => Object.values(context.clock).reduce((sum, c) => sum + c, 0) + context.dots.length
  return states.reduce((oldest, s) => (seen(s) < seen(oldest) ? s : oldest))
}

/** `anti-entropy-skips-range`: the Merkle leaf (of every arc) whose keys anti-entropy leaves alone. */
export const SKIPPED_LEAF = 0

const READ_CACHE_MS = 1000
const readCache = new Map<string, { at: number; result: unknown }>()

/** `cached-reads`: what the coordinator read for `key` less than a second ago, if anything. */
export function cachedRead<T>(key: string): T | undefined {
  const hit = readCache.get(key)
  return hit && performance.now() - hit.at < READ_CACHE_MS ? (hit.result as T) : undefined
}

/** `cached-reads`: remembers a read's result for {@link cachedRead}. */
export const cacheRead = (key: string, result: unknown): void => void readCache.set(key, { at: performance.now(), result })
