/** limit_data: the connection closes once `bytes` bytes have passed (counted per link). */
import type { ToxicKind } from '../toxic.ts'

type LimitState = { transmitted: number }

export const limitData: ToxicKind<'limit_data', LimitState> = {
  type: 'limit_data',
  goName: 'LimitDataToxic',
  fields: { bytes: 'int64' },
  bufferChunks: 0,
  newState: () => ({ transmitted: 0 }),
  async pipe(stub, attributes) {
    const state = stub.state
    let remaining = attributes.bytes - state.transmitted
    for (;;) {
      const chunk = await stub.read()
      if (chunk === 'interrupted') return
      if (chunk === 'end') return stub.close()
      const data = chunk.data.subarray(0, Math.max(0, remaining))
      if (data.length > 0) {
        stub.emit({ data, timestamp: chunk.timestamp })
        state.transmitted += data.length
      }
      remaining = attributes.bytes - state.transmitted
      if (remaining <= 0) return stub.close()
    }
  },
}
