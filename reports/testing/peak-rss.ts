import { readFileSync } from 'node:fs'

/**
 * This process's peak resident set size, MiB. Linux's `VmHWM` where it can be read:
 * `maxRSS` (getrusage) also counts the parent's pages this process shared between its fork
 * and exec, so a child spawned by a big benchmark process would report the parent's size.
 */
export function peakRssMiB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))
    if (hwm) return Number(hwm[1]) / 1024
  } catch {
    // Not Linux: getrusage's figure, in KiB.
  }
  return process.resourceUsage().maxRSS / 1024
}
