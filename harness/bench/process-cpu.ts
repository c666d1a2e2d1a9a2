/**
 * CPU time of running processes, all their threads, from Linux's /proc: what a server
 * spends per request does not depend on how busy the rest of the machine is, the way its
 * throughput does.
 */
import { readFile } from 'node:fs/promises'

/** Linux reports utime and stime in USER_HZ ticks, 100 a second on every architecture Node runs on. */
const TICKS_PER_SECOND = 100

/** User plus system CPU time of the processes, all threads, s; undefined where /proc cannot tell (not Linux, a process gone). */
export async function processCpuSeconds(pids: readonly number[]): Promise<number | undefined> {
  let ticks = 0
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ')
    const utime = Number(fields?.[11])
    const stime = Number(fields?.[12])
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined
    ticks += utime + stime
  }
  return ticks / TICKS_PER_SECOND
}
