import { test } from '@japa/runner'
import fc from 'fast-check'
import type { OpRecord } from '../../common/contracts/history.ts'
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

test.group('causal graph: per-op arrays in the fewest bits', () => {
  test('sessions past 127 and positions past 32,767 keep their values (16 and 32 bits)', ({ assert }) => {
    const records: OpRecord[] = []
    const op = (process: number, f: 'put' | 'get', value: unknown): void => {
      const index = records.length
      records.push({ index, process, type: 'ok', f, key: 'k', value, invoke: index, complete: index + 0.5 } as OpRecord)
    }
    // 200 sessions of one write each, then one session of 40,000 ops reading the last value and writing.
    for (let p = 0; p < 200; p++) op(p, 'put', `v${p}`)
    for (let i = 0; i < 40_000; i++) op(500, i % 2 === 0 ? 'get' : 'put', i % 2 === 0 ? [`v${i === 0 ? 199 : `x${i - 1}`}`] : `vx${i}`)
    const graph = new CausalGraph(modelHistoryFromRecords(records))
    assert.equal(graph.sessions, 201)
    assert.instanceOf(graph.sessionOf, Int16Array)
    assert.instanceOf(graph.pos, Int32Array)
    assert.instanceOf(graph.rfCount, Int8Array)
    assert.deepEqual(
      [0, 150, 199, 200, 40_199].map((row) => [graph.sessionOf[row], graph.pos[row]]),
      [
        [0, 1],
        [150, 1],
        [199, 1],
        [200, 1],
        [200, 40_000],
      ],
    )
    assert.equal(graph.rfCount[200], 1)
  })
})
