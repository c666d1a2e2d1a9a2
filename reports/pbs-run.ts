/**
 * The PBS prediction of a run beside what it observed: the WARS latencies the nodes timed
 * (`wars.json`) are split by phase (calm: no fault active; fault: one active), each phase's
 * four legs become empirical distributions, and the Monte Carlo predicts, for the reads of
 * that phase, the probability that each saw the latest acknowledged write at the time
 * since its ack; the mean of those is compared with the fraction that did. The model
 * assumes no faults, so only the calm phase is expected to agree; the fault phase is shown
 * to say how far apart they fall, and why.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { replicationOf, type RunInfo } from '../common/contracts/history.ts'
import { WARS_FILE, WARS_LEGS, type WarsLeg, type WarsRunFile, type WarsSample } from '../common/contracts/wars.ts'
import type { ReadRanks } from './coverage.ts'
import type { NemesisPeriod } from './faults.ts'
import { FINAL, type OpTable } from './op-table.ts'
import { type Distribution, empirical, simulateVisibility, type TVisibility, type WarsLatencies } from './pbs/index.ts'
import type { StalenessResult } from './staleness.ts'

/** |observed - predicted| within which a phase agrees: 5 points, or 3 standard errors of the observed fraction if more. */
export const PBS_TOLERANCE = 0.05
/** Samples a leg needs (per phase) before it is fitted. */
const MIN_SAMPLES = 30
/** Reads a phase needs before it is compared. */
const MIN_READS = 30
const TRIALS = 20_000
/** Bucket edges of the drawn curves, ms since the ack: as the observed t-visibility curve's, up to 10 s. */
const EDGES_MS = [0, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1_000, 2_000, 5_000, 10_000]

export type PbsPhaseName = 'calm' | 'fault'

/** One leg's fitted (empirical) distribution, summarised. */
export type PbsLegFit = { samples: number; meanMs: number; p50Ms: number; p99Ms: number }

/** Reads with t since the ack in [fromMs, toMs): the fraction that saw the write, and the mean predicted probability for the same reads. */
export type PbsBucket = { fromMs: number; toMs: number | null; reads: number; observed: number; predicted: number | null }

export type PbsPhase = {
  phase: PbsPhaseName
  /** Reads of the phase that had an earlier acknowledged write to their key, and those that saw the latest. */
  reads: number
  saw: number
  /** Of those reads, the fraction coordinated by the node that coordinated the write (it has the write at once). */
  sameCoordinator: number | null
  legs: Record<WarsLeg, PbsLegFit | null>
  /** `unpredicted`: too few samples or reads, with why; `exact`: R + W > N; `sampled`: the Monte Carlo's figures. */
  prediction:
    | { kind: 'unpredicted'; reason: string }
    | { kind: 'exact'; reason: string }
    /** `predicted`: the mean over the phase's reads of P(visible at its t); `predicted99Ms`: t from which 99% of reads see the write. */
    | { kind: 'sampled'; predicted: number; predicted99Ms: number }
  /** saw / reads; null without reads. */
  observed: number | null
  /** The smallest bucket start from which every later observed bucket has P(saw) >= 0.99, ms. */
  observed99Ms: number | null
  buckets: PbsBucket[]
  /** `agree` within the tolerance, `differ` beyond it, `unknown` when not compared. */
  agreement: 'agree' | 'differ' | 'unknown'
  /** Observed minus predicted over every read of the phase; null when not compared. */
  gap: number | null
  /** The bucket (of at least 30 reads) where observed and predicted are furthest apart; null when none. */
  worstBucket: { fromMs: number; toMs: number | null; reads: number; gap: number } | null
  tolerance: number
  /** Why they differ, or what the agreement means, in a sentence. */
  reason: string
}

export type PbsRunSummary =
  | { kind: 'unavailable'; reason: string }
  | {
      kind: 'fitted'
      n: number
      r: number
      w: number
      trials: number
      seed: number
      nodes: string[]
      missing: string[]
      phases: PbsPhase[]
    }

/** The parts of an analysis the fit reads. */
export type PbsInputs = {
  run: RunInfo | undefined
  table: OpTable
  ranks: ReadRanks
  staleness: StalenessResult
  periods: readonly NemesisPeriod[]
}

