/** A run's folder, `runs/<timestamp>-<workload>-<nemesis>/`, and the `runs/latest` link to the newest. */
import { mkdir, rename, rm, stat, symlink } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'

export type RunFolder = { name: string; dir: string }

/** The folder for run folders cannot be made or used; the message says why, in words. */
export class RunFolderError extends Error {}

/**
 * Makes `path` and its missing parents, one level at a time. (`mkdir(path, { recursive: true })`
 * spins forever on a path under /proc in Node 20: a bad `--out` must fail at once.)
 */
async function makeFolder(path: string): Promise<void> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw new RunFolderError(`cannot use ${path}: ${error.code ?? error.message}`)
  })
  if (info?.isDirectory()) return
  if (info) throw new RunFolderError(`${path} is a file, not a folder`)
  const parent = dirname(path)
  if (parent !== path) await makeFolder(parent)
  await mkdir(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw new RunFolderError(`cannot create the folder ${path} (${error.code ?? error.message})`)
  })
}

/** `20261122T101500`: a UTC time that sorts as it reads and is safe in a file name. */
export const stamp = (date: Date): string =>
  date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')

/**
 * Creates `out/<name>` (a `-2`, `-3`... suffix when taken) and points `out/latest` at it;
 * `name` defaults to `<timestamp>-<workload>-<nemesis>`.
 */
export async function createRunFolder(
  out: string,
  workload: string,
  nemeses: string[],
  now = new Date(),
  name?: string,
): Promise<RunFolder> {
  const base = name ?? `${stamp(now)}-${workload}-${nemeses.length > 0 ? nemeses.join('+') : 'none'}`
  await makeFolder(resolve(out))
  for (let attempt = 0; ; attempt++) {
    const taken = attempt === 0 ? base : `${base}-${attempt + 1}`
    const dir = resolve(join(out, taken))
    try {
      await mkdir(dir)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue
      throw error
    }
    await pointLatestAt(out, taken)
    return { name: taken, dir }
  }
}

/** Replaces `latest` in one step (a new link renamed over it), so readers never miss it. */
async function pointLatestAt(out: string, name: string): Promise<void> {
  const next = join(out, `.latest-${process.pid}`)
  await rm(next, { force: true })
  await symlink(name, next)
  await rename(next, join(out, 'latest'))
}
