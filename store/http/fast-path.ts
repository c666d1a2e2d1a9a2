/**
 * Fast paths: handlers that answer the node's hottest requests (a client's GET, a peer's
 * replica batch) from Node's request and response, before the Hono app, and leave it
 * everything else. What they share: how they are put in front of the app, and how they
 * answer JSON and errors as the app does.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { NodeConfig } from '../config.ts'
import type { KvEngine } from '../consistency/index.ts'
import type { Coordinator } from '../coordinator.ts'
import { ApiError } from '../errors.ts'
import { keepKeyTarget, parseJsonBody } from './request.ts'

/** Answers the request and returns true, or returns false (having done nothing) for the app to answer it. */
export type FastPath = (request: IncomingMessage, response: ServerResponse) => boolean

/** The node's parts a client key's fast path needs (the ones the app's `/kv` routes get). */
export type KvFastPathOptions = {
  config: NodeConfig
  coordinator: Pick<Coordinator, 'isHome'>
  consistency: KvEngine
}

/**
 * The node's request listener: keeps each key request's target as sent before anything
 * parses it (see {@link keepKeyTarget}), lets the first of `fastPaths` that takes the
 * request answer it, and hands the rest to `app` (the Hono app's listener).
 */
export const withFastPaths =
  (fastPaths: readonly FastPath[], app: RequestListener): RequestListener =>
  (request, response) => {
    keepKeyTarget(request)
    for (const fastPath of fastPaths) if (fastPath(request, response)) return
    app(request, response)
  }

const CONTENT_LENGTH = /^\d+$/

/**
 * Whether the request's body is one a fast path reads itself: its length given in
 * Content-Length, at most `maxBytes`. A chunked or oversized body, or a bad length, is the
 * app's to refuse.
 */
export function bodyWithin(request: IncomingMessage, maxBytes: number): boolean {
  const { headers } = request
  const length = headers['content-length']
  if (headers['transfer-encoding'] !== undefined || length === undefined) return false
  return CONTENT_LENGTH.test(length) && Number(length) <= maxBytes
}

// Request.text() in the app decodes the same way: UTF-8, bad bytes replaced, a BOM dropped.
const decoder = new TextDecoder()

/** The request's body as JSON, read and parsed as the app's `readOptionalJson` does (a 400 when it is not JSON). */
export function readJsonBody(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      try {
        resolve(parseJsonBody(decoder.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))))
      } catch (error) {
        reject(error)
      }
    })
    request.on('error', reject)
  })
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
