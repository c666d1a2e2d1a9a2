/**
 * What one exchange with etcd's v3 JSON gateway means for a history: `ok` (it happened,
 * with what the answer said), `fail` (it certainly did not happen) or `info` (it may have).
 *
 * - Refused before sending: `fail`, whatever the op.
 * - Timeout, reset or a garbled answer after sending: `info` for a write (etcd may have
 *   committed it), `fail` for a read (a read changes nothing, so it simply did not happen).
 * - A gateway error (`{"code": <gRPC code>, "message": ...}`): 4xx is `fail` (refused
 *   before proposing: bad argument, too large, too many requests); 5xx and 499 (gRPC
 *   cancelled) are `info` for a write (`leader changed`, `request timed out` and a
 *   dropped proposal can all come after the entry was proposed), `fail` for a read.
 * - 200 whose body does not have the expected shape: `info` for a write (the status says
 *   done, but not what), `fail` for a read.
 * - A compare-and-set whose comparison did not hold is `ok` with `succeeded: false`: the
 *   transaction ran and changed nothing, which is a definite answer.
 */
import type { HttpFailure, HttpResponse } from '../../../common/helpers/http-endpoint.ts'

/** The result of one op: `ok` carries the op's own result fields. */
export type Outcome<T extends object> = ({ type: 'ok' } & T) | { type: 'fail' | 'info'; error: string; detail?: string }

/** Whether an op may change the store: decides between `fail` and `info` when the answer is lost. */
export type OpEffect = 'read' | 'write'

/** What came back: an HTTP response, or the endpoint's failure. */
export type Exchange = { response: HttpResponse } | { failure: HttpFailure }

/** Reads the op's result from a 200 body; a string says what was wrong with it. */
export type ResultParser<T> = (body: unknown) => T | string

const GRPC_CODES = [
  'ok',
  'canceled',
  'unknown',
  'invalid_argument',
  'deadline_exceeded',
  'not_found',
  'already_exists',
  'permission_denied',
  'resource_exhausted',
  'failed_precondition',
  'aborted',
  'out_of_range',
  'unimplemented',
  'internal',
  'unavailable',
  'data_loss',
  'unauthenticated',
]

const FAILURE_NAMES: Record<HttpFailure['kind'], string> = {
  refused: 'connection_refused',
  reset: 'connection_reset',
  timeout: 'timeout',
  protocol: 'protocol',
}

/** Sorts one exchange into ok / fail / info (the rules are in this module's header). */
export function classify<T extends object>(effect: OpEffect, exchange: Exchange, parse: ResultParser<T>): Outcome<T> {
  const uncertain = effect === 'write' ? 'info' : 'fail'
  if ('failure' in exchange) {
    const { kind, maybeDelivered, message } = exchange.failure
    return { type: maybeDelivered ? uncertain : 'fail', error: FAILURE_NAMES[kind], detail: message }
  }
  const { status, body } = exchange.response
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    parsed = undefined
  }
  if (status === 200) {
    const result = parsed === undefined ? 'the body is not JSON' : parse(parsed)
    if (typeof result === 'string') return { type: uncertain, error: 'bad_response', detail: `${result}: ${body.slice(0, 200)}` }
    return { type: 'ok', ...result }
  }
  const error = gatewayError(status, parsed)
  const mayHaveHappened = status >= 500 || status === 499
  return { type: mayHaveHappened ? uncertain : 'fail', error: error.name, detail: error.detail ?? body.slice(0, 200) }
}

/** The gRPC code's name (`unavailable`) and etcd's message, or `http_<status>` when the body is not a gateway error. */
function gatewayError(status: number, body: unknown): { name: string; detail?: string } {
  if (typeof body === 'object' && body !== null) {
    const { code, message } = body as { code?: unknown; message?: unknown }
    const name = typeof code === 'number' ? GRPC_CODES[code] : undefined
    if (name) return { name, detail: typeof message === 'string' ? message : undefined }
  }
  return { name: `http_${status}` }
}
