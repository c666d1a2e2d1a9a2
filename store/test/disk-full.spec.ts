/**
 * A node whose disk fills up, on a real node process with its data on a small tmpfs
 * (needs root, to mount it): commits that fail are answered as errors, the node keeps
 * serving, and a dot counter reserved only in a failed commit is never issued twice
 * after a restart.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { call, startTestCluster } from '../../harness/cluster/testing.ts'
import type { WriteResponse } from '../api.ts'

const TOKEN = { 'x-quorumlab-token': 'test-token' }

/** A filesystem of `bytes`, mounted on a new folder. */
function smallFilesystem(bytes: number): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'quorumlab-full-'))
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { encoding: 'utf8' })
  if (mounted.status !== 0) throw new Error(`mount -t tmpfs failed: ${mounted.stderr}`)
  return {
    dir,
    remove: () => {
      spawnSync('umount', ['--lazy', dir])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const bigObject = (i: number) => ({
  context: { clock: {}, dots: [] },
  siblings: [{ dot: { node: 'filler.00000000', counter: i + 1 }, clock: {}, value: 'x'.repeat(100_000), deleted: false, ts: 0 }],
})

test.group('store: a full disk', (group) => {
  group.tap((t) => t.tags(['integration']))
  test('failed commits are errors, the node keeps serving and issues no dot twice after a restart', async ({ assert, cleanup }) => {
    const fs = smallFilesystem(16 * 1024 * 1024)
    cleanup(() => fs.remove())
    // Freed once the disk is full: room for what the log holds beyond LMDB (a segment and a checkpoint's worth) to be copied in.
    const ballast = join(fs.dir, 'ballast')
    writeFileSync(ballast, Buffer.alloc(4 * 1024 * 1024))
    const cluster = await startTestCluster(cleanup, { nodes: 1, dir: fs.dir, settings: { n: 1, r: 1, w: 1 } })
    const n1 = cluster.url('n1')

    // Fill the disk with merged states: they take no dot counter.
    let full = false
    for (let i = 0; i < 200 && !full; i++) {
      const { body } = await call(
        `${n1}/internal/batch`,
        'POST',
        { ops: [{ op: 'merge', key: `filler-${i}`, object: bigObject(i) }] },
        TOKEN,
      )
      full = body.results[0].ok === false
    }
    assert.isTrue(full, 'the disk filled up')
    // The node's first write: its counter's reservation is in a commit that fails.
    const failed = await call(`${n1}/kv/first`, 'PUT', { value: 'y'.repeat(100_000) })
    assert.equal(failed.status, 500)
    assert.equal((await call(`${n1}/health`)).status, 200, 'the node still serves')

    rmSync(ballast)
    const second = await call<WriteResponse>(`${n1}/kv/second`, 'PUT', { value: 'small' })
    assert.equal(second.status, 200)
    await cluster.node('n1').kill()
    await cluster.node('n1').start()
    const third = await call<WriteResponse>(`${n1}/kv/third`, 'PUT', { value: 'after restart' })
    assert.equal(third.status, 200)
    assert.equal(third.body.dot.node, second.body.dot.node)
    assert.isAbove(third.body.dot.counter, second.body.dot.counter, 'no dot is issued twice')
  }).skip(process.getuid?.() !== 0, 'needs root, to mount a small filesystem it can fill')
})
