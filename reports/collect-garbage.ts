/**
 * A full garbage collection, for the analysis to run between its big steps. On a 1M-op
 * history a step leaves hundreds of MiB of dead objects in the old generation (the
 * sessions check keeps one state per process and key while it runs), and V8 collects them
 * only once the heap has grown much further, so they stay in the run's peak RSS. Collecting
 * where the analysis knows they died costs a few tens of ms of CPU for each step.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** Histories below this many ops have too little garbage to be worth a full collection per step. */
export const COLLECT_FROM_OPS = 50_000

let gc: (() => void) | undefined

/** Runs a full collection of this thread's heap (V8's `gc`, exposed on first use where Node was not started with --expose-gc). */
export function collectGarbage(): void {
  if (gc === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc
    if (exposed) gc = exposed
    else {
      // Node offers no other way: the flag exposes `gc` in contexts made after it is set.
      setFlagsFromString('--expose-gc')
      gc = runInNewContext('gc') as () => void
    }
  }
  gc()
}

/** This thread's heap in use and the array buffers it holds, bytes. */
function held(): number {
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  return heapUsed + arrayBuffers
}

/**
 * Collects between steps only where enough was allocated since its last collection to
 * matter: a full collection costs this thread ~10 ms even when there is little garbage, and
 * of the analysis' 16 steps on 1M ops most leave less than 8 MiB.
 */
export class GrowthCollector {
  readonly #minBytes: number
  #after = held()

  /** `minBytes`: growth since the last collection (or since this was made) that calls for one. */
  constructor(minBytes = 16 * 2 ** 20) {
    this.#minBytes = minBytes
  }

  /** Collects when this thread's heap and array buffers grew by `minBytes` since the last collection here; true when it did. */
  collectIfGrown(): boolean {
    if (held() - this.#after < this.#minBytes) return false
    collectGarbage()
    this.#after = held()
    return true
  }
}
