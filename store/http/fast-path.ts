/**
 * Fast paths: handlers that answer the node's hottest requests (a client's GET, a peer's
 * replica batch) from Node's request and response, before the Hono app, and leave it
 * everything else. What they share: how they are put in front of the app, and how they
 * answer JSON and errors as the app does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ApiError } from '../errors.ts'
import { keepKeyTarget } from './request.ts'

/** Answers the request and returns true, or returns false (having done nothing) for the app to answer it. */
export type FastPath = (request: IncomingMessage, response: ServerResponse) => boolean

type Listener = (request: IncomingMessage, response: ServerResponse) => void

/**
 * The node's request listener: keeps each key request's target as sent before anything
 * parses it (see {@link keepKeyTarget}), lets the first of `fastPaths` that takes the
 * request answer it, and hands the rest to `app` (the Hono app's listener).
 */
export const withFastPaths =
  (fastPaths: readonly FastPath[], app: Listener): Listener =>
  (request, response) => {
    keepKeyTarget(request)
    for (const fastPath of fastPaths) if (fastPath(request, response)) return
    app(request, response)
  }

/** A JSON answer, as the app's `c.json` sends it. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body)
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) })
  response.end(json)
}

/** An error, answered as the app's error handler answers it: an {@link ApiError} as itself, anything else logged and a 500. */
export function sendError(response: ServerResponse, node: string, request: string, error: unknown): void {
  if (error instanceof ApiError) {
    sendJson(response, error.status, error.toJSON())
    return
  }
  console.error(`[${node}] unexpected error on ${request}:`, error)
  sendJson(response, 500, new ApiError(500, 'internal', 'internal error').toJSON())
}
