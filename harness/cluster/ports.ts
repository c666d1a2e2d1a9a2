/**
 * Free TCP ports on loopback, for tests and for runs that pick their own ports.
 *
 * A port is handed out free and bound by its user later (a node, an etcd member, a proxy
 * link), so in between it must stay free. Asking the kernel (`listen(0)`) gives a port
 * from its ephemeral range, which it also gives to every outgoing connection and the next
 * `listen(0)`: such a port can be taken before its user binds it. So ports are picked at
 * random below the ephemeral range, where the kernel never picks on its own, and a port
 * this process handed out is never handed out again.
 */
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'

/** Lowest port picked: above the well-known and most registered services' ports. */
const LOWEST = 10_000
/** Used when the ephemeral range cannot be read (Linux's default start). */
const DEFAULT_EPHEMERAL_START = 32_768
const ATTEMPTS_PER_PORT = 50

/** Ports this process handed out (their users may not have bound them yet). */
const handedOut = new Set<number>()

/** Where the kernel's ephemeral ports start (Linux; elsewhere its default). */
async function ephemeralStart(): Promise<number> {
  const text = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '')
  const start = Number.parseInt(text.trim().split(/\s+/)[0] ?? '', 10)
  return Number.isInteger(start) ? start : DEFAULT_EPHEMERAL_START
}

/** Whether `port` can be bound on `host` right now (bound and released at once). */
const canBind = (port: number, host: string): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)))
  })

/** `count` distinct ports free on `host`, none of which this process handed out before. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const highest = (await ephemeralStart()) - 1
  if (highest - LOWEST < 1000) throw new Error(`no room for test ports below the ephemeral range (it starts at ${highest + 1})`)
  const ports: number[] = []
  for (let attempts = 0; ports.length < count; attempts++) {
    if (attempts > ATTEMPTS_PER_PORT * count) throw new Error(`found only ${ports.length} of ${count} free ports on ${host}`)
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1))
    if (handedOut.has(port) || !(await canBind(port, host))) continue
    handedOut.add(port)
    ports.push(port)
  }
  return ports
}
