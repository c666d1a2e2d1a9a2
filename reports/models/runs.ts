/**
 * Runs: a set of chain ops (writes, or reads) grouped by key, then session, then position,
 * so "the last write of key k by session q at or before position t" is a binary search in
 * one run. Built with a counting sort over the sessions' chains, in O(n).
 */
import type { SmallIntColumn } from '../op-table.ts'

export type Runs = {
  /** Runs of key k: runStart[k] .. runStart[k + 1]. */
  runStart: Int32Array
  runSession: Int32Array
  /** Run r is indexes runFrom[r] .. runTo[r] of runRows and runPos (positions, ascending). */
  runFrom: Int32Array
  runTo: Int32Array
  runRows: Int32Array
  runPos: Int32Array
}

/**
 * The runs of the chain ops `include` accepts. `chain` lists every session's chain, session
 * by session in order, so each key's ops come out sorted by (session, position).
 */
export function groupRuns(
  chain: Int32Array,
  keys: number,
  keyOf: SmallIntColumn,
  sessionOf: Int32Array,
  pos: Int32Array,
  include: (row: number) => boolean,
): Runs {
  const kept = new Uint8Array(keyOf.length)
  const perKey = new Int32Array(keys + 1)
  for (let i = 0; i < chain.length; i++) {
    const row = chain[i]
    if (!include(row)) continue
    kept[row] = 1
    perKey[keyOf[row] + 1]++
  }
  for (let k = 0; k < keys; k++) perKey[k + 1] += perKey[k]
  const fill = perKey.slice(0, keys)
  const rows = new Int32Array(perKey[keys])
  for (let i = 0; i < chain.length; i++) if (kept[chain[i]]) rows[fill[keyOf[chain[i]]]++] = chain[i]
  const entryKey = new Int32Array(rows.length)
  const entrySession = new Int32Array(rows.length)
  const entryPos = new Int32Array(rows.length)
  for (let i = 0; i < rows.length; i++) {
    entryKey[i] = keyOf[rows[i]]
    entrySession[i] = sessionOf[rows[i]]
    entryPos[i] = pos[rows[i]]
  }
  return buildRuns(keys, rows, entryKey, entrySession, entryPos)
}

/** Runs of entries already sorted by (key, session, position): `rows[i]` is entry i's op. */
function buildRuns(keys: number, rows: Int32Array, entryKey: Int32Array, entrySession: Int32Array, entryPos: Int32Array): Runs {
  const runStart = new Int32Array(keys + 1)
  const session: number[] = []
  const from: number[] = []
  const to: number[] = []
  let i = 0
  for (let k = 0; k < keys; k++) {
    runStart[k] = session.length
    for (; i < rows.length && entryKey[i] === k; i++) {
      if (session.length === runStart[k] || entrySession[i] !== session[session.length - 1]) {
        session.push(entrySession[i])
        from.push(i)
        to.push(i)
      }
      to[to.length - 1] = i + 1
    }
  }
  runStart[keys] = session.length
  return {
    runStart,
    runSession: Int32Array.from(session),
    runFrom: Int32Array.from(from),
    runTo: Int32Array.from(to),
    runRows: rows,
    runPos: entryPos,
  }
}

/** Index (into runRows) of the last op of run `run` at a position <= `limit`, or -1. */
export function lastInRun(runs: Runs, run: number, limit: number): number {
  let lo = runs.runFrom[run]
  let hi = runs.runTo[run]
  if (lo === hi || runs.runPos[lo] > limit) return -1
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if (runs.runPos[mid] <= limit) lo = mid
    else hi = mid
  }
  return lo
}

/** The run of (key, session), or -1. */
export function runOf(runs: Runs, key: number, session: number): number {
  let lo = runs.runStart[key]
  let hi = runs.runStart[key + 1] - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const s = runs.runSession[mid]
    if (s === session) return mid
    if (s < session) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}
