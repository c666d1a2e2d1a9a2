/**
 * One proxied connection: the client socket, the upstream socket and the two links between
 * them. Sockets close the way Toxiproxy closes them: a link that has written its last byte
 * closes its destination outright (no half-close), which ends the opposite link's source;
 * after a reset_peer toxic was in a chain at the start, every close is a TCP RST.
 */
import type { Socket } from 'node:net'
import type { Link } from './link.ts'
import type { ToxicCollection } from './toxic-collection.ts'

export type ConnectionOptions = {
  client: Socket
  upstream: Socket
  toxics: ToxicCollection
  /** Both sockets are closed. */
  onClosed(connection: Connection): void
}

export class Connection {
  #client: Socket
  #upstream: Socket
  #upstreamLink: Link
  #downstreamLink: Link
  #toxics: ToxicCollection
  #resetOnClose: boolean
  #openSockets = 2
  #onClosed: (connection: Connection) => void

  constructor({ client, upstream, toxics, onClosed }: ConnectionOptions) {
    this.#client = client
    this.#upstream = upstream
    this.#toxics = toxics
    this.#onClosed = onClosed
    const onFinish = (link: Link): void => this.#linkFinished(link)
    this.#upstreamLink = toxics.startLink({ direction: 'upstream', source: client, dest: upstream, onFinish })
    this.#downstreamLink = toxics.startLink({ direction: 'downstream', source: upstream, dest: client, onFinish })
    this.#resetOnClose = this.#upstreamLink.resetsPeer || this.#downstreamLink.resetsPeer
    for (const socket of [client, upstream]) {
      // Errors surface as 'close'; a reset or failed write ends the links like any close.
      socket.on('error', () => {})
      socket.once('close', () => this.#socketClosed(socket))
      socket.setNoDelay(true)
    }
    client.resume()
    upstream.resume()
  }

  /** Closes both sockets now (the proxy was disabled or deleted). */
  destroy(): void {
    for (const socket of [this.#client, this.#upstream]) {
      if (socket.destroyed) continue
      if (this.#resetOnClose) socket.resetAndDestroy()
      else socket.destroy()
    }
  }

  #linkFinished(link: Link): void {
    this.#close(link.dest)
    const opposite = link === this.#upstreamLink ? this.#downstreamLink : this.#upstreamLink
    opposite.sourceEnded()
  }

  /** Go's `Close()`: written data still goes out, then FIN (or RST after reset_peer). */
  #close(socket: Socket): void {
    if (socket.destroyed) return
    if (this.#resetOnClose) {
      socket.resetAndDestroy()
      return
    }
    socket.end(() => socket.destroy())
  }

  #socketClosed(socket: Socket): void {
    const reading = socket === this.#client ? this.#upstreamLink : this.#downstreamLink
    const writing = socket === this.#client ? this.#downstreamLink : this.#upstreamLink
    reading.sourceEnded()
    writing.destClosed()
    this.#openSockets -= 1
    if (this.#openSockets > 0) return
    for (const link of [this.#upstreamLink, this.#downstreamLink]) {
      link.dispose()
      this.#toxics.removeLink(link)
    }
    this.#onClosed(this)
  }
}
