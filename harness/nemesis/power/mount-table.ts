/**
 * The lazyfs mounts of this machine, read from /proc/self/mountinfo (each names its
 * daemon's pid in its source, `lazyfs@<pid>`), and the cleanup of those whose daemon is
 * gone: a FUSE mount left by a dead daemon answers every access with ENOTCONN.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, realpathSync } from 'node:fs'
import { basename, dirname, join, resolve, sep } from 'node:path'
import { isProcessAlive } from '../../../common/helpers/pid.ts'

export type LazyFsMount = { mountPoint: string; pid: number }

/** Every lazyfs mount in this mount namespace. */
export function lazyFsMounts(): LazyFsMount[] {
  const mounts: LazyFsMount[] = []
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    // `id parent dev root mountpoint options [optional...] - fstype source superoptions`
    const [left, right] = line.split(' - ')
    if (!right) continue
    const [fstype, source] = right.split(' ')
    const pid = /^lazyfs@(\d+)$/.exec(source ?? '')?.[1]
    if (fstype !== 'fuse.lazyfs' || !pid) continue
    mounts.push({ mountPoint: unescapeMountPath(left.split(' ')[4]), pid: Number(pid) })
  }
  return mounts
}

/** Whether `dir` is a mount point of a lazyfs mount. */
export const isLazyFsMounted = (dir: string): boolean => lazyFsMounts().some((mount) => mount.mountPoint === canonicalPath(dir))

/**
 * `dir` as mountinfo spells it: absolute, symlinks resolved. Only the parent is resolved,
 * since a stale mount point itself cannot be stat'ed.
 */
export function canonicalPath(dir: string): string {
  const absolute = resolve(dir)
  try {
    return join(realpathSync(dirname(absolute)), basename(absolute))
  } catch {
    return absolute
  }
}

/** Lazily unmounts `dir` (`umount -l`); throws with umount's message if it fails. */
export function lazyUnmount(dir: string): void {
  const result = spawnSync('umount', ['-l', dir], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`umount -l ${dir} failed: ${result.error?.message ?? result.stderr.trim()}`)
}

/**
 * Lazily unmounts every lazyfs mount whose daemon is dead, optionally only at or under
 * `under`; live mounts (another test's, another run's) are left alone. Returns the mount
 * points it unmounted.
 */
export function cleanupLazyFsMounts(options: { under?: string } = {}): string[] {
  const under = options.under === undefined ? undefined : canonicalPath(options.under)
  const stale = lazyFsMounts().filter(
    ({ mountPoint, pid }) => !isProcessAlive(pid) && (under === undefined || mountPoint === under || mountPoint.startsWith(under + sep)),
  )
  for (const { mountPoint } of stale) lazyUnmount(mountPoint)
  return stale.map(({ mountPoint }) => mountPoint)
}

/** mountinfo escapes space, tab, newline and backslash as three octal digits. */
const unescapeMountPath = (path: string): string =>
  path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)))
