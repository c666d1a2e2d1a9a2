/**
 * The nemesis schedule: faults on for an interval, off for an interval, repeated until
 * the measured run ends. Every start and stop is a history record; `healAll` stops
 * whatever is active and is what a run calls at the end, on errors and on Ctrl-C.
 */
import { sleepUntil, type RunClock } from '../history/clock.ts'
import type { NemesisRecord, Phase } from '../../common/contracts/history.ts'
import type { Nemesis, NemesisContext, NemesisEvent } from './nemesis.ts'

export type NemesisScheduleOptions = {
  nemeses: Nemesis[]
  context: NemesisContext
  /** Fault on for this long, then off for as long, ms. */
  intervalMs: number
  clock: RunClock
  record: (event: Omit<NemesisRecord, 'index'>) => void
  /** Called with the phase the run is in as faults come and go. */
  onPhase: (phase: Phase) => void
}

export class NemesisSchedule {
  #o: NemesisScheduleOptions
  #active = new Set<Nemesis>()
  #description = 'none'

  constructor(options: NemesisScheduleOptions) {
    this.#o = options
  }

  /** What is active now, for the progress line. */
  get description(): string {
    return this.#active.size === 0 ? 'none' : this.#description
  }

  /** Cycles until `endMs` (on the run clock) or until aborted; leaves everything healed. */
  async run(endMs: number, signal: AbortSignal): Promise<void> {
    if (this.#o.nemeses.length === 0) return
    const { clock, intervalMs } = this.#o
    while (!signal.aborted && clock.nowMs() + intervalMs / 2 < endMs) {
      await this.#startAll()
      await sleepUntil(Math.min(endMs, clock.nowMs() + intervalMs), clock, signal)
      await this.healAll()
      await sleepUntil(Math.min(endMs, clock.nowMs() + intervalMs), clock, signal)
    }
    await this.healAll()
  }

  /**
   * Stops every active nemesis, recording each stop; failures are recorded, not thrown,
   * and a nemesis whose stop failed stays active so the next heal tries it again.
   */
  async healAll(): Promise<void> {
    for (const nemesis of [...this.#active]) {
      const event = await this.#apply(nemesis, 'stop')
      if (!event.error) this.#active.delete(nemesis)
    }
    this.#o.onPhase('heal')
  }

  async #startAll(): Promise<void> {
    const described: string[] = []
    this.#o.onPhase('fault')
    for (const nemesis of this.#o.nemeses) {
      this.#active.add(nemesis)
      const event = await this.#apply(nemesis, 'start')
      described.push(describe(nemesis.name, event))
    }
    this.#description = described.join(', ')
  }

  async #apply(nemesis: Nemesis, f: 'start' | 'stop'): Promise<NemesisEvent> {
    const { clock, context, record } = this.#o
    const invoke = clock.nowUs()
    let value: NemesisEvent
    try {
      value = await nemesis[f](context)
    } catch (error) {
      value = { error: (error as Error).message }
    }
    record({
      process: 'nemesis',
      type: 'info',
      f,
      nemesis: nemesis.name,
      value,
      invoke,
      complete: clock.nowUs(),
      phase: f === 'start' ? 'fault' : 'heal',
    })
    return value
  }
}

function describe(name: string, event: NemesisEvent): string {
  if (event.error) return `${name} (failed: ${String(event.error)})`
  if (Array.isArray(event.targets)) return `${name} ${event.targets.join(' ')}`
  if (typeof event.kind === 'string') return `${name} ${event.kind}`
  if (typeof event.latencyMs === 'number') return `${name} ${event.latencyMs}±${event.jitterMs} ms`
  if (typeof event.probability === 'number') return `${name} p=${event.probability}`
  return name
}
