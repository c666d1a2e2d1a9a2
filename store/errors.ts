/**
 * The store's errors: {@link ApiError}, thrown anywhere and turned into a JSON response
 * by the app, and {@link StorageLockedError}, which stops a node from starting. They sit
 * apart from the code that throws them so the CLI can tell them by class without
 * loading that code (the storage engine).
 */
import type { ErrorCode, ErrorResponse } from './api.ts'

export type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 500 | 502 | 503 | 504

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

/** A context refused: malformed, signed for another key or cluster, or claiming dots never issued. */
export const badContext = (message: string): ApiError => new ApiError(400, 'bad_context', message)

/**
 * No home replica of a key could take a forwarded write, and none of them certainly got
 * it (each refused the connection or is believed down): the node that took the request
 * may coordinate it itself with a sloppy quorum.
 */
export class HomesUnreachable extends ApiError {
  constructor() {
    super(503, 'quorum_unavailable', 'no home replica of the key could be reached', { required: 1, acks: 0 })
  }
}

/** The data dir is held by another live process (two nodes on one dir would issue the same dots). */
export class StorageLockedError extends Error {
  override name = 'StorageLockedError'
}
