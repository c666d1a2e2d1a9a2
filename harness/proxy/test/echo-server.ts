/**
 * A TCP echo server for the proxy's tests and benchmark: every byte received goes back on
 * the same connection, and a client's close is answered with a close. `close()` drops every
 * connection, so nothing outlives a test.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net'

export type EchoServer = {
  /** `host:port`, ready to be a proxy's upstream. */
  address: string
  port: number
  /** Connections accepted so far. */
  readonly accepted: number
  close(): Promise<void>
}

export async function startEchoServer(host = '127.0.0.1'): Promise<EchoServer> {
  const sockets = new Set<Socket>()
  let accepted = 0
  const server = createServer({ noDelay: true }, (socket) => {
    accepted += 1
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    socket.pipe(socket)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    address: `${host}:${port}`,
    port,
    get accepted() {
      return accepted
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