/** Reads `wars.json` beside the history; undefined when there is none (a store that does not time WARS legs). */
export async function readWarsFile(dir: string): Promise<WarsRunFile | undefined> {
  let text: string
  try {
    text = await readFile(join(dir, WARS_FILE), 'utf8')
  } catch {
    return undefined
  }
  const file = JSON.parse(text) as WarsRunFile
  const valid =
    file?.format === 1 &&
    WARS_LEGS.every((leg) => Array.isArray(file.legs?.[leg]?.samples) && file.legs[leg].samples.every(isSample)) &&
    (file.commit === undefined || (Array.isArray(file.commit.samples) && file.commit.samples.every(isSample))) &&
    Array.isArray(file.nodes) &&
    Array.isArray(file.missing)
  if (!valid) throw new Error(`${WARS_FILE} is not a WARS samples file of format 1`)
  return file
}

const isSample = (s: unknown): s is WarsSample =>
  Array.isArray(s) && s.length === 2 && Number.isFinite(s[0]) && Number.isFinite(s[1]) && (s[1] as number) >= 0

/** The prediction beside the observation, per phase; `unavailable` with a reason when it cannot be made. */
export function fitRun(wars: WarsRunFile | undefined, inputs: PbsInputs): PbsRunSummary {
  const { run } = inputs
  if (!run) return { kind: 'unavailable', reason: 'the history has no run record (N, R, W unknown)' }
  const replication = replicationOf(run)
  if (!replication) return { kind: 'unavailable', reason: 'the run record gives no N, R, W (a store other than the reference store)' }
  const quorum: PhaseQuorum = { ...replication, seed: run.seed }
  if (!wars) return { kind: 'unavailable', reason: `no ${WARS_FILE}: the store's nodes did not time the WARS legs` }
  const reads = phaseReads(inputs)
  const measuredEndMs = measuredEnd(inputs.table)
  const phases: PbsPhase[] = []
  const nemeses = [...new Set(inputs.periods.map((p) => p.nemesis))]
  let calm: Record<WarsLeg, number[]> | undefined
  for (const phase of ['calm', 'fault'] as const) {
    if (phase === 'fault' && inputs.periods.length === 0) continue
    const samples = phaseSamples(wars, inputs.periods, phase, measuredEndMs)
    calm ??= samples
    phases.push(fitPhase(phase, { samples, calm }, reads[phase], quorum, nemeses))
  }
  const { n, r, w } = quorum
  return { kind: 'fitted', n, r, w, trials: TRIALS, seed: run.seed, nodes: wars.nodes, missing: wars.missing, phases }
}

/** What a phase's simulation needs of the run record. */
type PhaseQuorum = { n: number; r: number; w: number; seed: number }

/** One read to compare: t since its key's latest ack (ms), whether it saw that write, and whether one node coordinated both. */
type ComparedRead = { sinceMs: number; saw: boolean; sameCoordinator: boolean | null }

const inPeriod = (ms: number, periods: readonly NemesisPeriod[]) => periods.some((p) => ms >= p.startMs && ms < p.stopMs)
/** A fault was active at some time between `fromMs` and `toMs`. */
const overlapsFault = (fromMs: number, toMs: number, periods: readonly NemesisPeriod[]) =>
  periods.some((p) => p.startMs < toMs && p.stopMs > fromMs)

/**
 * The reads of each phase: calm when no fault was active from the write's invocation to
 * the read's (a write made during a partition and read after it is the fault's doing),
 * fault otherwise. Final reads are left out, as in the observed t-visibility.
 */
function phaseReads({ table, ranks, staleness, periods }: PbsInputs): Record<PbsPhaseName, ComparedRead[]> {
  const out: Record<PbsPhaseName, ComparedRead[]> = { calm: [], fault: [] }
  for (let i = 0; i < staleness.latest.length; i++) {
    const write = staleness.latest[i]
    const read = ranks.reads[i]
    if (write < 0 || table.phase[read] === FINAL) continue
    const writeCoordinator = table.coordinator[write]
    const readCoordinator = table.coordinator[read]
    const phase = overlapsFault(table.invoke[write] / 1000, table.invoke[read] / 1000, periods) ? 'fault' : 'calm'
    out[phase].push({
      sinceMs: staleness.sinceLatest[i] / 1000,
      saw: staleness.sawLatest[i] === 1,
      sameCoordinator: writeCoordinator < 0 || readCoordinator < 0 ? null : writeCoordinator === readCoordinator,
    })
  }
  return out
}

