/** The store's JSON errors: one class, thrown anywhere, turned into a response by the app. */
import type { ErrorCode, ErrorResponse } from './api.ts'

export type ErrorStatus = 400 | 401 | 404 | 413 | 500 | 503 | 504

export class ApiError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: ErrorCode,
    message: string,
    readonly quorum?: { required: number; acks: number },
  ) {
    super(message)
  }

  toJSON(): ErrorResponse {
    return { error: { code: this.code, message: this.message, ...this.quorum } }
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, 'bad_request', message)
