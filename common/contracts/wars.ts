/**
 * Message latencies of the four WARS legs (the PBS model: W write, A ack, R read request,
 * S read response) as nodes record them and as a run stores them in `wars.json`, for the
 * report's PBS prediction. Times come from `process.hrtime.bigint()`, which on Linux is
 * CLOCK_MONOTONIC, one clock for every process of the machine: a coordinator's send time
 * and a replica's apply time can be subtracted when both run on the same host (local
 * processes, or containers sharing the host kernel).
 */

export const WARS_LEGS = ['write', 'ack', 'read', 'response'] as const
/** write: coordinator → replica until the replica has applied it; ack: back; read: coordinator → replica until it read; response: back. */
export type WarsLeg = (typeof WARS_LEGS)[number]

/** One message: `atMs` when the leg started (the coordinator's send, or the replica's apply for ack and response), and how long it took, ms. */
export type WarsSample = [atMs: number, ms: number]

/** One leg's reservoir: `seen` legs timed, `samples` a uniform random subset of them (all when few). */
export type WarsLegSamples = { seen: number; samples: WarsSample[] }

/** `GET /admin/wars`: what one node timed as a coordinator since it started; `atMs` on the host's monotonic clock. */
export type NodeWarsSnapshot = {
  node: string
  /** The node's monotonic clock when it answered, ms. */
  nowMs: number
  legs: Record<WarsLeg, WarsLegSamples>
  /** See {@link WarsRunFile.commit}; absent from stores that do not time it. */
  commit?: WarsLegSamples
}

/** `wars.json` in a run folder: every node's samples, `atMs` converted to ms since the run started (the history's clock). */
export type WarsRunFile = {
  format: 1
  clock: 'process.hrtime.bigint (CLOCK_MONOTONIC, shared by every process of the host)'
  /** Nodes that answered; those that did not (down at the end) are in `missing`. A node restarted during the run lost its earlier samples. */
  nodes: string[]
  missing: string[]
  legs: Record<WarsLeg, WarsLegSamples>
  /**
   * A coordinator's own commit of the writes it coordinated: from applying the write to
   * having it on disk (`atMs`: the apply). A coordinator that is a replica answers no
   * sooner, however fast the others ack. Absent in files from stores that do not time it
   * (and before 2026-11-30): the prediction then takes it as instant.
   */
  commit?: WarsLegSamples
}

export const WARS_FILE = 'wars.json'

/** The host's monotonic clock, ms (fractional: the ns of hrtime). */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6
