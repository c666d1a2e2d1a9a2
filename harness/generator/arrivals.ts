/**
 * When ops are meant to be sent. Open loop: each process follows its own schedule at
 * rate/concurrency ops/s (Poisson or constant gaps), so the whole run offers `rate`
 * ops/s whatever the store does, and an op that has to wait for its process keeps its
 * intended time (latency from it avoids coordinated omission). Closed loop (rate 0):
 * each process sends its next op as soon as the previous one completes.
 */
import type { Random } from '../../common/helpers/random.ts'

export const ARRIVALS = ['poisson', 'constant'] as const
export type Arrival = (typeof ARRIVALS)[number]

export type ArrivalOptions = {
  /** Offered ops/s over all processes; 0 for closed loop. */
  rate: number
  arrival: Arrival
  concurrency: number
  rng: Random
  /** This process's index, to stagger constant schedules. */
  process: number
}

export class ArrivalSchedule {
  readonly closedLoop: boolean
  #gapUs: number
  #arrival: Arrival
  #rng: Random
  #next: number | undefined
  #offsetUs: number

  constructor({ rate, arrival, concurrency, rng, process }: ArrivalOptions) {
    this.closedLoop = rate === 0
    this.#gapUs = rate === 0 ? 0 : (concurrency / rate) * 1e6
    this.#arrival = arrival
    this.#rng = rng
    this.#offsetUs = arrival === 'constant' ? (this.#gapUs * process) / concurrency : 0
  }

  /** The intended time (µs) of this process's next op, given when its phase began. */
  next(phaseStartUs: number, nowUs: number): number {
    if (this.closedLoop) return nowUs
    const base = this.#next ?? phaseStartUs + this.#offsetUs
    const gap = this.#arrival === 'poisson' ? this.#rng.exponential(this.#gapUs) : this.#gapUs
    this.#next = base + gap
    return base
  }

  /** Starts the schedule afresh at a new phase. */
  restart(): void {
    this.#next = undefined
  }
}
