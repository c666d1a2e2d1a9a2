/**
 * A small hand-made run with everything the report's first screen and time charts must say
 * something about: calm phases around a fault period where a partition, a latency and a drop
 * fault overlap (a combination), fails and slow ops during it, a write lww drops (a lost write and
 * the staleness note), a final-read burst far above the run's rate, and convergence.
 */
import { HistoryBuilder } from './history-builder.ts'

/** Ops per second of the measured run (one op every 100 ms), and final reads in their burst. */
export const FAULTY_RUN = { rate: 10, finalReads: 150, finalAtMs: 10_600 }

export function faultyRun(): HistoryBuilder {
  const h = new HistoryBuilder({ versioning: 'lww', nemeses: ['partition', 'latency', 'drop'] })
  h.nemesis('partition', 2000, 6000, { kind: 'isolate', groups: [['n1'], ['n2', 'n3']], cut: ['n1-n2', 'n2-n1', 'n1-n3', 'n3-n1'] })
  h.nemesis('latency', 3000, 6000, { latencyMs: 100, jitterMs: 20, links: 6, clients: false })
  h.nemesis(
    'drop',
    4000,
    5000,
    { probability: 0.2, links: 6 },
    { probability: 0.2, unit: 'messages', messages: 100, dropped: 19, achievedRate: 0.19 },
  )
  let counter = 0
  for (let t = 0; t < 10_000; t += 100) {
    const phase = t < 1000 ? 'warmup' : t >= 2000 && t < 6000 ? 'fault' : 'heal'
    const faulty = phase === 'fault'
    const process = (t / 100) % 3
    const key = `k${((t / 100) % 4) + 1}`
    if ((t / 100) % 2 === 0) {
      const fails = faulty && (t / 100) % 4 === 0
      h.put({ process, key, value: `v${t}`, dot: ['n1', ++counter], type: fails ? 'fail' : 'ok', phase, at: [t, t + (faulty ? 120 : 4)] })
    } else h.get({ process, key, context: { n1: counter }, phase, at: [t, t + (faulty ? 150 : 3)] })
  }
  // Two blind writes to k0 at once: lww keeps the later timestamp, x is dropped.
  h.put({ process: 4, key: 'k0', value: 'x', dot: ['n2', 1], phase: 'heal', at: [7000, 7005] })
  h.put({ process: 5, key: 'k0', value: 'y', dot: ['n1', 1000], phase: 'heal', at: [7001, 7006] })
  h.converged(true, 40, 10_400)
  const nodes = ['n1', 'n2', 'n3']
  for (let i = 0; i < FAULTY_RUN.finalReads; i++) {
    // k0, then keys the run never wrote (its writes stay unchecked: no final read shows them).
    const key = i < 3 ? 'k0' : `f${Math.floor(i / 3)}`
    const at = FAULTY_RUN.finalAtMs + i
    if (key === 'k0')
      h.get({
        process: 6,
        key,
        node: nodes[i % 3],
        values: ['y'],
        versions: [['n1', 1000]],
        context: { n1: 1000 },
        phase: 'final',
        at: [at, at + 1],
      })
    else h.get({ process: 6, key, node: nodes[i % 3], context: { n1: counter }, phase: 'final', at: [at, at + 1] })
  }
  return h
}
