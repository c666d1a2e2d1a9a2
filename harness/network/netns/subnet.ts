/**
 * The private /24 a netns network lives on, chosen so it overlaps no route or address
 * the host already has (another run's bridge included): the host takes `.1` on the
 * bridge, node I takes `.(I+1)`.
 */
import { run } from './command.ts'

/** An IPv4 prefix as a 32-bit number and a length. */
export type Prefix = { network: number; bits: number }

export type Subnet = {
  /** `10.23.45.0/24` */
  cidr: string
  /** The host's address on the bridge: `.1`. */
  host: string
  /** Node I's address (I from 1): `.(I+1)`. */
  node(index: number): string
}

/** Nodes a /24 holds beside the host (.2 to .254). */
export const MAX_NODES = 253

const toNumber = (address: string): number | undefined => {
  const parts = address.split('.').map(Number)
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0
}

const mask = (bits: number): number => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0)

/** `a.b.c.d[/n]` as a prefix (a bare address is a /32); undefined for anything else (`default`, IPv6). */
export function parsePrefix(text: string): Prefix | undefined {
  const [address, length] = text.split('/')
  const network = toNumber(address)
  const bits = length === undefined ? 32 : Number(length)
  if (network === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined
  return { network: (network & mask(bits)) >>> 0, bits }
}

/** Whether two prefixes share an address. */
export const overlaps = (a: Prefix, b: Prefix): boolean => {
  const m = mask(Math.min(a.bits, b.bits))
  return (a.network & m) >>> 0 === (b.network & m) >>> 0
}

/**
 * The prefixes in `ip -4 route show table all` and `ip -4 -o addr show` output: each
 * route's destination and each address's prefix. The default route is no prefix to avoid.
 */
export function takenPrefixes(routes: string, addresses: string): Prefix[] {
  const fromRoutes = routes.split('\n').flatMap((line) => {
    const words = line.trim().split(/\s+/)
    // `broadcast 10.1.2.255 dev ...`, `local 10.1.2.3 ...`: the type comes before the destination.
    const destination = /^\d/.test(words[0] ?? '') ? words[0] : words[1]
    const prefix = destination ? parsePrefix(destination) : undefined
    return prefix && prefix.bits > 0 ? [prefix] : []
  })
  const fromAddresses = [...addresses.matchAll(/\binet (\d+\.\d+\.\d+\.\d+\/\d+)/g)].flatMap(([, cidr]) => {
    const prefix = parsePrefix(cidr)
    return prefix ? [prefix] : []
  })
  return [...fromRoutes, ...fromAddresses]
}

const subnetOf = (a: number, b: number, c: number): Subnet => ({
  cidr: `${a}.${b}.${c}.0/24`,
  host: `${a}.${b}.${c}.1`,
  node: (i) => `${a}.${b}.${c}.${i + 1}`,
})

/**
 * A /24 from the private ranges (10/8 first, then 172.16/12, then 192.168/16) that
 * overlaps nothing in `taken`, picked at random (`random`: 0..1) so concurrent runs
 * rarely race for one; throws when none is free after many tries.
 */
export function chooseSubnet(taken: readonly Prefix[], random: () => number = Math.random): Subnet {
  const pick = (n: number): number => Math.floor(random() * n)
  const ranges: (() => [number, number, number])[] = [
    () => [10, pick(256), pick(256)],
    () => [172, 16 + pick(16), pick(256)],
    () => [192, 168, pick(256)],
  ]
  for (const candidate of ranges) {
    for (let attempt = 0; attempt < 64; attempt++) {
      const [a, b, c] = candidate()
      const prefix = parsePrefix(`${a}.${b}.${c}.0/24`)!
      if (!taken.some((t) => overlaps(t, prefix))) return subnetOf(a, b, c)
    }
  }
  throw new Error('no free private /24 for the netns network: every one tried overlaps a route of this host')
}

/** A free /24 for this host, from its routes and addresses now. */
export async function freeSubnet(): Promise<Subnet> {
  const [routes, addresses] = await Promise.all([
    run(['ip', '-4', 'route', 'show', 'table', 'all']),
    run(['ip', '-4', '-o', 'addr', 'show']),
  ])
  return chooseSubnet(takenPrefixes(routes, addresses))
}
