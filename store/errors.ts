/**
 * The store's errors: {@link ApiError}, thrown anywhere and turned into a JSON response
 * by the app, and {@link StorageLockedError}, which stops a node from starting. They sit
 * apart from the code that throws them so the CLI can tell them by class without
 * loading that code (the storage engine).
 */
import type { ErrorCode, ErrorResponse } from './api.ts'

export type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 500 | 503 | 504

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

/** The data dir is held by another live process (two nodes on one dir would issue the same dots). */
export class StorageLockedError extends Error {
  override name = 'StorageLockedError'
}
