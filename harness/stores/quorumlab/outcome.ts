/**
 * How the reference store's answers become history outcomes, as pure functions of what
 * came back: `ok` (it happened), `fail` (it certainly did not) or `info` (it may have: a
 * write that timed out, was reset after it was sent, or got a 5xx after the coordinator
 * may already have stored it). Reads never change state, so a read that went wrong is a
 * `fail`.
 */
import type { HttpFailureKind, HttpResponse } from '../../../common/helpers/http-endpoint.ts'
import type { ErrorResponse, ReadResponse, WriteResponse } from '../../../store/api.ts'
import type { OpName, OpResult } from '../../adapter/index.ts'

/** A request that got no answer: how it failed, and whether the store may have received it. */
export type TransportFailure = { kind: HttpFailureKind; maybeDelivered: boolean }

const FAILURE_CODES: Record<HttpFailureKind, string> = {
  refused: 'connection_refused',
  reset: 'connection_reset',
  timeout: 'timeout',
  protocol: 'protocol',
}

/** Only a write that may have arrived can have happened. */
export function outcomeOfFailure(f: OpName, failure: TransportFailure): OpResult {
  return { type: f !== 'get' && failure.maybeDelivered ? 'info' : 'fail', error: FAILURE_CODES[failure.kind] }
}

/**
 * 200 is `ok`, and so is a read's 404 with a read's body (not found: no values). Any
 * other answer is a `fail`, except a 5xx (or a body that is not JSON) to a write: the
 * coordinator may have stored it before answering, so `info`.
 */
export function outcomeOfAnswer(f: OpName, { status, body }: HttpResponse): OpResult {
  const changes = f !== 'get'
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return { type: changes ? 'info' : 'fail', error: 'bad_response' }
  }
  if (status === 200 || (status === 404 && !changes && isRead(parsed)))
    return changes ? writeOk(parsed as WriteResponse) : readOk(parsed as ReadResponse)
  const code = (parsed as ErrorResponse)?.error?.code ?? `http_${status}`
  return { type: changes && status >= 500 ? 'info' : 'fail', error: code }
}

const isRead = (body: unknown): body is ReadResponse =>
  typeof body === 'object' && body !== null && Array.isArray((body as ReadResponse).values)

const readOk = ({ values, versions, context, coordinator }: ReadResponse): OpResult => ({
  type: 'ok',
  values,
  version: { context, versions, coordinator },
})

const writeOk = ({ context, dot, coordinator }: WriteResponse): OpResult => ({ type: 'ok', version: { context, dot, coordinator } })
