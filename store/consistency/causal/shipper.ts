/**
 * Ships a node's log of its own writes to one peer, in log order, in batches, one batch
 * in flight at a time: at once after a local write, again after a failure (backing off),
 * and again while the peer holds back writes whose dependencies it still lacks. The peer
 * answers with what it has applied, which is where the next batch starts; entries every
 * peer has applied can be pruned from the log.
 */
import type { Clock } from '../../../common/contracts/causal.ts'
import type { Table } from '../../storage.ts'
import { logId } from './causal-node.ts'
import type { LogEntry } from './delivery.ts'

export type ShipperOptions = {
  peer: string
  /** This node's actor: the origin of every entry of the log. */
  origin: string
  log: Table<LogEntry>
  /** Sends entries to the peer; resolves to what it has applied. */
  ship(peer: string, origin: string, entries: LogEntry[]): Promise<Clock>
  /** Entries per batch at most. */
  batchSize?: number
  /** First wait after a failure or a batch the peer could not apply yet, ms (doubles up to 16 times). */
  retryMs?: number
}

export class Shipper {
  /** The last counter of the origin the peer is known to have applied. */
  acked = 0
  shipped = 0
  failures = 0
  #options: ShipperOptions
  #running = false
  #wake: (() => void) | undefined
  #timer: NodeJS.Timeout | undefined
  #done: Promise<void> | undefined

  constructor(options: ShipperOptions) {
    this.#options = options
  }

  start(): void {
    this.#running = true
    this.#done ??= this.#loop()
  }

  /** Stops after the batch in flight, if any. */
  async stop(): Promise<void> {
    this.#running = false
    this.wake()
    await this.#done
  }

  /** New entries are in the log: ship them now rather than at the next retry. */
  wake(): void {
    this.#wake?.()
  }

  async #loop(): Promise<void> {
    const { peer, origin, log, ship, batchSize = 256, retryMs = 50 } = this.#options
    let backoff = retryMs
    while (this.#running) {
      const batch: LogEntry[] = []
      for (const [, entry] of log.entries(this.acked > 0 ? logId(this.acked) : undefined)) {
        batch.push(entry)
        if (batch.length >= batchSize) break
      }
      if (batch.length === 0) {
        await this.#pause(undefined)
        continue
      }
      try {
        const applied = await ship(peer, origin, batch)
        this.acked = Math.max(this.acked, applied[origin] ?? 0)
        this.shipped += batch.filter((e) => e.counter <= this.acked).length
        const allTaken = this.acked >= batch[batch.length - 1].counter
        backoff = allTaken ? retryMs : Math.min(backoff * 2, retryMs * 16)
        if (!allTaken) await this.#pause(backoff)
      } catch {
        this.failures++
        await this.#pause(backoff)
        backoff = Math.min(backoff * 2, retryMs * 16)
      }
    }
  }

  /** Waits for {@link wake}, for `ms` milliseconds, or (undefined) for a wake only. */
  #pause(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(this.#timer)
        this.#wake = undefined
        resolve()
      }
      this.#wake = done
      if (ms !== undefined) this.#timer = setTimeout(done, ms)
      if (!this.#running) done()
    })
  }
}