/** When the final reads began (ms on the run clock); Infinity when there were none. */
function measuredEnd(table: OpTable): number {
  let end = Number.POSITIVE_INFINITY
  for (let row = 0; row < table.length; row++) if (table.phase[row] === FINAL) end = Math.min(end, table.invoke[row] / 1000)
  return end
}

/** Each leg's latencies (ms) of the phase: samples sent before the final reads, inside (fault) or outside (calm) every fault. */
function phaseSamples(wars: WarsRunFile, periods: readonly NemesisPeriod[], phase: PbsPhaseName, endMs: number) {
  const inPhase = (samples: readonly WarsSample[]): number[] =>
    samples.filter(([at]) => at < endMs && inPeriod(at, periods) === (phase === 'fault')).map(([, ms]) => ms)
  const legs = {} as Record<WarsLeg, number[]> & { commit: number[] }
  for (const leg of WARS_LEGS) legs[leg] = inPhase(wars.legs[leg].samples)
  legs.commit = inPhase(wars.commit?.samples ?? [])
  return legs
}

/**
 * `samples`: the phase's legs; `calm`: the calm phase's, whose read and response legs
 * stand for the client links (nemeses act on node-to-node links), so that t counts from the
 * client's receipt of the ack, as the observation does.
 */
function fitPhase(
  phase: PbsPhaseName,
  { samples, calm }: { samples: Record<WarsLeg, number[]> & { commit: number[] }; calm: Record<WarsLeg, number[]> },
  reads: ComparedRead[],
  run: PhaseQuorum,
  nemeses: readonly string[],
): PbsPhase {
  const legs = Object.fromEntries(WARS_LEGS.map((leg) => [leg, summariseLeg(samples[leg])])) as Record<WarsLeg, PbsLegFit | null>
  const saw = reads.filter((r) => r.saw).length
  const known = reads.filter((r) => r.sameCoordinator !== null)
  const sameCoordinator = known.length > 0 ? known.filter((r) => r.sameCoordinator).length / known.length : null
  const base = {
    phase,
    reads: reads.length,
    saw,
    sameCoordinator,
    legs,
    observed: reads.length > 0 ? saw / reads.length : null,
    tolerance: PBS_TOLERANCE,
  }
  const observedOnly = (prediction: PbsPhase['prediction'], reason: string): PbsPhase => {
    const { buckets, observed99Ms } = compare(reads, undefined)
    return { ...base, prediction, buckets, observed99Ms, agreement: 'unknown', gap: null, worstBucket: null, reason }
  }
  if (run.r + run.w > run.n) {
    const reason = `R + W > N (${run.r} + ${run.w} > ${run.n}): every read quorum overlaps the write quorum, so the model predicts every read sees the write, at every t`
    return observedOnly({ kind: 'exact', reason }, reason)
  }
  const short = WARS_LEGS.filter((leg) => samples[leg].length < MIN_SAMPLES)
  if (short.length > 0) {
    const reason = `too few timed messages in the ${phase} phase for ${short.join(', ')} (fewer than ${MIN_SAMPLES} each)`
    return observedOnly({ kind: 'unpredicted', reason }, reason)
  }
  const latencies = {
    write: empirical(samples.write, `${phase} write`),
    ack: empirical(samples.ack, `${phase} ack`),
    read: empirical(samples.read, `${phase} read`),
    response: empirical(samples.response, `${phase} response`),
  }
  const visibility = simulateVisibility({
    n: run.n,
    r: run.r,
    w: run.w,
    trials: TRIALS,
    seed: run.seed,
    latencies,
    localCoordinator: {
      sameCoordinator: sameCoordinator ?? 1 / run.n,
      // Files from stores that do not time their own commit: taken as instant.
      commit: samples.commit.length >= MIN_SAMPLES ? empirical(samples.commit, `${phase} commit`) : undefined,
    },
    clientLegs: clientLegs(calm, latencies),
  })
  const { buckets, observed99Ms, predicted } = compare(reads, visibility)
  const prediction = { kind: 'sampled' as const, predicted: predicted ?? 0, predicted99Ms: visibility.visibleAfter(0.99).tMs }
  const compared = { buckets, observed99Ms, worstBucket: worstBucket(buckets) }
  if (reads.length < MIN_READS) {
    return { ...base, prediction, ...compared, agreement: 'unknown', gap: null, reason: `too few reads to compare (${reads.length})` }
  }
  const gap = saw / reads.length - prediction.predicted
  const p = saw / reads.length
  const tolerance = Math.max(PBS_TOLERANCE, 3 * Math.sqrt((p * (1 - p)) / reads.length))
  const agreement = Math.abs(gap) <= tolerance ? 'agree' : 'differ'
  return { ...base, prediction, ...compared, agreement, gap, tolerance, reason: explain(phase, agreement, gap, nemeses) }
}

