/**
 * Random small histories for property tests: sequential sessions over a few keys, writes
 * with dots (sometimes colliding, as in vv) and random contexts (clocks over sparse
 * per-node counters, loose dots past gaps), info puts that reads sometimes show (applied
 * after all), reads returning random versions, final reads.
 * Not plausible runs: inputs that exercise every path of the checkers, to compare them
 * with the brute-force definitions.
 */
import type { OpOutcome } from '../../common/contracts/history.ts'
import type { VersioningMode } from '../../common/contracts/causal.ts'
import { HistoryBuilder, type ContextSpec } from './history-builder.ts'
import { Random } from '../../common/helpers/random.ts'

export type RandomHistoryOptions = {
  ops?: number
  keys?: number
  processes?: number
  versioning?: VersioningMode
  /** Contexts with loose dots (default true). */
  looseDots?: boolean
}

export function randomHistory(seed: number, options: RandomHistoryOptions = {}): HistoryBuilder {
  const rng = new Random(seed)
  const random = (): number => rng.float()
  const pick = <T>(items: readonly T[]): T => rng.pick(items)
  const nodes = ['n1', 'n2', 'n3']
  const keys = Array.from({ length: options.keys ?? 2 }, (_, i) => `k${i}`)
  const processes = options.processes ?? 3
  const h = new HistoryBuilder({ versioning: options.versioning ?? 'dvv' })
  const counters: Record<string, number> = { n1: 0, n2: 0, n3: 0 }
  const written: { key: string; node: string; counter: number; value: string }[] = []
  const clockOf = (): Record<string, number> => {
    const clock: Record<string, number> = {}
    for (const n of nodes) if (random() < 0.7 && counters[n] > 0) clock[n] = 1 + Math.floor(random() * counters[n])
    return clock
  }
  const contextOf = (): ContextSpec => {
    const clock = clockOf()
    const dots: [string, number][] = []
    if (options.looseDots !== false && random() < 0.3) for (const w of written) if (random() < 0.2) dots.push([w.node, w.counter])
    return dots.length > 0 ? { clock, dots } : clock
  }
  const time = new Array<number>(processes).fill(0)
  for (let i = 0; i < (options.ops ?? 30); i++) {
    const process = Math.floor(random() * processes)
    const key = pick(keys)
    const start = time[process] + random() * 5
    const end = start + 1 + random() * 10
    time[process] = end
    const type: OpOutcome = random() < 0.8 ? 'ok' : pick(['fail', 'info'] as const)
    if (random() < 0.5) {
      const node = pick(nodes)
      const collide = options.versioning === 'vv' && random() < 0.2 ? written.find((w) => w.key === key && w.node === node) : undefined
      const counter = collide ? collide.counter : ++counters[node]
      const value = `v${i}`
      const isDelete = random() < 0.1
      // An info put may have been applied (later reads can return it) or not.
      if (type === 'ok' || (type === 'info' && !isDelete && random() < 0.5)) written.push({ key, node, counter, value })
      const spec = {
        process,
        key,
        at: [start, end] as [number, number],
        type,
        dot: [node, counter] as [string, number],
        context: random() < 0.3 ? null : contextOf(),
      }
      if (isDelete) h.delete(spec)
      else h.put({ ...spec, value })
    } else {
      const shown = written.filter((w) => w.key === key && random() < 0.4)
      h.get({
        process,
        key,
        at: [start, end],
        type,
        values: shown.map((w) => w.value),
        versions: shown.map((w) => [w.node, w.counter]),
        context: random() < 0.05 ? null : contextOf(),
      })
    }
  }
  const last = Math.max(...time) + 10
  keys.forEach((key, k) => {
    for (let j = 0; j < 2; j++) {
      const shown = written.filter((w) => w.key === key && random() < 0.5)
      h.get({
        process: processes + j,
        key,
        at: [last + k * 10 + j, last + k * 10 + j + 1],
        phase: 'final',
        values: shown.map((w) => w.value),
        versions: shown.map((w) => [w.node, w.counter]),
        context: contextOf(),
      })
    }
  })
  return h
}
