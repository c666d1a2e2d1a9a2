/** The nemesis side of a history: when each fault was active, and the drop rate achieved. */
import type { NemesisName, NemesisRecord } from '../common/contracts/history.ts'

export type NemesisPeriod = {
  nemesis: NemesisName
  /** ms since the run started: from the start record's completion to the stop's (or the history's end). */
  startMs: number
  stopMs: number
  /** False when the history ends with the fault still on. */
  stopped: boolean
  /** What the start record says was done (targets, latency, partition groups...). */
  value: Record<string, unknown>
  /** What the stop record says (a drop's achieved rate, a heal's errors); null while still on. */
  stopValue: Record<string, unknown> | null
}

/** Pairs each nemesis's start with its next stop, in history order. */
export function nemesisPeriods(records: readonly NemesisRecord[], historyEnd: number): NemesisPeriod[] {
  const open = new Map<NemesisName, NemesisRecord>()
  const periods: NemesisPeriod[] = []
  for (const record of records) {
    if (record.f === 'start') {
      if (!open.has(record.nemesis)) open.set(record.nemesis, record)
      continue
    }
    const start = open.get(record.nemesis)
    if (!start) continue
    open.delete(record.nemesis)
    periods.push({
      nemesis: start.nemesis,
      startMs: start.complete / 1000,
      stopMs: record.complete / 1000,
      stopped: true,
      value: start.value ?? {},
      stopValue: record.value ?? {},
    })
  }
  for (const start of open.values()) {
    periods.push({
      nemesis: start.nemesis,
      startMs: start.complete / 1000,
      stopMs: Math.max(historyEnd, start.complete) / 1000,
      stopped: false,
      value: start.value ?? {},
      stopValue: null,
    })
  }
  return periods.sort((a, b) => a.startMs - b.startMs)
}

export type DropRate = {
  /** `drop` periods that reported their counts. */
  periods: number
  /** The configured probability (of the last period that said). */
  probability: number | null
  messages: number
  dropped: number
  /** dropped / messages over every period; null when no message was counted. */
  achievedRate: number | null
}

/** Sums what `drop` stop records report; null when the run had no drop nemesis. */
export function dropRate(records: readonly NemesisRecord[]): DropRate | null {
  const stops = records.filter((r) => r.nemesis === 'drop' && r.f === 'stop')
  if (stops.length === 0 && !records.some((r) => r.nemesis === 'drop')) return null
  let messages = 0
  let dropped = 0
  let periods = 0
  let probability: number | null = null
  for (const stop of stops) {
    const v = stop.value ?? {}
    if (typeof v.probability === 'number') probability = v.probability
    if (typeof v.messages !== 'number' || typeof v.dropped !== 'number') continue
    messages += v.messages
    dropped += v.dropped
    periods += 1
  }
  return { periods, probability, messages, dropped, achievedRate: messages > 0 ? dropped / messages : null }
}
