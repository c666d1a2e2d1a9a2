/**
 * For the fast paths' specs: the node's app and one fast path served side by side, each on
 * its own loopback server (the fast path with nothing behind it: what it declines is
 * answered {@link NOT_TAKEN}), and one request's answer as a spec compares it.
 */
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'
import { NODE_DEFAULTS, type NodeConfig } from '../../config.ts'
import { type FastPath, withFastPaths } from '../fast-path.ts'

/** A node's configuration for the key fast paths' specs: node n1 with one peer, never started; `changes` on top. */
export const kvSpecConfig = (changes: Partial<NodeConfig> = {}): NodeConfig => ({
  ...NODE_DEFAULTS,
  token: 'fast-path-token',
  id: 'n1',
  host: '127.0.0.1',
  port: 0,
  dataDir: 'unused',
  peers: [{ id: 'n2', host: '127.0.0.1', port: 1 }],
  ...changes,
})

/** The status the fast path's server answers a request the fast path declined. */
export const NOT_TAKEN = 599

/** What a spec compares of an answer: its status, content type and parsed JSON body. */
export type Answer = { status: number; contentType: string | undefined; body: unknown }

/** The two servers, closed by `cleanup`. */
export async function sideBySide(
  app: Hono,
  fastPath: FastPath,
  cleanup: (fn: () => Promise<void>) => void,
): Promise<{ appServer: Server; fastServer: Server }> {
  const declined = (_: unknown, response: { writeHead(status: number): void; end(): void }) => {
    response.writeHead(NOT_TAKEN)
    response.end()
  }
  const appServer = await listen(createServer(withFastPaths([], getRequestListener(app.fetch))))
  const fastServer = await listen(createServer(withFastPaths([fastPath], declined)))
  cleanup(async () => {
    for (const server of [appServer, fastServer]) {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
  return { appServer, fastServer }
}

/** Sends one request (no keep-alive) and reads its answer. */
export function answerOf(
  server: Server,
  { method, target, headers = {}, body }: { method: string; target: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  const { port } = server.address() as AddressInfo
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: target, headers, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (text += chunk))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'],
          body: text === '' ? undefined : JSON.parse(text),
        }),
      )
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** The first argument of every `console.error` until `cleanup` runs (an unexpected error is logged, by the app and a fast path alike). */
export function capturedErrors(cleanup: (fn: () => void) => void): unknown[] {
  const logged: unknown[] = []
  const log = console.error
  console.error = (...args: unknown[]) => void logged.push(args[0])
  cleanup(() => {
    console.error = log
  })
  return logged
}

async function listen(server: Server): Promise<Server> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}
