/** Fixtures for run tests: short runs in a temporary folder, and reading their history back. */
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StoreSettings } from '../../store/config.ts'
import { TEST_SETTINGS } from '../cluster/testing.ts'
import { quorumlabAdapter } from '../stores/quorumlab/index.ts'
import { isNemesis, isOp, type HistoryRecord, type NemesisRecord, type OpRecord } from '../../common/contracts/history.ts'
import { PRESETS } from '../../workloads/workload.ts'
import { RUN_DEFAULTS, type RunOptions } from './run-options.ts'

type Cleanup = (handler: () => Promise<void> | void) => void

/** The reference store's settings in a short run: test timings, gossip and anti-entropy fast enough to converge in seconds. */
export const SHORT_RUN_SETTINGS: StoreSettings = { ...TEST_SETTINGS, gossipIntervalMs: 200, antiEntropyIntervalMs: 1000 }

/** A short run's options writing under a temporary folder that `cleanup` removes. */
export async function shortRunOptions(cleanup: Cleanup, overrides: Partial<RunOptions> = {}): Promise<RunOptions> {
  const out = await mkdtemp(join(tmpdir(), 'quorumlab-run-'))
  cleanup(() => rm(out, { recursive: true, force: true }))
  return {
    workload: { ...PRESETS.distributed, keys: 50 },
    store: quorumlabAdapter({ settings: SHORT_RUN_SETTINGS }),
    nodes: 3,
    network: 'proxy',
    timeS: 6,
    warmupS: 1,
    rate: 100,
    arrival: 'poisson',
    concurrency: 5,
    seed: 1,
    routing: 'random',
    nemeses: [],
    nemesisIntervalS: 2,
    nemesisSchedule: 'rotate',
    nemesis: { ...RUN_DEFAULTS.nemesis },
    requestTimeoutMs: 2000,
    convergenceTimeoutS: 20,
    out,
    progress: false,
    ...overrides,
  }
}

export function readHistory(path: string): HistoryRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as HistoryRecord)
}

export const opsOf = (history: HistoryRecord[]): OpRecord[] => history.filter(isOp)
export const nemesisEventsOf = (history: HistoryRecord[]): NemesisRecord[] => history.filter(isNemesis)
