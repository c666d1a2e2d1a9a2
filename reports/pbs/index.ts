/**
 * The PBS predictor (Probabilistically Bounded Staleness, Bailis et al., VLDB 2012): how
 * fresh reads of a Dynamo-style N/R/W store should be, predicted from the latency
 * distributions of the four WARS legs. What the CLI and the run reports use of it: a run
 * builds each leg with `empirical(samplesMs, label)` from the latencies its nodes
 * recorded and calls `predict`, or `simulateVisibility` once to ask for a whole curve.
 */
export {
  type Distribution,
  type MixturePart,
  DistributionRangeError,
  constant,
  uniform,
  exponential,
  pareto,
  lognormal,
  empirical,
  mixture,
  meanMs,
  describe,
} from './distribution.ts'
export { parseDistribution, DistributionSyntaxError, type ParseOptions } from './distribution-parser.ts'
export { readSamplesFile } from './samples-file.ts'
export type { Quorum } from './quorum.ts'
export { kStalenessClosedForm } from './closed-form.ts'
export type { Probability } from './interval.ts'
export {
  type WarsLatencies,
  type SimulationOptions,
  type VisibleAfter,
  type KStaleness,
  type KStalenessOptions,
  TVisibility,
  INTERSECTING_QUORUMS,
  simulateVisibility,
  simulateKStaleness,
} from './wars.ts'
export { type PredictOptions, type Prediction, predict } from './prediction.ts'
