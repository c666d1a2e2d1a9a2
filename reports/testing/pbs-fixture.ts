/** Test fixtures for the PBS fit: WARS sample files of constant latencies, and histories whose staleness is known. */
import type { WarsRunFile, WarsSample } from '../../common/contracts/wars.ts'
import { type BuilderConfig, HistoryBuilder } from './history-builder.ts'

/** `count` samples of `ms` each, sent at `fromMs`, one per ms. */
export const constantSamples = (ms: number, fromMs: number, count = 50): WarsSample[] =>
  Array.from({ length: count }, (_, i) => [fromMs + i, ms] as WarsSample)

export function warsFile(legs: { write: WarsSample[]; ack: WarsSample[]; read: WarsSample[]; response: WarsSample[] }): WarsRunFile {
  const leg = (samples: WarsSample[]) => ({ seen: samples.length, samples })
  return {
    format: 1,
    clock: 'process.hrtime.bigint (CLOCK_MONOTONIC, shared by every process of the host)',
    nodes: ['n1', 'n2', 'n3'],
    missing: [],
    legs: { write: leg(legs.write), ack: leg(legs.ack), read: leg(legs.read), response: leg(legs.response) },
  }
}

/**
 * Writes coordinated by n1 every 100 ms; each is read 5 ms after its ack through n1 (saw it),
 * n2 and n3 (did not, unless `staleNodes` says otherwise), and 20 ms after through all three
 * (saw it).
 */
export function pbsHistory(config: BuilderConfig, rounds: number, fault?: [number, number], staleNodes = ['n2', 'n3']): HistoryBuilder {
  const h = new HistoryBuilder({ n: 3, r: 1, w: 1, nemeses: fault ? ['partition'] : [], ...config })
  if (fault) h.nemesis('partition', fault[0], fault[1], { kind: 'isolate', groups: [['n1'], ['n2', 'n3']] })
  // A first write, so that every stale read below has a version to return.
  h.put({ process: 0, value: 'v0', dot: ['n1', 1], at: [-50, -49] })
  for (let j = 1; j <= rounds; j++) {
    const at = 100 * (j - 1)
    h.put({ process: 0, value: `v${j}`, dot: ['n1', j + 1], context: { n1: j }, at: [at, at + 1] })
    for (const node of ['n1', 'n2', 'n3']) {
      const saw = !staleNodes.includes(node)
      const seen = saw ? j + 1 : j
      h.get({ process: 1, node, values: [`v${seen - 1}`], versions: [['n1', seen]], context: { n1: seen }, at: [at + 6, at + 7] })
      h.get({ process: 2, node, values: [`v${j}`], versions: [['n1', j + 1]], context: { n1: j + 1 }, at: [at + 21, at + 22] })
    }
  }
  return h.end()
}
