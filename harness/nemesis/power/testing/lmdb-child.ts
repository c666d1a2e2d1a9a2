/**
 * Child process of the lazyfs tests: writes to or reads an LMDB database the way the
 * store does, so a test can SIGKILL it and cut the power under it.
 *
 *   storage DIR PREFIX COUNT            writes through store/storage.ts (durable commits)
 *   lmdb DIR PREFIX COUNT [SWITCH...]   writes through lmdb opened as storage.ts opens it,
 *                                       changed by --no-sync and --writemap
 *   read DIR                            prints every stored object and exits
 *
 * Writers print {"committed":[keys]} once every commit promise resolved, then wait to be
 * killed, so nothing a clean close would sync happens.
 */
import { open } from 'lmdb'
import { OBJECTS_TABLE, Storage } from '../../../../store/storage.ts'
import type { VersionedObject } from '../../../../store/versioning.ts'

const [mode, dir, prefix, countText, ...switches] = process.argv.slice(2)

const object = (key: string, counter: number): VersionedObject => ({
  context: { clock: { n1: counter }, dots: [] },
  siblings: [{ dot: { node: 'n1', counter }, clock: {}, value: key, deleted: false, ts: Date.now() }],
})

const keys = Array.from({ length: Number(countText) }, (_, i) => `${prefix}-${i}`)

if (mode === 'storage') {
  const storage = Storage.open({ dir })
  for (const key of keys) await storage.update(key, (_current, next) => ({ store: object(key, next()), result: undefined }))
  waitToBeKilled()
} else if (mode === 'lmdb') {
  const root = open({
    path: dir,
    maxDbs: 8,
    ...(switches.includes('--no-sync') ? { noSync: true } : {}),
    ...(switches.includes('--writemap') ? { useWritemap: true } : {}),
  })
  const objects = root.openDB<VersionedObject, string>(OBJECTS_TABLE)
  for (const [i, key] of keys.entries()) {
    await root.transaction(() => {
      void objects.put(key, object(key, i + 1))
    })
  }
  waitToBeKilled()
} else if (mode === 'read') {
  const storage = Storage.open({ dir })
  const stored: Record<string, unknown> = {}
  for (const key of storage.keys()) stored[key] = storage.get(key)?.siblings[0]?.value
  await storage.close()
  process.stdout.write(`${JSON.stringify({ stored })}\n`)
} else {
  throw new Error(`usage: lmdb-child.ts storage|lmdb|read DIR [PREFIX COUNT [--no-sync] [--writemap]] (got ${mode})`)
}

function waitToBeKilled(): void {
  process.stdout.write(`${JSON.stringify({ committed: keys })}\n`)
  setInterval(() => undefined, 60_000)
}
