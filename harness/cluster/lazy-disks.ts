/**
 * The disks of the power nemesis: one lazyfs mount per node over its data dir
 * (`<root>/nI`, backed by `<root>/nI.disk`), so a power cut of a node drops every write
 * it had not fsynced. Store-neutral: it knows data dirs, not what is in them.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { LazyFs, type PowerCutResult } from '../nemesis/power/index.ts'

export class LazyDisks {
  #disks: Map<string, LazyFs>

  private constructor(disks: Map<string, LazyFs>) {
    this.#disks = disks
  }

  /**
   * Mounts a disk over `<root>/<id>` for each node id. Rejects (having unmounted what it
   * mounted) with LazyFsUnavailableError when this machine cannot run lazyfs.
   */
  static async mount(root: string, ids: readonly string[]): Promise<LazyDisks> {
    const disks = new LazyDisks(new Map())
    try {
      for (const id of ids) {
        const mountPoint = join(root, id)
        const backingDir = join(root, `${id}.disk`)
        mkdirSync(mountPoint, { recursive: true })
        mkdirSync(backingDir, { recursive: true })
        disks.#disks.set(id, await LazyFs.mount({ backingDir, mountPoint }))
      }
      return disks
    } catch (error) {
      await disks.unmount()
      throw error
    }
  }

  /** Drops what node `id`'s disk holds unsynced; whatever runs on it must have been killed first. */
  powerCut(id: string): Promise<PowerCutResult> {
    const disk = this.#disks.get(id)
    if (!disk) return Promise.reject(new Error(`no lazyfs disk for node ${id}`))
    return disk.powerCut()
  }

  /** Unmounts every disk cleanly (flushing what is pending); the nodes must be stopped first. Idempotent. */
  async unmount(): Promise<void> {
    await Promise.all([...this.#disks.values()].map((disk) => disk.unmount()))
  }
}
