/**
 * The mutation suite: every planted bug of `store/mutants.ts`, each with the scenario
 * meant to expose it and the promised check that must catch it, plus the correct store
 * in every scenario (which must raise no alarm). A case runs `quorumlab workload` as a
 * user would, as a child process with QUORUMLAB_MUTANT set (its store nodes inherit it),
 * and is judged from the run's exit code and `summary.json`.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MUTANT_ENV, type MutantName } from '../../store/mutants.ts'

const QUORUMLAB_BIN = fileURLToPath(new URL('../../bin/quorumlab.js', import.meta.url))

/**
 * Short runs: each fault window is 5 s, so a 20 s run has two faults and two heals. The
 * scenarios of one repair path pin partitions alone: a crash's restart can push the last
 * heal to the run's end, leaving no reads after it for read repair.
 */
const SHORT = ['--time', '20', '--nemesis-interval', '5', '--warmup', '1']

export const SCENARIOS = {
  /** `npm run workload` as it is: 30 s, a crash, then a random-halves partition, 10 s each. */
  default: { args: [], what: 'the default run (30 s: a crash, then a partition)' },
  /** Strict quorums, R + W > N: read-your-writes is promised; a hot key set makes sessions re-read what they wrote. */
  'strict-partition': {
    args: [...SHORT, '--strict', '--nemesis', 'partition', '--partition', 'isolate', '--keys', '20'],
    what: '--strict, partition isolate, 20 keys',
  },
  /** Every node loses power at once: what no replica made durable is gone everywhere. */
  'power-all': { args: [...SHORT, '--nemesis', 'power', '--targets', 'all'], what: 'power cut of every node at once' },
  /** Crashes of every node on the set workload: a restarted node reissuing dots merges two adds into one. */
  'set-crash': {
    args: [...SHORT, '--kind', 'set', '--nemesis', 'crash', '--targets', 'all', '--keys', '50'],
    what: 'set workload, crash of every node',
  },
  /** Hints are the only repair path: anti-entropy and read repair off. */
  'hints-only': {
    args: [...SHORT, '--nemesis', 'partition', '--anti-entropy-interval', '0', '--no-read-repair'],
    what: 'anti-entropy and read repair off, partition',
  },
  /** Read repair is the only repair path (strict quorums hold no hints); a hot key set makes reads repair every key. */
  'read-repair-only': {
    args: [...SHORT, '--nemesis', 'partition', '--strict', '--anti-entropy-interval', '0', '--partition', 'isolate', '--keys', '20'],
    what: 'read repair only (strict, anti-entropy off), partition isolate, 20 keys',
  },
  /** Anti-entropy is the only repair path, every second; the replicas must converge within 20 s of the heal. */
  'anti-entropy-only': {
    args: [
      ...SHORT,
      '--nemesis',
      'partition',
      '--strict',
      '--no-read-repair',
      '--anti-entropy-interval',
      '1000',
      '--convergence-timeout',
      '20',
    ],
    what: 'anti-entropy only (strict, read repair off), partition',
  },
} as const satisfies Record<string, { args: string[]; what: string }>

export type ScenarioName = keyof typeof SCENARIOS

/** A mutant, the scenario meant to expose it, and the promised checks any of which catching it counts. */
export type MutantCase = { mutant: MutantName; scenario: ScenarioName; caughtBy: readonly string[] }

export const MUTANT_CASES: readonly MutantCase[] = [
  { mutant: 'skip-fsync', scenario: 'power-all', caughtBy: ['no-lost-writes'] },
  { mutant: 'ack-local-only', scenario: 'strict-partition', caughtBy: ['read-your-writes'] },
  { mutant: 'skip-replication', scenario: 'strict-partition', caughtBy: ['read-your-writes'] },
  { mutant: 'read-first-reply', scenario: 'strict-partition', caughtBy: ['read-your-writes'] },
  { mutant: 'merge-drops-sibling', scenario: 'default', caughtBy: ['no-lost-writes'] },
  { mutant: 'merge-last-writer-wins', scenario: 'default', caughtBy: ['no-lost-writes'] },
  { mutant: 'phantom-read', scenario: 'default', caughtBy: ['no-phantom-values'] },
  { mutant: 'counter-not-incremented', scenario: 'default', caughtBy: ['no-duplicate-dots', 'no-lost-writes'] },
  // Two writes under one reissued dot also keep the replicas' digests apart for good: when
  // the run cannot converge, no-lost-writes turns unknown and `converges` is what fails.
  { mutant: 'counter-not-reserved', scenario: 'set-crash', caughtBy: ['no-duplicate-dots', 'no-lost-writes', 'converges'] },
  { mutant: 'hints-dropped', scenario: 'hints-only', caughtBy: ['converges', 'final-reads-agree', 'no-lost-writes'] },
  { mutant: 'context-omits-sibling', scenario: 'default', caughtBy: ['no-stale-reads'] },
  { mutant: 'cached-reads', scenario: 'default', caughtBy: ['no-stale-reads'] },
  { mutant: 'read-repair-overwrites', scenario: 'read-repair-only', caughtBy: ['replicas-hold-writes', 'no-lost-writes'] },
  { mutant: 'anti-entropy-skips-range', scenario: 'anti-entropy-only', caughtBy: ['converges', 'replicas-hold-writes'] },
]

/** The mutants the CI runs (`--fast`): one per scenario kind that needs no FUSE, quick to catch. */
export const FAST_MUTANTS: readonly MutantName[] = ['merge-drops-sibling', 'phantom-read', 'ack-local-only']

export type CaseOutcome = {
  mutant: MutantName | null
  scenario: ScenarioName
  exitCode: number
  /** Promised checks the run found violated, by name. */
  violated: string[]
  /** Promised checks that could not be decided. */
  unknown: string[]
  /** Mutant: caught by one of its checks (exit 1). Correct store: exit 0. */
  ok: boolean
  runDir: string | undefined
}

type SummaryCheck = { name: string; status: string }

/** Runs one case (a mutant, or the correct store when `mutant` is null) into `outDir` and judges it. */
export async function runCase(
  mutant: MutantName | null,
  scenario: ScenarioName,
  { outDir, seed, onLine }: { outDir: string; seed: number; onLine?: (line: string) => void },
): Promise<CaseOutcome> {
  const out = join(outDir, `${mutant ?? 'correct'}-${scenario}`)
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out, { recursive: true })
  const args = [QUORUMLAB_BIN, 'workload', ...SCENARIOS[scenario].args, '--seed', String(seed), '--out', out, '--no-progress']
  const env = { ...process.env, [MUTANT_ENV]: mutant ?? '' }
  const exitCode = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line.trim()) onLine?.(line)
      })
    }
    child.once('error', reject)
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 255 : 0)))
  })
  const runDir = readdirSync(out).find((name) => name !== 'latest')
  const checks = runDir ? readChecks(join(out, runDir)) : []
  const violated = checks.filter((c) => c.status === 'violated').map((c) => c.name)
  const unknown = checks.filter((c) => c.status === 'unknown').map((c) => c.name)
  const expected = mutant ? (MUTANT_CASES.find((c) => c.mutant === mutant && c.scenario === scenario)?.caughtBy ?? []) : []
  const ok = mutant ? exitCode === 1 && (expected.length === 0 || violated.some((v) => expected.includes(v))) : exitCode === 0
  return { mutant, scenario, exitCode, violated, unknown, ok, runDir: runDir && join(out, runDir) }
}

function readChecks(runDir: string): SummaryCheck[] {
  try {
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { verdict?: { checks?: SummaryCheck[] } }
    return summary.verdict?.checks ?? []
  } catch {
    return []
  }
}
