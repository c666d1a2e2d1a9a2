/**
 * Toxiproxy's API errors: the status and the exact message it answers with. Any other
 * failure (a listen error, say) is answered as a 500 carrying the error's own message.
 */
export class ApiError extends Error {
  readonly status: number

  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }

  /** Toxiproxy's `joinError`: the same status, with the detail after a colon. */
  withDetail(detail: string): ApiError {
    return new ApiError(this.status, `${this.message}: ${detail}`)
  }
}

export const BAD_REQUEST_BODY = new ApiError(400, 'bad request body')
export const MISSING_FIELD = new ApiError(400, 'missing required field')
export const PROXY_NOT_FOUND = new ApiError(404, 'proxy not found')
export const PROXY_ALREADY_EXISTS = new ApiError(409, 'proxy already exists')
export const INVALID_STREAM = new ApiError(400, 'stream was invalid, can be either upstream or downstream')
export const INVALID_TOXIC_TYPE = new ApiError(400, 'invalid toxic type')
export const TOXIC_ALREADY_EXISTS = new ApiError(409, 'toxic already exists')
export const TOXIC_NOT_FOUND = new ApiError(404, 'toxic not found')

/** Any error as Toxiproxy would answer it. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  return new ApiError(500, error instanceof Error ? error.message : String(error))
}
