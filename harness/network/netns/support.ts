/**
 * Whether this machine can run the netns network, said before anything is started:
 * Linux, root (CAP_NET_ADMIN to make links and rules, CAP_SYS_ADMIN to make namespaces),
 * `ip` and the iptables tools; and which faults it can do (latency needs the kernel's
 * `tc netem` qdisc, which is probed in a throwaway namespace).
 */
import { accessSync, constants, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import type { NetworkCapabilities, NetworkCapability } from '../../adapter/index.ts'
import { run } from './command.ts'

const CAP_NET_ADMIN = 12n
const CAP_SYS_ADMIN = 21n

/** The commands the netns network runs. */
const TOOLS = [
  { name: 'ip', from: 'iproute2' },
  { name: 'iptables-restore', from: 'iptables' },
  { name: 'iptables-save', from: 'iptables' },
  { name: 'iptables', from: 'iptables' },
]

/** What {@link netnsSupportOf} looks at, so a test can give another machine's. */
export type Machine = {
  platform: NodeJS.Platform
  /** The effective capability set (`CapEff` of /proc/self/status), or undefined where there is none. */
  capabilities: bigint | undefined
  /** Whether a command is on the PATH. */
  has(command: string): boolean
}

const REFUSE = 'use --network proxy, which works everywhere'

/** Whether `machine` can run the netns network, and if not, what to do about it. */
export function netnsSupportOf(machine: Machine): NetworkCapability {
  if (machine.platform !== 'linux') {
    return {
      ok: false,
      reason: `--network netns needs Linux (network namespaces and iptables), and this is ${machine.platform}: ${REFUSE}`,
    }
  }
  const caps = machine.capabilities ?? 0n
  if (((caps >> CAP_NET_ADMIN) & 1n) === 0n || ((caps >> CAP_SYS_ADMIN) & 1n) === 0n) {
    return {
      ok: false,
      reason: `--network netns needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN, to create namespaces, links and iptables rules): run it as root, or ${REFUSE}`,
    }
  }
  const missing = TOOLS.filter((tool) => !machine.has(tool.name))
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((t) => t.from))].join(' ')
    return {
      ok: false,
      reason: `--network netns needs ${missing.map((t) => t.name).join(', ')}, not found on the PATH: install them (Debian: apt-get install ${packages}), or ${REFUSE}`,
    }
  }
  return { ok: true }
}

/** On the PATH, or in the sbin folders a non-login root shell may leave out. */
function onPath(command: string): boolean {
  const folders = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin']
  return folders.some((folder) => {
    try {
      accessSync(join(folder, command), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

function effectiveCapabilities(): bigint | undefined {
  try {
    const line = readFileSync('/proc/self/status', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('CapEff:'))
    return line ? BigInt(`0x${line.split(/\s+/)[1]}`) : undefined
  } catch {
    return undefined
  }
}

/** Whether this machine, as this process, can run the netns network. */
export const netnsSupport = (): NetworkCapability =>
  netnsSupportOf({ platform: process.platform, capabilities: effectiveCapabilities(), has: onPath })

let netem: Promise<NetworkCapability> | undefined

/**
 * Whether the kernel has `tc netem`, tried on the loopback of a namespace that lives only
 * as long as the probe (nothing to clean up). Asked once per process.
 */
export function netemSupport(): Promise<NetworkCapability> {
  netem ??= run(['unshare', '--net', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms']).then(
    (): NetworkCapability => ({ ok: true }),
    (error: Error): NetworkCapability => ({
      ok: false,
      reason: `this kernel has no tc netem qdisc (CONFIG_NET_SCH_NETEM; the probe said: ${error.message.split('\n')[0]})`,
    }),
  )
  return netem
}

/**
 * The faults the netns network can do here. Latency is refused in every case: with netem
 * missing (as on the kernel it was built on) it cannot be done; with netem present it is
 * not built yet. Either way the latency nemesis runs with `--network proxy`.
 */
export async function netnsCapabilities(): Promise<NetworkCapabilities> {
  const netem = await netemSupport()
  const slow: NetworkCapability = netem.ok
    ? { ok: false, reason: `--network netns does not add latency yet (tc netem is there, but unused): ${REFUSE} for the latency nemesis` }
    : { ok: false, reason: `--network netns cannot add latency: ${netem.reason}; ${REFUSE} for the latency nemesis` }
  return { cut: { ok: true }, drop: { ok: true }, slow }
}
