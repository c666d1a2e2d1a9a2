/**
 * Small histories from a causally consistent store, for property tests: every session
 * talks to its own replica (sticky), a write carries as dependencies everything its replica
 * had applied, replicas apply other sessions' writes late and in causal order (delayed
 * delivery), and a read returns the latest writes of its key its replica has (several when
 * concurrent: siblings). Some writes fail (never applied) or time out (info: applied or not).
 * Final reads after every write is delivered. Such a history must pass the causal checker
 * and every session guarantee from values.
 */
import type { OpOutcome } from '../../common/contracts/history.ts'
import { Random } from '../../common/helpers/random.ts'
import { HistoryBuilder } from './history-builder.ts'

export type CausalSimulationOptions = { ops?: number; processes?: number; keys?: number; finalReads?: boolean }

type Write = { id: number; key: string; value: string; deps: Set<number> }

export function causalHistory(seed: number, options: CausalSimulationOptions = {}): HistoryBuilder {
  const rng = new Random(seed)
  const processes = options.processes ?? 3
  const keys = Array.from({ length: options.keys ?? 2 }, (_, i) => `k${i}`)
  const h = new HistoryBuilder()
  const writes: Write[] = []
  const applied = Array.from({ length: processes }, () => new Set<number>())
  const pending = Array.from({ length: processes }, () => [] as Write[])
  const time = new Array<number>(processes).fill(0)
  // The writes of `key` a replica has that no other write of it there follows.
  const latest = (replica: Set<number>, key: string): Write[] => {
    const have = writes.filter((w) => w.key === key && replica.has(w.id))
    return have.filter((w) => !have.some((o) => o.deps.has(w.id)))
  }
  const deliver = (p: number): void => {
    for (let moved = true; moved; ) {
      moved = false
      for (const w of pending[p]) {
        if (rng.float() < 0.5 && [...w.deps].every((d) => applied[p].has(d))) {
          applied[p].add(w.id)
          pending[p] = pending[p].filter((o) => o !== w)
          moved = true
          break
        }
      }
    }
  }
  for (let i = 0; i < (options.ops ?? 8); i++) {
    const p = rng.int(0, processes - 1)
    deliver(p)
    const key = rng.pick(keys)
    const start = time[p] + 1 + rng.float() * 3
    const end = start + 1 + rng.float() * 5
    time[p] = end
    if (rng.float() < 0.5) {
      const type: OpOutcome = rng.float() < 0.75 ? 'ok' : rng.pick(['fail', 'info'] as const)
      const w: Write = { id: writes.length, key, value: `v${i}`, deps: new Set(applied[p]) }
      writes.push(w)
      h.put({ process: p, key, value: w.value, type, at: [start, end] })
      if (type === 'ok' || (type === 'info' && rng.float() < 0.5)) {
        applied[p].add(w.id)
        for (let q = 0; q < processes; q++) if (q !== p) pending[q].push(w)
      }
    } else {
      const type: OpOutcome = rng.float() < 0.85 ? 'ok' : rng.pick(['fail', 'info'] as const)
      h.get({ process: p, key, type, values: latest(applied[p], key).map((w) => w.value), at: [start, end] })
    }
  }
  if (options.finalReads !== false) {
    const last = Math.max(...time) + 10
    const all = new Set(writes.filter((w) => applied.some((a) => a.has(w.id))).map((w) => w.id))
    keys.forEach((key, k) => {
      h.get({ process: processes, key, phase: 'final', values: latest(all, key).map((w) => w.value), at: [last + k, last + k + 1] })
    })
  }
  return h
}
