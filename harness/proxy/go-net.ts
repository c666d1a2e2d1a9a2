/**
 * TCP addresses the way Toxiproxy (Go's `net` package) reads them: `host:port` splitting,
 * port numbers and names, host resolution preferring IPv4, how addresses print, and Go's
 * error text for each failure, so a bad `listen` gets the same message as from Toxiproxy.
 */
import { lookup } from 'node:dns/promises'
import { readFileSync } from 'node:fs'
import { connect, isIP, type AddressInfo, type Server, type Socket } from 'node:net'

/** An address error whose message is Go's text for it. */
export class GoNetError extends Error {}

/** Go's TCPAddr: no `ip` means the unspecified host (`:8080`). */
export type TcpAddr = { ip?: string; port: number }

/** How Go prints a TCP address: `1.2.3.4:80`, `[::1]:80`, `:80`. */
export function formatTcpAddr({ ip, port }: TcpAddr): string {
  if (ip === undefined) return `:${port}`
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
}

/** Go's `net.SplitHostPort`, with its error messages. */
export function splitHostPort(hostport: string): { host: string; port: string } {
  const fail = (why: string): never => {
    throw new GoNetError(`address ${hostport}: ${why}`)
  }
  const colon = hostport.lastIndexOf(':')
  if (colon < 0) fail('missing port in address')
  let host: string
  let hostStart = 0
  let hostEnd = 0
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']')
    if (close < 0) fail("missing ']' in address")
    if (close + 1 === hostport.length) fail('missing port in address')
    if (close + 1 !== colon) fail(hostport[close + 1] === ':' ? 'too many colons in address' : 'missing port in address')
    host = hostport.slice(1, close)
    hostStart = 1
    hostEnd = close + 1
  } else {
    host = hostport.slice(0, colon)
    if (host.includes(':')) fail('too many colons in address')
  }
  if (hostport.slice(hostStart).includes('[')) fail("unexpected '[' in address")
  if (hostport.slice(hostEnd).includes(']')) fail("unexpected ']' in address")
  return { host, port: hostport.slice(colon + 1) }
}

/** Go's fallback service table, used when /etc/services does not name the port. */
const GO_SERVICES: Record<string, number> = {
  ftp: 21,
  ftps: 990,
  gopher: 70,
  http: 80,
  https: 443,
  imap2: 143,
  imap3: 220,
  imaps: 993,
  pop3: 110,
  pop3s: 995,
  smtp: 25,
  submissions: 465,
  ssh: 22,
  telnet: 23,
}

let tcpServices: Map<string, number> | undefined

function serviceTable(): Map<string, number> {
  if (tcpServices) return tcpServices
  tcpServices = new Map(Object.entries(GO_SERVICES))
  let text = ''
  try {
    text = readFileSync('/etc/services', 'utf8')
  } catch {
    return tcpServices
  }
  for (const line of text.split('\n')) {
    const [name, portProto, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/)
    const match = /^(\d+)\/tcp$/.exec(portProto ?? '')
    if (!name || !match) continue
    for (const alias of [name, ...aliases]) {
      if (!tcpServices.has(alias)) tcpServices.set(alias, Number(match[1]))
    }
  }
  return tcpServices
}

/** Go's `LookupPort` for TCP: a number (empty is 0) or a service name. */
export function lookupPort(service: string): number {
  let port: number
  if (/^[+-]?\d*$/.test(service) && service !== '+' && service !== '-') {
    port = service === '' ? 0 : Number(service)
  } else {
    const named = serviceTable().get(service.toLowerCase())
    if (named === undefined) throw new GoNetError(`lookup tcp/${service}: unknown port`)
    port = named
  }
  if (!(port >= 0 && port <= 65535)) throw new GoNetError(`address ${service}: invalid port`)
  return port
}

let nameserver: string | undefined

/** The ` on <nameserver>:53` Go puts in a failed lookup's message. */
function nameserverSuffix(): string {
  if (nameserver === undefined) {
    nameserver = ''
    try {
      const found = /^\s*nameserver\s+(\S+)/m.exec(readFileSync('/etc/resolv.conf', 'utf8'))
      if (found) nameserver = ` on ${formatTcpAddr({ ip: found[1], port: 53 })}`
    } catch {
      // No resolv.conf: Go's message then names no server either.
    }
  }
  return nameserver
}

/** Canonical text of an IP literal (IPv6 compressed), as Go prints it. */
function canonicalIp(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip
}

/** Go's `ResolveTCPAddr("tcp", address)`: the first IPv4 address of a host name, else the first. */
export async function resolveTcpAddr(address: string): Promise<TcpAddr> {
  // Go reads an empty address as the unspecified host and port 0.
  if (address === '') return { port: 0 }
  const { host, port: service } = splitHostPort(address)
  const port = lookupPort(service)
  if (host === '') return { port }
  if (isIP(host)) return { ip: canonicalIp(host), port }
  let addresses: { address: string; family: number }[]
  try {
    addresses = await lookup(host, { all: true })
  } catch {
    throw new GoNetError(`lookup ${host}${nameserverSuffix()}: no such host`)
  }
  const chosen = addresses.find((a) => a.family === 4) ?? addresses[0]
  if (!chosen) throw new GoNetError(`lookup ${host}${nameserverSuffix()}: no such host`)
  return { ip: canonicalIp(chosen.address), port }
}

const SYSCALL_TEXT: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EACCES: 'permission denied',
  EAFNOSUPPORT: 'address family not supported by protocol',
}

function isUnspecified(ip: string | undefined): boolean {
  return ip === undefined || ip === '0.0.0.0' || ip === '::'
}

/**
 * Go's `net.Listen("tcp", address)` on `server`: an unspecified host listens on every
 * interface, IPv4 and IPv6. Resolves to the address as Go prints it, with the real port.
 */
export async function listenTcp(server: Server, address: string): Promise<string> {
  let addr: TcpAddr
  try {
    addr = await resolveTcpAddr(address)
  } catch (error) {
    if (error instanceof GoNetError) throw new GoNetError(`listen tcp: ${error.message}`)
    throw error
  }
  const hosts = isUnspecified(addr.ip) ? ['::', '0.0.0.0'] : [addr.ip as string]
  for (const [i, host] of hosts.entries()) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen({ host, port: addr.port }, () => {
          server.off('error', reject)
          resolve()
        })
      })
      const bound = server.address() as AddressInfo
      return formatTcpAddr({ ip: bound.address, port: bound.port })
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? ''
      // A machine without IPv6 still listens on every IPv4 interface.
      if (code === 'EAFNOSUPPORT' && i + 1 < hosts.length) continue
      const text = SYSCALL_TEXT[code] ?? (error as Error).message
      throw new GoNetError(`listen tcp ${formatTcpAddr(addr)}: bind: ${text}`)
    }
  }
  throw new GoNetError(`listen tcp ${formatTcpAddr(addr)}: no address to listen on`)
}

/** Opens a TCP connection to `address` (`host:port`), for a proxy's upstream. */
export function dialTcp(address: string): Socket {
  const { host, port } = splitHostPort(address)
  return connect({ host: host === '' ? 'localhost' : host, port: lookupPort(port), allowHalfOpen: true, noDelay: true })
}
