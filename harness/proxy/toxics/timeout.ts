/**
 * timeout: every chunk is dropped. With `timeout` > 0 the connection closes once `timeout` ms
 * pass without data (Toxiproxy re-arms its timer on each chunk); with 0 it stays open, a
 * black hole. Removing the toxic closes the connection.
 */
import type { ToxicKind } from '../toxic.ts'

export const timeout: ToxicKind<'timeout'> = {
  type: 'timeout',
  goName: 'TimeoutToxic',
  fields: { timeout: 'int64' },
  bufferChunks: 0,
  async pipe(stub, attributes) {
    const ms = attributes.timeout
    for (;;) {
      const chunk = ms > 0 ? await stub.read(ms) : await stub.read()
      if (chunk === 'interrupted') return
      if (chunk === 'end' || chunk === 'idle') return stub.close()
    }
  },
  cleanup(stub) {
    stub.close()
  },
}
