/**
 * The PBS prediction of a run beside what it observed: the WARS latencies the nodes timed
 * (`wars.json`) are split by phase (calm: no fault active; fault: one active), each phase's
 * four legs become empirical distributions, and the Monte Carlo predicts, for the reads of
 * that phase, the probability that each saw the latest acknowledged write at the time
 * since its ack; the mean of those is compared with the fraction that did. The model
 * assumes no faults, so only the calm phase is expected to agree; the fault phase is shown
 * to say how far apart they fall, and why.
 *
 * Latencies change over a run (load, a collection, a flush), and a write's legs and the
 * reads after it share their moment: drawn from the whole run's distributions, a slow
 * write leg from a busy moment would meet fast client legs from a quiet one, a pair that
 * never happens. So each phase is cut into moments (stretches with the same number of
 * timed writes, each with enough samples of every leg), each moment is simulated with its
 * own latencies, and a read is predicted with its write's moment.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { replicationOf, type RunInfo } from '../common/contracts/history.ts'
import { WARS_FILE, WARS_LEGS, type WarsLeg, type WarsRunFile, type WarsSample } from '../common/contracts/wars.ts'
import type { ReadRanks } from './coverage.ts'
import type { NemesisPeriod } from './faults.ts'
import { FINAL, type OpTable } from './op-table.ts'
import { type Distribution, empirical, simulateVisibility, TVisibility, type WarsLatencies } from './pbs/index.ts'
import type { StalenessResult } from './staleness.ts'

/** |observed - predicted| within which a phase agrees: 5 points, or 3 standard errors of the observed fraction if more. */
export const PBS_TOLERANCE = 0.05
/** Samples a leg needs (per phase) before it is fitted. */
const MIN_SAMPLES = 30
/** Reads a phase needs before it is compared. */
const MIN_READS = 30
const TRIALS = 20_000
/** Samples of the sparsest leg per moment: a moment's empirical distributions need enough of each. */
const MOMENT_SAMPLES = 200
/** At most this many moments per phase. */
const MAX_MOMENTS = 16
/** Trials of a moment with few reads: its reads' probabilities need this many at least. */
const MIN_MOMENT_TRIALS = 2_000
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
  /** Stretches of the phase whose latencies were fitted apart (1: the whole phase at once); 0 when nothing was predicted. */
  moments: number
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
  let calm: PhaseSamples | undefined
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

/** One read to compare: when its key's latest write was invoked and t since its ack (ms), whether it saw that write, and whether one node coordinated both. */
type ComparedRead = { writeMs: number; sinceMs: number; saw: boolean; sameCoordinator: boolean | null }

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
      writeMs: table.invoke[write] / 1000,
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

/** Timed messages of one leg, by time sent (ascending). */
type TimedLeg = WarsSample[]
type PhaseSamples = Record<WarsLeg, TimedLeg> & { commit: TimedLeg }

/** Each leg's samples of the phase, by time: sent before the final reads, inside (fault) or outside (calm) every fault. */
function phaseSamples(wars: WarsRunFile, periods: readonly NemesisPeriod[], phase: PbsPhaseName, endMs: number): PhaseSamples {
  const inPhase = (samples: readonly WarsSample[]): TimedLeg =>
    samples.filter(([at]) => at < endMs && inPeriod(at, periods) === (phase === 'fault')).sort((a, b) => a[0] - b[0])
  const legs = {} as PhaseSamples
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
  { samples, calm }: { samples: PhaseSamples; calm: PhaseSamples },
  reads: ComparedRead[],
  run: PhaseQuorum,
  nemeses: readonly string[],
): PbsPhase {
  const legs = Object.fromEntries(WARS_LEGS.map((leg) => [leg, summariseLeg(latenciesOf(samples[leg]))])) as Record<
    WarsLeg,
    PbsLegFit | null
  >
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
    return { ...base, prediction, buckets, observed99Ms, agreement: 'unknown', gap: null, worstBucket: null, moments: 0, reason }
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
  const { cuts, moments } = momentsOf(samples)
  const momentOf = (ms: number) => cuts.filter((cut) => cut <= ms).length
  // Trials in proportion to each moment's reads (every moment alike when there are none),
  // so that the pooled curve weighs the moments as the reads do.
  const weights = moments.map((): number => (reads.length > 0 ? 0 : 1))
  for (const read of reads) weights[momentOf(read.writeMs)] += 1
  const totalWeight = weights.reduce((sum, x) => sum + x, 0)
  const calmClient = phase === 'calm' ? undefined : calmClientLegs(calm)
  const visibilities = moments.map((moment, i) => {
    if (weights[i] === 0) return undefined
    const label = moments.length > 1 ? `${phase} moment ${i + 1}` : phase
    const latencies: WarsLatencies = {
      write: empirical(latenciesOf(moment.write), `${label} write`),
      ack: empirical(latenciesOf(moment.ack), `${label} ack`),
      read: empirical(latenciesOf(moment.read), `${label} read`),
      response: empirical(latenciesOf(moment.response), `${label} response`),
    }
    return simulateVisibility({
      n: run.n,
      r: run.r,
      w: run.w,
      trials: Math.max(MIN_MOMENT_TRIALS, Math.round((TRIALS * weights[i]) / totalWeight)),
      seed: run.seed + i,
      latencies,
      localCoordinator: {
        sameCoordinator: sameCoordinator ?? 1 / run.n,
        // Files from stores that do not time their own commit: taken as instant.
        commit: moment.commit.length >= MIN_SAMPLES ? empirical(latenciesOf(moment.commit), `${label} commit`) : undefined,
      },
      clientLegs: calmClient ?? { ack: latencies.response, request: latencies.read },
    })
  })
  const pooled = TVisibility.pooled(visibilities.filter((v) => v !== undefined))
  const { buckets, observed99Ms, predicted } = compare(reads, (read) => {
    const visibility = visibilities[momentOf(read.writeMs)]!
    return visibility.probabilityAt(Math.max(0, read.sinceMs)).p
  })
  const prediction = { kind: 'sampled' as const, predicted: predicted ?? 0, predicted99Ms: pooled.visibleAfter(0.99).tMs }
  const compared = { buckets, observed99Ms, worstBucket: worstBucket(buckets) }
  if (reads.length < MIN_READS) {
    return {
      ...base,
      prediction,
      ...compared,
      agreement: 'unknown',
      gap: null,
      moments: moments.length,
      reason: `too few reads to compare (${reads.length})`,
    }
  }
  const gap = saw / reads.length - prediction.predicted
  const p = saw / reads.length
  const tolerance = Math.max(PBS_TOLERANCE, 3 * Math.sqrt((p * (1 - p)) / reads.length))
  const agreement = Math.abs(gap) <= tolerance ? 'agree' : 'differ'
  return {
    ...base,
    prediction,
    ...compared,
    agreement,
    gap,
    tolerance,
    moments: moments.length,
    reason: explain(phase, agreement, gap, nemeses),
  }
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
    : 'the store is fresher than its latencies predict: messages that share a queue (a busy node, the proxy) are handled in the order they arrive, where the model draws every leg independently; read repair and anti-entropy, which it leaves out, add to that'
}

