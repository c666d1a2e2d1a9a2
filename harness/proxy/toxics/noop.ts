/** noop: passes every chunk on unchanged. Also what any toxic does on a link where its toxicity roll failed. */
import type { ToxicKind } from '../toxic.ts'

export const noop: ToxicKind<'noop'> = {
  type: 'noop',
  goName: 'NoopToxic',
  fields: {},
  bufferChunks: 0,
  async pipe(stub) {
    for (;;) {
      const chunk = await stub.read()
      if (chunk === 'interrupted') return
      if (chunk === 'end') return stub.close()
      stub.emit(chunk)
    }
  },
}
