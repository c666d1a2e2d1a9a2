/** `host:port` addresses, written and read one way everywhere (IPv6 hosts in brackets). */

export type Address = { host: string; port: number }

/** `127.0.0.1:7001`, `[::1]:7001`. */
export const formatAddress = ({ host, port }: Address): string => `${host.includes(':') ? `[${host}]` : host}:${port}`

/** `http://127.0.0.1:7001` */
export const httpUrl = (address: Address): string => `http://${formatAddress(address)}`

/** Reads `host:port` (or `[v6]:port`) with a port from 1 to 65535; undefined if it is not one. */
export function parseAddress(text: string): Address | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+)):(\d{1,5})$/.exec(text)
  if (!match) return undefined
  const port = Number(match[3])
  if (port < 1 || port > 65535) return undefined
  return { host: match[1] ?? match[2], port }
}
