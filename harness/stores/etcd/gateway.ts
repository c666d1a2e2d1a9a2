/**
 * etcd's v3 JSON gateway on the wire: the request bodies for range, put, deleterange and a
 * compare-and-set txn, and the parsers that read each answer. Keys and values travel as
 * base64; 64-bit integers (revisions, counts) come back as decimal strings; proto3 leaves
 * out fields at their zero value (no `kvs` when nothing matched, no `deleted` when nothing
 * was deleted, no `succeeded` when a txn's comparison failed, no `value` when it is empty).
 * Values are JSON: the client stores `JSON.stringify(value)`.
 */

export type GetResult = {
  /** The key's value, or nothing when the key does not exist. */
  values: [] | [unknown]
  /** The store's revision when the read was served. */
  revision: number
}

export type PutResult = { revision: number }

export type DeleteResult = {
  /** Keys deleted: 0 or 1. */
  deleted: number
  revision: number
}

export type CasResult = {
  /** Whether the stored value equalled the expected one (and was replaced). */
  succeeded: boolean
  revision: number
}

export const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64')

export function rangeRequest(key: string, serializable: boolean): string {
  return JSON.stringify(serializable ? { key: base64(key), serializable: true } : { key: base64(key) })
}

export function putRequest(key: string, json: string): string {
  return JSON.stringify({ key: base64(key), value: base64(json) })
}

export function deleteRequest(key: string): string {
  return JSON.stringify({ key: base64(key) })
}

/**
 * A txn that puts `json` if the stored value is byte for byte `expectedJson`. A missing
 * key never matches (etcd fails a value comparison on a key that does not exist).
 */
export function casRequest(key: string, expectedJson: string, json: string): string {
  const k = base64(key)
  return JSON.stringify({
    compare: [{ key: k, result: 'EQUAL', target: 'VALUE', value: base64(expectedJson) }],
    success: [{ request_put: { key: k, value: base64(json) } }],
  })
}

type Body = Record<string, unknown>

/** A uint64/int64 field: a decimal string (or absent = 0); undefined if it is neither. */
function int64(value: unknown): number | undefined {
  if (value === undefined) return 0
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value)
  if (typeof value === 'number' && Number.isInteger(value)) return value
  return undefined
}

function revisionOf(body: unknown): number | string {
  if (typeof body !== 'object' || body === null) return 'the body is not an object'
  const header = (body as Body).header
  if (typeof header !== 'object' || header === null) return 'no header'
  const revision = int64((header as Body).revision)
  return revision === undefined ? 'header.revision is not an integer' : revision
}

export function parseRange(body: unknown): GetResult | string {
  const revision = revisionOf(body)
  if (typeof revision === 'string') return revision
  const kvs = (body as Body).kvs ?? []
  if (!Array.isArray(kvs)) return 'kvs is not an array'
  if (kvs.length > 1) return `${kvs.length} keys for one key`
  if (kvs.length === 0) return { values: [], revision }
  const encoded = (kvs[0] as Body | null)?.value ?? ''
  if (typeof encoded !== 'string') return 'kvs[0].value is not a string'
  const text = Buffer.from(encoded, 'base64').toString('utf8')
  try {
    return { values: [JSON.parse(text)], revision }
  } catch {
    return `the stored value is not JSON: ${JSON.stringify(text.slice(0, 80))}`
  }
}

export function parsePut(body: unknown): PutResult | string {
  const revision = revisionOf(body)
  return typeof revision === 'string' ? revision : { revision }
}

export function parseDelete(body: unknown): DeleteResult | string {
  const revision = revisionOf(body)
  if (typeof revision === 'string') return revision
  const deleted = int64((body as Body).deleted)
  return deleted === undefined ? 'deleted is not an integer' : { deleted, revision }
}

export function parseCas(body: unknown): CasResult | string {
  const revision = revisionOf(body)
  if (typeof revision === 'string') return revision
  const succeeded = (body as Body).succeeded ?? false
  return typeof succeeded === 'boolean' ? { succeeded, revision } : 'succeeded is not a boolean'
}
