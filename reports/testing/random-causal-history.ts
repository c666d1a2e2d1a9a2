/**
 * Random small histories for the model checkers' property tests (fast-check): at most 8
 * ops over at most 3 sessions and 1-2 keys, with fail and info ops and a few deletes; reads
 * return any values written to their key (future ones too, so reads-from cycles occur),
 * sometimes a value nobody wrote; 0-2 final reads. Not plausible runs: inputs that reach
 * every path of the checkers, to compare them with the brute-force definitions.
 */
import fc from 'fast-check'
import type { HistoryRecord, OpOutcome } from '../../common/contracts/history.ts'
import { HistoryBuilder } from './history-builder.ts'

type Spec = {
  p: number
  key: number
  kind: 'put' | 'get' | 'delete'
  type: OpOutcome
  picks: number[]
  phantom: boolean
  gap: number
  length: number
}

/** A random small history: ≤ 8 ops, ≤ 3 sessions, 1-2 keys, info and fail ops, reads returning any values (future ones too). */
export const randomRecords = fc
  .record({
    keys: fc.integer({ min: 1, max: 2 }),
    finals: fc.array(fc.array(fc.nat(7), { maxLength: 2 }), { maxLength: 2 }),
    ops: fc.array(
      fc.record({
        p: fc.integer({ min: 0, max: 2 }),
        key: fc.integer({ min: 0, max: 1 }),
        kind: fc.constantFrom<Spec['kind']>('put', 'put', 'get', 'get', 'get', 'delete'),
        type: fc.constantFrom<OpOutcome>('ok', 'ok', 'ok', 'ok', 'fail', 'info'),
        picks: fc.array(fc.nat(7), { maxLength: 2 }),
        phantom: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
        gap: fc.integer({ min: 0, max: 4 }),
        length: fc.integer({ min: 1, max: 6 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
  })
  .map(({ keys, ops, finals }): HistoryRecord[] => {
    const h = new HistoryBuilder()
    const keyOf = (k: number): string => `k${k % keys}`
    const puts = (key: string): string[] => ops.flatMap((o, i) => (o.kind === 'put' && keyOf(o.key) === key ? [`v${i}`] : []))
    const time = [0, 0, 0]
    ops.forEach((o, i) => {
      const key = keyOf(o.key)
      const start = time[o.p] + o.gap + 0.5
      time[o.p] = start + o.length
      const at: [number, number] = [start, time[o.p]]
      if (o.kind === 'put') h.put({ process: o.p, key, value: `v${i}`, type: o.type, at })
      else if (o.kind === 'delete') h.delete({ process: o.p, key, type: o.type, at })
      else {
        const candidates = puts(key)
        const values = [...new Set(o.picks.filter(() => candidates.length > 0).map((pick) => candidates[pick % candidates.length]))]
        h.get({ process: o.p, key, type: o.type, values: o.phantom ? [...values, 'ghost'] : values, at })
      }
    })
    const last = Math.max(...time) + 1
    finals.forEach((picks, j) => {
      const key = keyOf(j)
      const candidates = puts(key)
      const values = [...new Set(picks.filter(() => candidates.length > 0).map((pick) => candidates[pick % candidates.length]))]
      h.get({ process: 3, key, phase: 'final', values, at: [last + j, last + j + 0.5] })
    })
    return h.records()
  })
