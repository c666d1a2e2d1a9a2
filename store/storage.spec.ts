import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { StorageLockedError } from './errors.ts'
import { Storage } from './storage.ts'

/** A data dir whose lock file names `pid`, as if that process had opened it. */
function dirLockedBy(pid: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'quorumlab-storage-'))
  writeFileSync(join(dir, 'quorumlab.lock'), String(pid))
  return dir
}

function thrownBy(action: () => unknown): unknown {
  try {
    action()
  } catch (error) {
    return error
  }
  return undefined
}

test.group('storage: data-dir lock', (group) => {
  group.tap((t) => t.tags(['integration']))
  const dirs: string[] = []
  group.each.teardown(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  test('a dir held by another live process is refused with a StorageLockedError', ({ assert }) => {
    // The test runner's parent (npm, a shell) is alive for as long as this test runs.
    const dir = dirLockedBy(process.ppid)
    dirs.push(dir)
    const error = thrownBy(() => Storage.open({ dir }))
    assert.instanceOf(error, StorageLockedError)
    assert.include((error as Error).message, `in use by pid ${process.ppid}`)
    assert.equal(readFileSync(join(dir, 'quorumlab.lock'), 'utf8'), String(process.ppid))
  })

  test('a lock left by a process that is gone is taken over', async ({ assert }) => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    const dir = dirLockedBy(Number(gone.stdout))
    dirs.push(dir)
    const storage = Storage.open({ dir })
    assert.equal(readFileSync(join(dir, 'quorumlab.lock'), 'utf8'), String(process.pid))
    await storage.close()
  })
})