/** Observed and predicted (`predict`: P(the read saw its write), when there is a prediction) per bucket of t since the ack, and over every read. */
function compare(reads: ComparedRead[], predict: ((read: ComparedRead) => number) | undefined) {
  const buckets: PbsBucket[] = EDGES_MS.map((fromMs, b) => ({
    fromMs,
    toMs: b + 1 < EDGES_MS.length ? EDGES_MS[b + 1] : null,
    reads: 0,
    observed: 0,
    predicted: predict ? 0 : null,
  }))
  let predictedSum = 0
  for (const read of reads) {
    let b = EDGES_MS.findIndex((edge) => edge > read.sinceMs) - 1
    if (b < 0) b = read.sinceMs < 0 ? 0 : EDGES_MS.length - 1
    const bucket = buckets[b]
    bucket.reads += 1
    bucket.observed += read.saw ? 1 : 0
    if (predict && bucket.predicted !== null) {
      const p = predict(read)
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
  return { buckets: filled, observed99Ms, predicted: predict && reads.length > 0 ? predictedSum / reads.length : null }
}

/**
 * The client links' legs: they cross the same proxy on the same host as node links, so the
 * calm read request and response legs stand for them: a calm moment's own, and in the fault
 * phase the whole calm phase's (undefined when calm has too few: then the moment's own).
 */
function calmClientLegs(calm: PhaseSamples): { ack: Distribution; request: Distribution } | undefined {
  if (calm.read.length < MIN_SAMPLES || calm.response.length < MIN_SAMPLES) return undefined
  return { ack: empirical(latenciesOf(calm.response), 'calm response'), request: empirical(latenciesOf(calm.read), 'calm read') }
}

const latenciesOf = (leg: TimedLeg): number[] => leg.map(([, ms]) => ms)

/**
 * The phase cut into moments of as many timed writes each, as many as give every leg (the
 * commit too, when timed) at least half of {@link MOMENT_SAMPLES} samples in every moment;
 * `cuts`: where each moment after the first starts, ms.
 */
function momentsOf(samples: PhaseSamples): { cuts: number[]; moments: PhaseSamples[] } {
  const legs: (WarsLeg | 'commit')[] = samples.commit.length >= MIN_SAMPLES ? [...WARS_LEGS, 'commit'] : [...WARS_LEGS]
  const sparsest = Math.min(...legs.map((leg) => samples[leg].length))
  const writes = samples.write
  for (let k = Math.min(MAX_MOMENTS, Math.floor(sparsest / MOMENT_SAMPLES)); k > 1; k--) {
    const cuts = Array.from({ length: k - 1 }, (_, j) => writes[Math.floor(((j + 1) * writes.length) / k)][0])
    const moments = Array.from({ length: k }, (_, j) =>
      slice(samples, cuts[j - 1] ?? Number.NEGATIVE_INFINITY, cuts[j] ?? Number.POSITIVE_INFINITY),
    )
    if (moments.every((moment) => legs.every((leg) => moment[leg].length >= MOMENT_SAMPLES / 2))) return { cuts, moments }
  }
  return { cuts: [], moments: [samples] }
}

/** The samples sent from `fromMs` (inclusive) to `toMs`. */
function slice(samples: PhaseSamples, fromMs: number, toMs: number): PhaseSamples {
  const within = (leg: TimedLeg) => leg.filter(([at]) => at >= fromMs && at < toMs)
  const out = {} as PhaseSamples
  for (const leg of WARS_LEGS) out[leg] = within(samples[leg])
  out.commit = within(samples.commit)
  return out
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
