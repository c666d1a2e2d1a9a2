/**
 * The run's logical clients (Jepsen processes): for each, a session that runs its ops
 * through the store's client, its deterministic op stream and its arrival schedule; and
 * the loop that drives them all until a deadline on the run clock.
 */
import type { OpRecord, Phase } from '../../common/contracts/history.ts'
import type { Random } from '../../common/helpers/random.ts'
import type { PreferenceList } from '../../workloads/placement.ts'
import type { Workload } from '../../workloads/workload.ts'
import type { Client } from '../adapter/index.ts'
import { Session } from '../client/session.ts'
import { ArrivalSchedule } from '../generator/arrivals.ts'
import { OpGenerator } from '../generator/op-generator.ts'
import { type RunClock, sleepUntil } from '../history/clock.ts'
import type { RunOptions } from './run-options.ts'

export type ClientProcessesOptions = {
  options: Pick<RunOptions, 'concurrency' | 'rate' | 'arrival' | 'routing'>
  workload: Workload
  client: Client
  clock: RunClock
  /** The run's seed: each process forks its op and arrival streams by its number. */
  rng: Random
  /** Key names, indexed by the workload's key ranks. */
  keys: string[]
  /** Node ids ops may go to. */
  nodes: string[]
  preferenceList?: PreferenceList
  /** The phase of an op invoked now. */
  phase: () => Phase
  record: (op: Omit<OpRecord, 'index'>) => void
  /** Stops every process between ops. */
  signal: AbortSignal
  /** Each session sends the last context it got with every op (see {@link Session}). */
  carryContext?: boolean
}

type ClientProcess = { session: Session; generator: OpGenerator; arrivals: ArrivalSchedule }

export class ClientProcesses {
  #options: ClientProcessesOptions
  #processes: ClientProcess[]
  #written = new Set<string>()

  constructor(options: ClientProcessesOptions) {
    this.#options = options
    const { options: run, workload, client, clock, rng, keys, nodes, preferenceList, phase, record, carryContext } = options
    this.#processes = Array.from({ length: run.concurrency }, (_, process) => ({
      session: new Session({ process, client, workload, clock, phase, record, carryContext }),
      generator: new OpGenerator({ process, rng: rng.fork(`ops/${process}`), workload, keys, nodes, routing: run.routing, preferenceList }),
      arrivals: new ArrivalSchedule({
        rate: run.rate,
        arrival: run.arrival,
        concurrency: run.concurrency,
        rng: rng.fork(`arrivals/${process}`),
        process,
      }),
    }))
  }

  /** Every process runs ops on its schedule until its next op would be due at `untilMs` (run clock) or later. */
  async runUntil(untilMs: number): Promise<void> {
    const { clock, signal } = this.#options
    const phaseStartUs = clock.nowUs()
    await Promise.all(
      this.#processes.map(async ({ session, generator, arrivals }) => {
        arrivals.restart()
        while (!signal.aborted) {
          const intended = arrivals.next(phaseStartUs, clock.nowUs())
          if (intended / 1000 >= untilMs) break
          await sleepUntil(intended / 1000, clock, signal)
          if (signal.aborted) break
          const op = generator.next()
          if (op.f !== 'get') this.#written.add(op.key)
          await session.run(op, intended)
        }
      }),
    )
  }

  /** Every key some process planned to write, sorted. */
  writtenKeys(): string[] {
    return [...this.#written].sort()
  }

  /** A session of its own (numbered after the others) for the final reads. */
  finalReader(): Session {
    const { options, client, workload, clock, record } = this.#options
    return new Session({ process: options.concurrency, client, workload, clock, phase: () => 'final', record })
  }
}
