/**
 * How an http store's answers become history outcomes, by its description's rules:
 * a status in `statuses.notFound` is a read that found nothing (ok, no values; a delete of
 * nothing is ok too; a put so answered failed); `statuses.fail` and every other 4xx
 * certainly did not happen (`fail`); `statuses.unknown` and every other 5xx may have
 * (`info` for a write; a read changes nothing, so `fail`); other 2xx are `ok`, a read's
 * values read at its pointer. A 2xx read whose values are not where the description says
 * is a `fail` (`bad_response`); a 2xx write need not have a body. A refused connection is a
 * `fail`; a timeout or reset after sending is `info` for a write, `fail` for a read.
 */
import type { HttpFailure, HttpResponse } from '../../../common/helpers/http-endpoint.ts'
import type { OpName, OpResult } from '../../adapter/index.ts'
import type { HttpStoreDescription } from './description.ts'
import { atPointer } from './templates.ts'

type Rules = Pick<HttpStoreDescription, 'responses' | 'statuses'>

const FAILURE_CODES: Record<HttpFailure['kind'], string> = {
  refused: 'connection_refused',
  reset: 'connection_reset',
  timeout: 'timeout',
  protocol: 'protocol',
}

/** A request that got no answer: only a write that may have arrived can have happened. */
export function failureOutcome(f: OpName, { kind, maybeDelivered }: Pick<HttpFailure, 'kind' | 'maybeDelivered'>): OpResult {
  return { type: f !== 'get' && maybeDelivered ? 'info' : 'fail', error: FAILURE_CODES[kind] }
}

/** The outcome of an answer, by the description's rules (this module's header). */
export function answerOutcome(f: OpName, { status, body }: HttpResponse, rules: Rules): OpResult {
  const uncertain = f === 'get' ? 'fail' : 'info'
  const json = parseJson(body)
  const { statuses } = rules
  if (statuses.notFound.includes(status)) {
    if (f === 'put') return { type: 'fail', error: errorOf(json, status, rules) }
    return { type: 'ok', ...(f === 'get' ? { values: [] } : {}), ...versionOf(json, rules) }
  }
  if (statuses.fail.includes(status)) return { type: 'fail', error: errorOf(json, status, rules) }
  if (statuses.unknown.includes(status)) return { type: uncertain, error: errorOf(json, status, rules) }
  if (status >= 200 && status < 300) return f === 'get' ? readOutcome(json, rules) : { type: 'ok', ...versionOf(json, rules) }
  return { type: status >= 400 && status < 500 ? 'fail' : uncertain, error: errorOf(json, status, rules) }
}

function readOutcome(json: unknown, rules: Rules): OpResult {
  const { values, value } = rules.responses
  const at = values !== undefined ? atPointer(json, values) : atPointer(json, value ?? '')
  if (!at.found || (values !== undefined && !Array.isArray(at.value))) return { type: 'fail', error: 'bad_response' }
  return { type: 'ok', values: values !== undefined ? (at.value as unknown[]) : [at.value], ...versionOf(json, rules) }
}

/** The context of an answer, as JSON text (the seam's opaque context), when the description says where it is and it is there. */
function versionOf(json: unknown, { responses }: Rules): { version?: { context: string } } {
  if (responses.context === undefined || json === undefined) return {}
  const at = atPointer(json, responses.context)
  return at.found && at.value != null ? { version: { context: JSON.stringify(at.value) } } : {}
}

function errorOf(json: unknown, status: number, { responses }: Rules): string {
  if (responses.error !== undefined && json !== undefined) {
    const at = atPointer(json, responses.error)
    if (at.found && typeof at.value === 'string' && /^[\w.-]{1,64}$/.test(at.value)) return at.value
  }
  return `http_${status}`
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}
