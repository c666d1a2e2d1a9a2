/** slow_close: data passes unchanged; the close is passed on `delay` ms late. */
import type { ToxicKind } from '../toxic.ts'

export const slowClose: ToxicKind<'slow_close'> = {
  type: 'slow_close',
  goName: 'SlowCloseToxic',
  fields: { delay: 'int64' },
  bufferChunks: 0,
  async pipe(stub, attributes) {
    for (;;) {
      const chunk = await stub.read()
      if (chunk === 'interrupted') return
      if (chunk === 'end') {
        if (await stub.sleep(attributes.delay)) stub.close()
        return
      }
      stub.emit(chunk)
    }
  },
}
