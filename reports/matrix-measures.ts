/**
 * The measures the scenario matrix compares across cells, one table: each says what it
 * is, its unit, which end is better, and how to read it from a run's summary.json. The
 * CSV columns, the terminal table, the page's columns and its chart picker all come from
 * this table, so a new per-cell measure (e.g. a PBS prediction) is one entry here.
 */
import type { LatencyRow } from './latency.ts'
import type { RunSummary } from './summary.ts'

/** `fraction` shows as a percentage; `ms` as milliseconds; `count` and `number` as they are. */
export type MeasureUnit = 'fraction' | 'ms' | 'count' | 'number'

/** What the matrix file and page know of a measure (everything but how it is read). */
export type MeasureInfo = {
  /** Stable id, the key of the measure in every run and cell. */
  id: string
  /** Column name in matrix.csv (its min and max over repeats get `_min`, `_max`). */
  csv: string
  label: string
  /** Header of the terminal table (a legend under it spells it out). */
  short: string
  unit: MeasureUnit
  better: 'low' | 'high'
  /** One sentence: what it measures and over which ops. */
  help: string
  /** Shown in the terminal table (which must fit 100 columns). */
  terminal: boolean
}

export type MatrixMeasure = MeasureInfo & { of: (summary: RunSummary) => number | null }

/** Latency of ok ops of one kind over the whole run, from intended time. */
const latencyOf = (rows: LatencyRow[], f: 'get' | 'put'): LatencyRow | undefined =>
  rows.find((r) => r.from === 'intended' && r.f === f && r.outcome === 'ok' && r.phase === 'all')

const okRate = (summary: RunSummary, phase: 'all' | 'fault'): number | null =>
  summary.availability.find((a) => a.phase === phase)?.okRate ?? null

/** The calm phase of the run's PBS fit, when there is one. */
const calmPbs = (summary: RunSummary) => (summary.pbs?.kind === 'fitted' ? summary.pbs.phases.find((p) => p.phase === 'calm') : undefined)

/** The predicted P(a calm read saw the latest write): exactly 1 when R + W > N. */
function pbsPredicted(summary: RunSummary): number | null {
  const prediction = calmPbs(summary)?.prediction
  return prediction?.kind === 'sampled' ? prediction.predicted : prediction?.kind === 'exact' ? 1 : null
}

const MEASURED = 'over the measured phases (warm-up, fault, heal; final reads left out)'
const WHOLE_RUN = 'ok ops over the whole run, from the intended send time'