function explain(phase: PbsPhaseName, agreement: 'agree' | 'differ', gap: number, nemeses: readonly string[]): string {
  const way = gap < 0 ? 'staler' : 'fresher'
  if (phase === 'fault') {
    if (agreement === 'agree')
      return `the faults of this run (${nemeses.join(', ')}) changed staleness no more than their effect on the timed latencies predicts`
    const losing = nemeses.filter((n) => n !== 'latency' && n !== 'clock')
    const causes = [
      ...(losing.length > 0 ? [`${losing.join(', ')}: lost messages or unreachable replicas leave writes to hints and anti-entropy`] : []),
      ...(nemeses.includes('latency')
        ? [
            'latency delays every message of a link together (correlated, queued behind each other), where the model draws each independently',
          ]
        : []),
    ]
    return `faults, which the model assumes away: ${causes.join('; ') || 'a fault was active'} (observed ${way} than predicted)`
  }
  if (agreement === 'agree') return 'the store behaves as the WARS model of its measured latencies predicts'
  return gap < 0
    ? 'the store is staler than its latencies predict: a sign of lost or reordered replication in calm periods, or of latencies correlated by load (queueing delays every message of a moment together)'
    : 'the store is fresher than its latencies predict: read repair and anti-entropy, which the model leaves out, or reads that reach their coordinator later than the client sent them'
}

/** Observed and predicted per bucket of t since the ack, and over every read. */
function compare(reads: ComparedRead[], visibility: TVisibility | undefined) {
  const buckets: PbsBucket[] = EDGES_MS.map((fromMs, b) => ({
    fromMs,
    toMs: b + 1 < EDGES_MS.length ? EDGES_MS[b + 1] : null,
    reads: 0,
    observed: 0,
    predicted: visibility ? 0 : null,
  }))
  let predictedSum = 0
  for (const read of reads) {
    let b = EDGES_MS.findIndex((edge) => edge > read.sinceMs) - 1
    if (b < 0) b = read.sinceMs < 0 ? 0 : EDGES_MS.length - 1
    const bucket = buckets[b]
    bucket.reads += 1
    bucket.observed += read.saw ? 1 : 0
    if (visibility && bucket.predicted !== null) {
      const p = visibility.probabilityAt(Math.max(0, read.sinceMs)).p
      bucket.predicted += p
      predictedSum += p
    }
  }
  const filled = buckets.filter((b) => b.reads > 0)
  for (const b of filled) {
    b.observed /= b.reads
    if (b.predicted !== null) b.predicted /= b.reads
  }
  let observed99Ms: number | null = null
  for (let i = filled.length - 1; i >= 0 && filled[i].observed >= 0.99; i--) observed99Ms = filled[i].fromMs
  return { buckets: filled, observed99Ms, predicted: visibility && reads.length > 0 ? predictedSum / reads.length : null }
}

/**
 * The client links' legs: they cross the same proxy on the same host as node links, so the
 * calm read request and response legs stand for them (the phase's own when calm has too few).
 */
function clientLegs(calm: Record<WarsLeg, number[]>, own: WarsLatencies): { ack: Distribution; request: Distribution } {
  if (calm.read.length < MIN_SAMPLES || calm.response.length < MIN_SAMPLES) return { ack: own.response, request: own.read }
  return { ack: empirical(calm.response, 'calm response'), request: empirical(calm.read, 'calm read') }
}

function worstBucket(buckets: PbsBucket[]): PbsPhase['worstBucket'] {
  let worst: PbsPhase['worstBucket'] = null
  for (const { fromMs, toMs, reads, observed, predicted } of buckets) {
    if (reads < MIN_READS || predicted === null) continue
    const gap = observed - predicted
    if (!worst || Math.abs(gap) > Math.abs(worst.gap)) worst = { fromMs, toMs, reads, gap }
  }
  return worst
}

function summariseLeg(samples: number[]): PbsLegFit | null {
  if (samples.length === 0) return null
  const sorted = Float64Array.from(samples).sort()
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
  let sum = 0
  for (const x of sorted) sum += x
  return { samples: sorted.length, meanMs: sum / sorted.length, p50Ms: at(0.5), p99Ms: at(0.99) }
}
