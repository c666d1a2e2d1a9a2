/**
 * A peer's side of `--peer-connections streamed`: takes the upgrade of `GET
 * /internal/batch-stream` (cluster token required) and answers each batch line with the
 * answer `POST /internal/batch` would give, tagged with its id, as soon as it is ready
 * (wire format: `api.ts`, {@link BATCH_STREAM_PATH}). A line that is not a batch is a 400
 * for that line; a line without an id, or one too long, closes the connection. Upgrade
 * requests for anything else are answered as plain requests, as if there were no upgrade.
 */
import { type IncomingMessage, type RequestListener, type Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { BATCH_STREAM_PATH, BATCH_STREAM_PROTOCOL, INTERNAL_BODY_BYTES, SENDER_HEADER, TOKEN_HEADER } from '../api.ts'
import { ApiError } from '../errors.ts'
import { LineSplitter } from '../../common/helpers/line-splitter.ts'
import type { BatchFastPathOptions } from './batch-fast-path.ts'
import { answerBatch } from './internal-routes.ts'
import { parseJsonBody, peerCallCounter } from './request.ts'

/** The batch streams a server took; `close` ends them (a server's own `close` waits for them, and peers keep them open). */
export type BatchStreams = { close(): void }

/** Answers `server`'s upgrade requests: batch streams for `options`' replica, anything else handed to `listener` as a plain request. */
export function acceptBatchStreams(server: Server, listener: RequestListener, options: BatchFastPathOptions): BatchStreams {
  const { config } = options
  const count = peerCallCounter(config, options.stats)
  const open = new Set<Socket>()
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    // The server's sockets are half-open: the peer's end would leave this side open forever.
    socket.on('end', () => socket.end())
    if (request.url !== BATCH_STREAM_PATH || request.headers.upgrade !== BATCH_STREAM_PROTOCOL) {
      answerPlainly(request, socket, head, listener)
      return
    }
    const token = request.headers[TOKEN_HEADER]
    if (request.method !== 'GET' || token !== config.token) {
      const error =
        request.method !== 'GET'
          ? new ApiError(400, 'bad_request', `${BATCH_STREAM_PATH} is upgraded with a GET, not ${request.method}`)
          : new ApiError(401, 'unauthorized', `${BATCH_STREAM_PATH} needs the cluster token in ${TOKEN_HEADER}`)
      const json = JSON.stringify(error.toJSON())
      const reason = error.status === 400 ? 'Bad Request' : 'Unauthorized'
      socket.end(
        `HTTP/1.1 ${error.status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`,
      )
      return
    }
    const sender = request.headers[SENDER_HEADER]
    const from = typeof sender === 'string' ? sender : sender?.join(', ')
    open.add(socket)
    socket.on('close', () => open.delete(socket))
    socket.setNoDelay(true)
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: ${BATCH_STREAM_PROTOCOL}\r\n\r\n`)
    const lines = new LineSplitter(INTERNAL_BODY_BYTES)
    const answer = (id: string, status: number, body: unknown): void => {
      if (!socket.destroyed) socket.write(`${id} ${status} ${JSON.stringify(body)}\n`)
    }
    const take = (chunk: Buffer): void => {
      let taken: string[]
      try {
        taken = lines.push(chunk)
      } catch {
        socket.destroy()
        return
      }
      for (const line of taken) {
        const idEnd = line.indexOf(' ')
        const id = line.slice(0, idEnd)
        if (idEnd <= 0 || !/^\d{1,15}$/.test(id)) {
          socket.destroy()
          return
        }
        count(from, token)
        const json = line.slice(idEnd + 1)
        // Async, so that a line that is not JSON becomes this batch's 400 rather than a throw here.
        ;(async () => answerBatch(options, parseJsonBody(json)))().then(
          (batch) => answer(id, 200, batch),
          (error: unknown) => {
            if (error instanceof ApiError) return answer(id, error.status, error.toJSON())
            console.error(`[${config.id}] unexpected error on a batch stream's batch:`, error)
            answer(id, 500, new ApiError(500, 'internal', 'internal error').toJSON())
          },
        )
      }
    }
    socket.on('data', take)
    take(head)
  })
  return {
    close: () => {
      for (const socket of open) socket.destroy()
    },
  }
}

/**
 * An upgrade this node does not take (an `h2c` upgrade of curl's, say): the request is
 * answered by `listener` as if it had asked for no upgrade, then the connection closes.
 * A body would need HTTP's framing, which an upgrade request's socket no longer has, so a
 * request with one is a 400.
 */
function answerPlainly(request: IncomingMessage, socket: Socket, head: Buffer, listener: RequestListener): void {
  const hasBody = request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0'
  if (hasBody || request.headers['transfer-encoding'] !== undefined || head.length > 0) {
    socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n')
    return
  }
  const response = new ServerResponse(request)
  response.shouldKeepAlive = false
  response.assignSocket(socket)
  response.on('finish', () => socket.end())
  request.push(null)
  listener(request, response)
}