export const MATRIX_MEASURES: MatrixMeasure[] = [
  {
    id: 'staleFraction',
    csv: 'stale_fraction',
    label: 'stale reads',
    short: 'stale',
    unit: 'fraction',
    better: 'low',
    help: `reads that missed an acknowledged write, ${MEASURED}`,
    terminal: true,
    of: (s) => s.staleness.staleFraction,
  },
  {
    id: 'meanK',
    csv: 'mean_k',
    label: 'mean k',
    short: 'k',
    unit: 'number',
    better: 'low',
    help: `acknowledged writes a read missed, on average, ${MEASURED}`,
    terminal: true,
    of: (s) => s.staleness.meanK,
  },
  {
    id: 'p99K',
    csv: 'p99_k',
    label: 'p99 k',
    short: 'k99',
    unit: 'number',
    better: 'low',
    help: `99th percentile of k-staleness, ${MEASURED}`,
    terminal: false,
    of: (s) => s.staleness.p99K,
  },
  {
    id: 'visible99Ms',
    csv: 'visible_99_ms',
    label: 't-visibility 99%',
    short: 'vis99',
    unit: 'ms',
    better: 'low',
    help: `time after a write's ack from which 99% of reads saw it, ${MEASURED}`,
    terminal: true,
    of: (s) => s.visibility.p99VisibleAfterMs,
  },
  {
    id: 'pbsPredicted',
    csv: 'pbs_predicted',
    label: 'PBS predicted',
    short: 'pbsP',
    unit: 'fraction',
    better: 'high',
    help: "calm reads the WARS model, fed with the run's timed message latencies, predicts saw the latest acknowledged write (1 when R + W > N)",
    terminal: false,
    of: pbsPredicted,
  },
  {
    id: 'pbsObserved',
    csv: 'pbs_observed',
    label: 'PBS observed',
    short: 'pbsO',
    unit: 'fraction',
    better: 'high',
    help: 'calm reads (no fault between the write and the read) that saw the latest acknowledged write, beside the prediction',
    terminal: false,
    of: (s) => calmPbs(s)?.observed ?? null,
  },
  {
    id: 'okRate',
    csv: 'ok_rate',
    label: 'ok rate',
    short: 'ok',
    unit: 'fraction',
    better: 'high',
    help: 'ok ops over all client ops of the run',
    terminal: true,
    of: (s) => okRate(s, 'all'),
  },
  {
    id: 'faultOkRate',
    csv: 'fault_ok_rate',
    label: 'ok during faults',
    short: 'okF',
    unit: 'fraction',
    better: 'high',
    help: 'ok ops over the client ops invoked while a fault was active (none without faults)',
    terminal: true,
    of: (s) => okRate(s, 'fault'),
  },
  {
    id: 'readP50Ms',
    csv: 'read_p50_ms',
    label: 'read p50',
    short: 'rd50',
    unit: 'ms',
    better: 'low',
    help: `median read latency, ${WHOLE_RUN}`,
    terminal: false,
    of: (s) => latencyOf(s.latency, 'get')?.p50Ms ?? null,
  },
  {
    id: 'readP99Ms',
    csv: 'read_p99_ms',
    label: 'read p99',
    short: 'rd99',
    unit: 'ms',
    better: 'low',
    help: `99th percentile read latency, ${WHOLE_RUN}`,
    terminal: true,
    of: (s) => latencyOf(s.latency, 'get')?.p99Ms ?? null,
  },
  {
    id: 'writeP50Ms',
    csv: 'write_p50_ms',
    label: 'write p50',
    short: 'wr50',
    unit: 'ms',
    better: 'low',
    help: `median write latency, ${WHOLE_RUN}`,
    terminal: false,
    of: (s) => latencyOf(s.latency, 'put')?.p50Ms ?? null,
  },
  {
    id: 'writeP99Ms',
    csv: 'write_p99_ms',
    label: 'write p99',
    short: 'wr99',
    unit: 'ms',
    better: 'low',
    help: `99th percentile write latency, ${WHOLE_RUN}`,
    terminal: true,
    of: (s) => latencyOf(s.latency, 'put')?.p99Ms ?? null,
  },
  {
    id: 'lostWrites',
    csv: 'lost_writes',
    label: 'lost writes',
    short: 'lost',
    unit: 'count',
    better: 'low',
    help: 'acknowledged writes no final read shows and nothing superseded (none when it could not be checked)',
    terminal: true,
    of: (s) => (s.lostWrites ? (s.verdict.checks.find((c) => c.name === 'no-lost-writes')?.violations ?? null) : null),
  },
  {
    id: 'convergenceMs',
    csv: 'convergence_ms',
    label: 'convergence',
    short: 'conv',
    unit: 'ms',
    better: 'low',
    help: 'from the final heal until the replicas agreed (or the wait gave up)',
    terminal: true,
    of: (s) => s.convergence.ms,
  },
  {
    id: 'ops',
    csv: 'ops',
    label: 'ops',
    short: 'ops',
    unit: 'count',
    better: 'high',
    help: 'client ops of the run, every phase',
    terminal: false,
    of: (s) => s.availability.find((a) => a.phase === 'all')?.ops ?? 0,
  },
]

/** The measures without their readers: what matrix.json and the page carry. */
export const measureInfos = (): MeasureInfo[] => MATRIX_MEASURES.map(({ of: _of, ...info }) => info)
