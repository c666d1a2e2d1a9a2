/**
 * The nemesis schedule: faults on for an interval, off for an interval, repeated until
 * the measured run ends; with several nemeses each window runs the next one in turn
 * (`rotate`) or all of them (`together`). Every start and stop is a history record;
 * `healAll` stops whatever is active and is what a run calls at the end, on errors and
 * on Ctrl-C.
 */
import { sleepUntil, type RunClock } from '../history/clock.ts'
import type { NemesisRecord, NemesisScheduleMode, Phase } from '../../common/contracts/history.ts'
import type { Nemesis, NemesisContext, NemesisEvent } from './nemesis.ts'

export type NemesisScheduleOptions = {
  nemeses: Nemesis[]
  /** One nemesis per fault window in turn, or all of them in each; by default `rotate`. */
  mode?: NemesisScheduleMode
  context: NemesisContext
  /** Fault on for this long, then off for as long, ms. */
  intervalMs: number
  /** The run's clock: records are stamped with it and the interval is measured on it. */
  clock: Pick<RunClock, 'nowMs' | 'nowUs'>
  /** Waits until `clock` reaches `ms` or `signal` aborts; by default a timer. A test passes a fake with its fake clock. */
  sleepUntil?: (ms: number, signal: AbortSignal) => Promise<void>
  record: (event: Omit<NemesisRecord, 'index'>) => void
  /** Called with the phase the run is in as faults come and go. */
  onPhase: (phase: Phase) => void
}

export class NemesisSchedule {
  #options: NemesisScheduleOptions
  #sleepUntil: (ms: number, signal: AbortSignal) => Promise<void>
  /** Each active nemesis, with what its start did (for the progress line). */
  #active = new Map<Nemesis, string>()

  constructor(options: NemesisScheduleOptions) {
    this.#options = options
    this.#sleepUntil = options.sleepUntil ?? ((ms, signal) => sleepUntil(ms, options.clock, signal))
  }

  /** What is active now, for the progress line. */
  get description(): string {
    return this.#active.size === 0 ? 'none' : [...this.#active.values()].join(', ')
  }

  /** Cycles until `endMs` (on the run clock) or until aborted; leaves everything healed. */
  async run(endMs: number, signal: AbortSignal): Promise<void> {
    if (this.#options.nemeses.length === 0) return
    const { clock, intervalMs } = this.#options
    for (let round = 0; !signal.aborted && clock.nowMs() + intervalMs / 2 < endMs; round++) {
      await this.#start(this.#windowNemeses(round))
      await this.#sleepUntil(Math.min(endMs, clock.nowMs() + intervalMs), signal)
      await this.healAll()
      await this.#sleepUntil(Math.min(endMs, clock.nowMs() + intervalMs), signal)
    }
    await this.healAll()
  }

  /**
   * Stops every active nemesis, recording each stop; failures are recorded, not thrown,
   * and a nemesis whose stop failed stays active so the next heal tries it again.
   */
  async healAll(): Promise<void> {
    for (const nemesis of [...this.#active.keys()]) {
      const event = await this.#apply(nemesis, 'stop')
      if (!event.error) this.#active.delete(nemesis)
    }
    this.#options.onPhase('heal')
  }

  /** The nemeses of fault window `round` (0 for the first). */
  #windowNemeses(round: number): Nemesis[] {
    const { nemeses, mode = 'rotate' } = this.#options
    return mode === 'together' ? nemeses : [nemeses[round % nemeses.length]]
  }

  async #start(nemeses: Nemesis[]): Promise<void> {
    this.#options.onPhase('fault')
    for (const nemesis of nemeses) {
      // Active from before its start: a start that fails half way still gets healed.
      this.#active.set(nemesis, nemesis.name)
      const event = await this.#apply(nemesis, 'start')
      this.#active.set(nemesis, describe(nemesis.name, event))
    }
  }

  async #apply(nemesis: Nemesis, f: 'start' | 'stop'): Promise<NemesisEvent> {
    const { clock, context, record } = this.#options
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
