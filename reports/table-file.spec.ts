/**
 * `history.table`: recorded by the history writer line by line, it gives the analysis the
 * same op table and the same verdict as scanning the history; it is not used for a history
 * edited after the run (even in the same tick of the file system's clock), nor when it is
 * damaged or cut short.
 */
import { execFile } from 'node:child_process'
import { readFile, rename, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { test } from '@japa/runner'
import type { HistoryRecord } from '../common/contracts/history.ts'
import { HistoryWriter } from '../harness/history/writer.ts'
import { analyseHistory } from './analysis.ts'
import { scanHistory, type ScannedHistory } from './history-scan.ts'
import type { OpTable } from './op-table.ts'
import { readTableFile, TABLE_FILE, TableRecorder, tablePathOf } from './table-file.ts'
import { TaskPool } from './task-pool.ts'
import { tempDir } from './testing/analyse.ts'
import { writeSyntheticHistory } from './testing/synthetic-history.ts'

/** Ops a segment holds in these tests: a few thousand ops make several segments. */
const SEGMENT_OPS = 700

/**
 * A synthetic history written again through the run's writer with a table recorder, as a
 * run writes it; returns its path.
 */
async function recordedHistory(dir: string, ops: number): Promise<string> {
  const source = join(dir, 'source.jsonl')
  await writeSyntheticHistory(source, { ops, seed: 5, r: 1, w: 1 })
  const path = join(dir, 'history.jsonl')
  const writer = new HistoryWriter(path, { observer: new TableRecorder(path, { segmentOps: SEGMENT_OPS }) })
  for (const line of (await readFile(source, 'utf8')).split('\n')) {
    if (line === '') continue
    const { index: _index, ...record } = JSON.parse(line) as HistoryRecord
    writer.append(record)
  }
  await writer.close()
  return path
}

/** Row r's context as names and counters (where it sits in the context pool differs between scans). */
function contextOf(table: OpTable, r: number): string {
  const start = table.ctxStart[r]
  if (start < 0) return String(start)
  const entries: string[] = []
  for (let i = start; i < start + table.ctxClock[r] + table.ctxLoose[r]; i++)
    entries.push(`${table.actors.names[table.ctxNode[i]]}:${table.ctxCounter[i]}`)
  return `${table.ctxClock[r]}|${entries.join(',')}`
}

const POOL_LAYOUT = new Set(['ctxStart', 'ctxNode', 'ctxCounter'])

function assertSameScan(assert: { deepEqual: (a: unknown, b: unknown, m?: string) => void }, a: ScannedHistory, b: ScannedHistory) {
  for (const [name, column] of Object.entries(b.table)) {
    if (POOL_LAYOUT.has(name)) continue
    const other = (a.table as Record<string, unknown>)[name]
    if (ArrayBuffer.isView(column)) assert.deepEqual(Array.from(other as Float64Array), Array.from(column as Float64Array), name)
    else assert.deepEqual(JSON.stringify(other), JSON.stringify(column), name)
  }
  assert.deepEqual(
    Array.from({ length: a.table.length }, (_, r) => contextOf(a.table, r)),
    Array.from({ length: b.table.length }, (_, r) => contextOf(b.table, r)),
    'contexts',
  )
  for (const name of ['run', 'nemesis', 'converged', 'end', 'reader', 'firstTime', 'lastTime'] as const)
    assert.deepEqual(JSON.stringify(a[name]), JSON.stringify(b[name]), name)
  assert.deepEqual([...a.finalElements], [...b.finalElements], 'finalElements')
}

/** Whether the table of the history at `path` would be used: read, and its checksum held (hashed on a thread of `pool` when given). */
async function usable(path: string, pool?: TaskPool): Promise<boolean> {
  const recorded = await readTableFile(path, { pool })
  return recorded !== undefined && (await recorded.sound)
}

/** Sets the file's modification time to `ns` exactly (Node's utimes takes seconds as a double, which loses nanoseconds). */
async function setMtimeNs(path: string, ns: bigint): Promise<void> {
  const seconds = ns / 1_000_000_000n
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0')
  await promisify(execFile)('touch', ['-m', '-d', `@${seconds}.${fraction}`, path])
}

test.group('history table', () => {
  test('the recorded table gives the scan and the verdict the history gives', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const path = await recordedHistory(dir, 3_000)
    const recorded = await readTableFile(path)
    assert.isAbove(recorded?.ranges.length ?? 0, 3, 'several segments')
    const fromTable = await scanHistory(path, { workers: 0 })
    assert.equal(fromTable.source, 'history.table')
    const analysedFromTable = await analyseHistory(path, { workers: 0 })
    await rename(tablePathOf(path), join(dir, 'aside'))
    const fromHistory = await scanHistory(path, { workers: 0 })
    assert.equal(fromHistory.source, 'history.jsonl')
    assert.isAbove(fromHistory.table.length, 3_000)
    assertSameScan(assert, fromTable, fromHistory)
    const analysed = await analyseHistory(path, { workers: 0 })
    assert.deepEqual(JSON.stringify(analysedFromTable.verdict), JSON.stringify(analysed.verdict))
    assert.deepEqual(analysedFromTable.staleness, analysed.staleness)
  })

  test('a table finished within 100 ms of the history time is used only while the content hashes the same', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const path = await recordedHistory(dir, 1_000)
    const before = await stat(path, { bigint: true })
    const table = await stat(tablePathOf(path), { bigint: true })
    assert.isAtLeast(Number(table.mtimeNs - before.mtimeNs), 100e6, 'the recorder finishes the table 100 ms after the history')
    // As if the table had been finished at once: an edit in the same tick of the file system's clock would keep the time.
    await setMtimeNs(tablePathOf(path), before.mtimeNs + 1_000_000n)
    assert.isTrue(await usable(path), 'the content is what was recorded')
    const text = await readFile(path, 'utf8')
    // The same length: the first op sent to n1 now says n2.
    await writeFile(path, text.replace('"node":"n1"', '"node":"n2"'))
    assert.equal((await stat(path)).size, Number(before.size))
    await setMtimeNs(path, before.mtimeNs)
    assert.equal((await stat(path, { bigint: true })).mtimeNs, before.mtimeNs)
    const scan = await scanHistory(path, { workers: 0 })
    assert.equal(scan.source, 'history.jsonl', 'the content differs from what was recorded')
    // The history is ASCII: a character's index is its byte offset.
    const line = text.lastIndexOf('\n', text.indexOf('"node":"n1"')) + 1
    const row = Array.from(scan.table.offset).indexOf(line)
    assert.equal(scan.table.nodes.names[scan.table.node[row]], 'n2', 'the edit is what the analysis reads')
  })

  test('a table whose history was touched, damaged or cut short is not used', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const path = await recordedHistory(dir, 1_000)
    const table = tablePathOf(path)
    const good = await readFile(table)
    const pool = new TaskPool({ size: 1 })
    cleanup(() => pool.close())
    assert.isTrue(await usable(path))
    assert.isTrue(await usable(path, pool), 'hashed in a worker')

    const { mtimeNs } = await stat(path, { bigint: true })
    await setMtimeNs(path, mtimeNs + 5_000_000_000n)
    assert.isFalse(await usable(path), 'a later modification time')
    await setMtimeNs(path, mtimeNs)
    assert.isTrue(await usable(path), 'the time restored')

    const damaged = Buffer.from(good)
    damaged[Math.floor(damaged.length / 2)] ^= 0xff
    await writeFile(table, damaged)
    assert.isFalse(await usable(path), 'a flipped byte')
    assert.isFalse(await usable(path, pool), 'a flipped byte, hashed in a worker')
    const scanned = await scanHistory(path, { pool })
    assert.equal(scanned.source, 'history.jsonl', 'the ranges merged meanwhile are dropped')
    assert.isAbove(scanned.table.length, 1_000)

    await writeFile(table, good)
    await truncate(table, good.length - 40)
    assert.isFalse(await usable(path), 'cut short')

    await writeFile(table, Buffer.concat([Buffer.from('QLTABLE0'), good.subarray(8)]))
    assert.isFalse(await usable(path), 'another version')
    assert.equal((await scanHistory(path, { workers: 0 })).source, 'history.jsonl')
  })

  test('an empty history gets no table; records after close are not recorded', async ({ assert, cleanup }) => {
    const { dir, remove } = await tempDir()
    cleanup(remove)
    const path = join(dir, 'history.jsonl')
    const writer = new HistoryWriter(path, { observer: new TableRecorder(path) })
    await writer.close()
    await assert.rejects(() => stat(join(dir, TABLE_FILE)))
    assert.isUndefined(await readTableFile(path))
  })
})
