import { spawnSync } from 'node:child_process'
import { constants, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { WriteAheadLog } from './write-ahead-log.ts'

const payloads = (records: Array<{ payload: Buffer }>): string[] => records.map((r) => r.payload.toString())

/** The open flags of this process's descriptors of segments in `dir` (Linux: `/proc/self/fdinfo`). */
function segmentFlags(dir: string): number[] {
  return readdirSync('/proc/self/fd')
    .filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/`)
      } catch {
        return false
      }
    })
    .map((fd) => Number.parseInt(/^flags:\s*(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1], 8))
}

test.group('write-ahead log', (group) => {
  group.tap((t) => t.tags(['unit']))
  const dirs: string[] = []
  const newDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'quorumlab-wal-'))
    dirs.push(dir)
    return dir
  }
  group.each.teardown(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  test('records are read back in order after a reopen, from the LSN asked for', async ({ assert }) => {
    const dir = newDir()
    const { log, records } = WriteAheadLog.open({ dir })
    assert.deepEqual(records, [])
    await Promise.all(['a', 'b', 'c', 'd'].map((p) => log.append(Buffer.from(p))))
    assert.equal(log.next, 4)
    await log.close()
    const all = WriteAheadLog.open({ dir })
    assert.deepEqual(payloads(all.records), ['a', 'b', 'c', 'd'])
    assert.deepEqual(
      all.records.map((r) => r.lsn),
      [0, 1, 2, 3],
    )
    await all.log.close()
    const { log: again, records: fromTwo } = WriteAheadLog.open({ dir }, 2)
    assert.deepEqual(payloads(fromTwo), ['c', 'd'])
    assert.equal(again.next, 4)
    await again.close()
  })

  test('a record a crash cut short is dropped with what follows it in its segment; later records go to a new segment', async ({
    assert,
  }) => {
    const dir = newDir()
    const { log } = WriteAheadLog.open({ dir })
    await Promise.all(['first', 'second', 'third', 'fourth'].map((p) => log.append(Buffer.from(p))))
    await log.close()
    const [segment] = readdirSync(dir)
    // The third record's payload starts after two whole records (16-byte headers): one byte of it changes.
    const third = 2 * 16 + 'first'.length + 'second'.length + 16
    const file = join(dir, segment)
    const bytes = readFileSync(file)
    bytes[third] ^= 0xff
    writeFileSync(file, bytes)

    const reopened = WriteAheadLog.open({ dir })
    assert.deepEqual(payloads(reopened.records), ['first', 'second'])
    assert.equal(reopened.log.next, 2)
    await reopened.log.append(Buffer.from('after the crash'))
    await reopened.log.close()
    assert.lengthOf(readdirSync(dir), 2, 'the new record is in a segment of its own')
    assert.deepEqual(payloads(WriteAheadLog.open({ dir }).records), ['first', 'second', 'after the crash'])
  })

  test('a full segment is followed by a new one; dropBefore deletes only segments whose records are all below the LSN', async ({
    assert,
  }) => {
    const dir = newDir()
    const { log } = WriteAheadLog.open({ dir, segmentBytes: 64 })
    // 16 + 40 bytes each: one record per 64-byte segment.
    for (const p of ['0', '1', '2', '3']) await log.append(Buffer.from(p.repeat(40)))
    assert.lengthOf(readdirSync(dir), 4)
    log.dropBefore(2)
    assert.deepEqual(readdirSync(dir).sort(), ['0000000000000002.wal', '0000000000000003.wal'])
    log.dropBefore(10)
    assert.deepEqual(readdirSync(dir), ['0000000000000003.wal'], 'the segment being written is kept')
    await log.close()
    assert.deepEqual(payloads(WriteAheadLog.open({ dir }).records), ['3'.repeat(40)])
  })

  test('records appended while a group is flushed share one flush (group commit)', async ({ assert }) => {
    const { log } = WriteAheadLog.open({ dir: newDir() })
    await log.append(Buffer.from('alone'))
    assert.equal(log.flushes, 1)
    await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(Buffer.from(`record ${i}`))))
    // The first of the 100 starts a flush; the other 99 arrive during it and go in the next.
    assert.isAtMost(log.flushes, 3)
    await log.close()
  })

  test('what the answer to a flushed record writes joins the records waiting for the next flush', async ({ assert }) => {
    const dir = newDir()
    const { log } = WriteAheadLog.open({ dir })
    const first = log.append(Buffer.from('first'))
    // Waits while the first is flushed.
    const waiting = log.append(Buffer.from('waiting'))
    // Appended when the first is answered, in the same turn: without waiting for the turn's
    // end, the log would already be flushing the waiting record alone.
    const answer = first.then(() => log.append(Buffer.from('answer')))
    await Promise.all([first, waiting, answer])
    assert.equal(log.flushes, 2)
    await log.close()
    const { log: reopened, records } = WriteAheadLog.open({ dir })
    assert.deepEqual(payloads(records), ['first', 'waiting', 'answer'])
    await reopened.close()
  })

  test('segments are written through an O_DSYNC descriptor, unless the log is not to flush', async ({ assert }) => {
    for (const sync of [true, false]) {
      const dir = newDir()
      const { log } = WriteAheadLog.open({ dir, sync })
      await log.append(Buffer.from('a record'))
      const flags = segmentFlags(dir)
      await log.close()
      assert.lengthOf(flags, 1, `one open segment (sync: ${sync})`)
      assert.equal((flags[0] & constants.O_DSYNC) !== 0, sync, `O_DSYNC (sync: ${sync})`)
    }
  })

  test('a write the disk takes only part of fails the append instead of passing for whole', async ({ assert }) => {
    const dir = newDir()
    // Under a 32 KiB file-size limit (prlimit), preallocating the 64 KiB segment stops
    // halfway with a short write, then fails with EFBIG when carried on. Node ignores the
    // SIGXFSZ that comes with it.
    const script = `
      import { WriteAheadLog } from ${JSON.stringify(new URL('./write-ahead-log.ts', import.meta.url).href)}
      const { log } = WriteAheadLog.open({ dir: ${JSON.stringify(dir)}, segmentBytes: 65536 })
      const outcome = await log.append(Buffer.from('a record')).then(() => 'appended', (e) => e.code ?? e.message)
      await log.close()
      process.stdout.write(outcome)
    `
    const child = spawnSync('prlimit', ['--fsize=32768', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    })
    assert.equal(child.status, 0, child.stderr)
    assert.equal(child.stdout, 'EFBIG')
  })

  test('appends after close are refused', async ({ assert }) => {
    const { log } = WriteAheadLog.open({ dir: newDir() })
    await log.close()
    await assert.rejects(() => log.append(Buffer.from('late')), /closed/)
  })
})
