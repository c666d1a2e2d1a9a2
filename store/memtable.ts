/**
 * A memtable: a node's writes held in memory, by table and key, until a checkpoint copies
 * them into LMDB (see `storage.ts`), and their encoding as one write-ahead log record.
 */
import { Packr } from 'msgpackr'

/** A removed entry, in memory until a checkpoint removes it from LMDB. */
export const REMOVED = Symbol('removed')
/** Writes in memory: table name, then key, then the value (or {@link REMOVED}). */
export type Memtable = Map<string, Map<string, unknown>>

/** Encodes a record's writes as LMDB encodes values (MessagePack, plain maps), so replay reads back what LMDB would. */
const packr = new Packr({ useRecords: false })

/** One value as the objects table stores it: MessagePack, plain maps (a checkpoint puts these bytes as they are). */
export const encodeValue = (value: unknown): Buffer => packr.pack(value)

/**
 * Transactions' writes, in order, as one log record: `[table, key, value]`, or `[table, key]`
 * for a removal (a key written by two of them is in it twice, and the later one wins).
 */
export function encodeWrites(...transactions: Memtable[]): Buffer {
  const entries: unknown[] = []
  for (const writes of transactions) {
    for (const [table, entriesOfTable] of writes) {
      for (const [key, value] of entriesOfTable) entries.push(value === REMOVED ? [table, key] : [table, key, value])
    }
  }
  return packr.pack(entries)
}

/** The writes of a record {@link encodeWrites} made. */
export function decodeWrites(payload: Buffer): Memtable {
  const writes: Memtable = new Map()
  for (const [table, key, ...value] of packr.unpack(payload) as Array<[string, string, unknown?]>) {
    writesTo(writes, table).set(key, value.length === 0 ? REMOVED : value[0])
  }
  return writes
}

/** The writes to `table` in `memtable`, a new map if none yet. */
export function writesTo(memtable: Memtable, table: string): Map<string, unknown> {
  let writes = memtable.get(table)
  if (!writes) {
    writes = new Map()
    memtable.set(table, writes)
  }
  return writes
}

/** Applies `writes` on top of `memtable`; returns how many there were. */
export function applyWrites(memtable: Memtable, writes: Memtable): number {
  let count = 0
  for (const [table, entries] of writes) {
    const target = writesTo(memtable, table)
    for (const [key, value] of entries) target.set(key, value)
    count += entries.size
  }
  return count
}

/**
 * Orders keys as LMDB does: by their UTF-8 bytes, which is code point order. That differs
 * from JavaScript's code unit order only where a surrogate (a code point above U+FFFF)
 * meets a unit from U+E000 up, so keys are compared unit by unit without encoding them:
 * the causal shipper lists a table's keys on every batch.
 */
export function byteOrder(a: string, b: string): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    if (x >= 0xd800 && y >= 0xd800) {
      const xSurrogate = x < 0xe000
      if (xSurrogate !== y < 0xe000) return xSurrogate ? 1 : -1
    }
    return x - y
  }
  return a.length - b.length
}
