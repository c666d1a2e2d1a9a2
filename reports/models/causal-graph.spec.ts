import { test } from '@japa/runner'
import fc from 'fast-check'
import { randomRecords } from '../testing/random-causal-history.ts'
import { CausalGraph, NO_POSITION } from './causal-graph.ts'
import { modelHistoryFromRecords } from './index.ts'

test.group('causal graph: the writes of each session by position', () => {
  test('lastWriteOf and nextWriteAfter agree with a scan of the chain, at every position and past both ends', () => {
    fc.assert(
      fc.property(randomRecords, (records) => {
        const graph = new CausalGraph(modelHistoryFromRecords(records))
        for (let s = 0; s < graph.sessions; s++) {
          const length = graph.chainFrom[s + 1] - graph.chainFrom[s]
          const writes: number[] = []
          for (let p = 1; p <= length; p++) if (graph.isChainWrite(graph.opAt(s, p))) writes.push(p)
          for (let at = -2; at <= length + 2; at++) {
            const last = writes.filter((p) => p <= at).at(-1)
            if (graph.lastWriteOf(s, at) !== (last === undefined ? -1 : graph.opAt(s, last))) return false
            if (graph.nextWriteAfter(s, at) !== (writes.find((p) => p > at) ?? NO_POSITION)) return false
          }
        }
        return true
      }),
      { numRuns: 2000 },
    )
  })
})
