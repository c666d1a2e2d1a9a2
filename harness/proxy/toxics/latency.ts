/**
 * latency: each chunk leaves `latency` ± `jitter` ms after the link read it. Chunks leave in
 * order, so a chunk read while an earlier one waits leaves no sooner than that one.
 */
import { performance } from 'node:perf_hooks'
import type { ToxicAttributes, ToxicKind } from '../toxic.ts'

export const latency: ToxicKind<'latency'> = {
  type: 'latency',
  goName: 'LatencyToxic',
  fields: { latency: 'int64', jitter: 'int64' },
  bufferChunks: 1024,
  async pipe(stub, attributes) {
    for (;;) {
      const chunk = await stub.read()
      if (chunk === 'interrupted') return
      if (chunk === 'end') return stub.close()
      const sleep = delay(attributes) - (performance.now() - chunk.timestamp)
      if (!(await stub.sleep(sleep))) {
        // Interrupted: the chunk leaves at once rather than being lost.
        stub.emit(chunk)
        return
      }
      // A later latency toxic in the chain measures its delay from here, as Toxiproxy's does.
      chunk.timestamp += sleep
      stub.emit(chunk)
    }
  },
}

/** One draw of the delay, ms: uniform over [latency - jitter, latency + jitter). */
function delay({ latency, jitter }: Readonly<ToxicAttributes['latency']>): number {
  return jitter > 0 ? latency + Math.floor(Math.random() * 2 * jitter) - jitter : latency
}
