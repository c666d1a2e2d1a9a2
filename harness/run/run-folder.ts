/** A run's folder, `runs/<timestamp>-<workload>-<nemesis>/`, and the `runs/latest` link to the newest. */
import { mkdir, rm, symlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'

export type RunFolder = { name: string; dir: string }

const stamp = (date: Date): string => date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '')

export async function createRunFolder(out: string, workload: string, nemeses: string[], now = new Date()): Promise<RunFolder> {
  const base = `${stamp(now)}-${workload}-${nemeses.length > 0 ? nemeses.join('+') : 'none'}`
  await mkdir(out, { recursive: true })
  for (let attempt = 0; ; attempt++) {
    const name = attempt === 0 ? base : `${base}-${attempt + 1}`
    const dir = resolve(join(out, name))
    try {
      await mkdir(dir)
      await pointLatestAt(out, name)
      return { name, dir }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
}

async function pointLatestAt(out: string, name: string): Promise<void> {
  const latest = join(out, 'latest')
  await rm(latest, { force: true })
  await symlink(name, latest)
}
