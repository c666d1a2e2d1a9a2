/**
 * bandwidth: data leaves at `rate` KB/s (1 KB = 1000 bytes, so `rate` is also bytes per ms),
 * at most 100 ms worth at a time. A rate of 0 holds the data back until the toxic goes
 * (Toxiproxy crashes on a negative rate; here it holds the data like 0).
 */
import { performance } from 'node:perf_hooks'
import type { ToxicKind } from '../toxic.ts'

/** Largest piece sent at once, in ms worth of the rate. */
const PIECE_MS = 100

export const bandwidth: ToxicKind<'bandwidth'> = {
  type: 'bandwidth',
  goName: 'BandwidthToxic',
  fields: { rate: 'int64' },
  bufferChunks: 0,
  async pipe(stub, attributes) {
    // How late the last wait ended (ms); the next wait is that much shorter, as in Toxiproxy,
    // so timer lateness does not add up and the average rate stays exact.
    let late = 0
    for (;;) {
      const chunk = await stub.read()
      if (chunk === 'interrupted') return
      if (chunk === 'end') return stub.close()
      let data = chunk.data
      let due = performance.now() - late
      while (data.length > 0) {
        const rate = attributes.rate
        const piece = rate > 0 ? data.subarray(0, rate * PIECE_MS) : data
        due += rate > 0 ? piece.length / rate : Number.POSITIVE_INFINITY
        if (!(await stub.sleepUntil(due))) {
          stub.emit({ data, timestamp: chunk.timestamp })
          return
        }
        late = Math.max(0, performance.now() - due)
        stub.emit({ data: piece, timestamp: chunk.timestamp })
        data = data.subarray(piece.length)
      }
    }
  },
}
