/**
 * reset_peer: `timeout` ms after the first data (or the end of the stream) the connection is
 * reset. Links that start with this toxic in their chain close with TCP RST; one added to a
 * running link closes it normally, as in Toxiproxy.
 */
import type { ToxicKind } from '../toxic.ts'

export const resetPeer: ToxicKind<'reset_peer'> = {
  type: 'reset_peer',
  goName: 'ResetToxic',
  fields: { timeout: 'int64' },
  bufferChunks: 0,
  resetsPeer: true,
  async pipe(stub, attributes) {
    const ms = attributes.timeout
    const first = await stub.read()
    if (first === 'interrupted') return
    // Toxiproxy does not listen for interrupts here: removing the toxic waits for the reset.
    await stub.pause(ms)
    stub.close()
  },
}
