/**
 * The Toxiproxy v2 HTTP API (as Toxiproxy 2.12 serves it) as a Hono app: the same routes,
 * status codes, bodies (field order included) and headers, so toxiproxy-node-client and
 * raw HTTP callers cannot tell the embedded proxy from the real one.
 */
import { randomBytes } from 'node:crypto'
import { Hono, type Context } from 'hono'
import { toApiError, type ApiError } from './api-error.ts'
import type { ProxyCollection } from './proxy-collection.ts'
import { stringifyGoJson } from './go-json.ts'
import type { TcpProxy } from './proxy.ts'
import { decodeNewProxy, decodeNewToxic, decodePopulate, decodeProxyUpdate, decodeToxicUpdate } from './requests.ts'
import type { Toxic } from './toxic.ts'

/** The Toxiproxy release whose API this server reproduces. */
export const TOXIPROXY_VERSION = '2.12.0'

function toxicBody(toxic: Toxic) {
  const { attributes, name, type, stream, toxicity } = toxic
  return { attributes, name, type, stream, toxicity }
}

function proxyBody(proxy: TcpProxy) {
  const { name, listen, upstream, enabled } = proxy
  // Toxiproxy's Proxy struct exports its logger, which prints as an empty object.
  return { name, listen, upstream, enabled, Logger: {}, toxics: proxy.toxics.list().map(toxicBody) }
}

function json(status: number, value: unknown): Response {
  return new Response(stringifyGoJson(value), { status, headers: { 'Content-Type': 'application/json' } })
}

/** Errors go out as Go's `http.Error` sends them: plain text holding JSON, with a newline. */
function failure(error: ApiError): Response {
  return new Response(`${stringifyGoJson({ error: error.message, status: error.status })}\n`, {
    status: error.status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
  })
}

const noContent = (): Response => new Response(null, { status: 204 })
// Go's 405 has no body, no content type and `Content-Length: 0`.
const methodNotAllowed = (): Response => new Response(null, { status: 405, headers: { 'Content-Length': '0' } })

// Request ids in the xid format Toxiproxy uses: 4 bytes of time, 5 random, 3 of a counter.
const XID_ALPHABET = '0123456789abcdefghijklmnopqrstuv'
const xidMiddle = randomBytes(5)
let xidCounter = randomBytes(3).readUIntBE(0, 3)

function requestId(): string {
  const id = Buffer.alloc(12)
  id.writeUInt32BE(Math.floor(Date.now() / 1000) >>> 0, 0)
  xidMiddle.copy(id, 4)
  xidCounter = (xidCounter + 1) & 0xffffff
  id.writeUIntBE(xidCounter, 9, 3)
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of id) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += XID_ALPHABET[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  return out + XID_ALPHABET[(value << (5 - bits)) & 31]
}

type Handler = (c: Context) => Promise<Response> | Response

/** What Toxiproxy does around every matched route: refuse browsers, tag the response, map errors. */
function endpoint(handler: Handler): Handler {
  return async (c) => {
    // Hono answers HEAD with the GET route; Toxiproxy's router does not.
    if (c.req.method === 'HEAD') return new Response(null, { status: 405 })
    let response: Response
    if (c.req.header('User-Agent')?.startsWith('Mozilla/')) {
      response = new Response('User agent not allowed\n', {
        status: 403,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
      })
    } else {
      try {
        response = await handler(c)
      } catch (error) {
        response = failure(toApiError(error))
      }
    }
    response.headers.set('X-Toxiproxy-Request-Id', requestId())
    return response
  }
}

/** The Toxiproxy API over `proxies`: the same routes, answers and errors as Toxiproxy 2.12. */
export function createToxiproxyApp(proxies: ProxyCollection): Hono {
  const app = new Hono()
  app.post(
    '/reset',
    endpoint(async () => {
      await proxies.reset()
      return noContent()
    }),
  )
  routeProxies(app, proxies)
  routeToxics(app, proxies)
  app.get(
    '/version',
    endpoint(
      () => new Response(`{"version": "${TOXIPROXY_VERSION}"}\n`, { headers: { 'Content-Type': 'application/json;charset=utf-8' } }),
    ),
  )
  routeMisses(app)
  return app
}

const param = (c: Context, name: string): string => c.req.param(name) ?? ''

/** /proxies, /populate and /proxies/:proxy: listing, creating, updating and deleting proxies. */
function routeProxies(app: Hono, proxies: ProxyCollection): void {
  app.get(
    '/proxies',
    endpoint(() => json(200, Object.fromEntries(proxies.all().map((p) => [p.name, proxyBody(p)])))),
  )
  app.post(
    '/proxies',
    endpoint(async (c) => json(201, proxyBody(await proxies.add(decodeNewProxy(await c.req.text()))))),
  )

  app.post(
    '/populate',
    endpoint(async (c) => {
      // Unlike other endpoints, /populate reports errors in its JSON body, beside the proxies done.
      let outcome: { proxies: TcpProxy[]; error?: unknown }
      try {
        outcome = await proxies.populate(decodePopulate(await c.req.text()))
      } catch (error) {
        outcome = { proxies: [], error }
      }
      const listed = outcome.proxies.length > 0 ? outcome.proxies.map(proxyBody) : null
      if (outcome.error === undefined) return json(201, { proxies: listed })
      const error = toApiError(outcome.error)
      return json(error.status, { error: error.message, status: error.status, proxies: listed })
    }),
  )

  app.get(
    '/proxies/:proxy',
    endpoint((c) => json(200, proxyBody(proxies.get(param(c, 'proxy'))))),
  )
  const updateProxy = endpoint(async (c) => {
    const body = await c.req.text()
    return json(200, proxyBody(await proxies.update(param(c, 'proxy'), (current) => decodeProxyUpdate(body, current))))
  })
  app.post('/proxies/:proxy', updateProxy)
  app.patch('/proxies/:proxy', updateProxy)
  app.delete(
    '/proxies/:proxy',
    endpoint(async (c) => {
      await proxies.remove(param(c, 'proxy'))
      return noContent()
    }),
  )
}

/** /proxies/:proxy/toxics and /proxies/:proxy/toxics/:toxic: a proxy's toxics. */
function routeToxics(app: Hono, proxies: ProxyCollection): void {
  app.get(
    '/proxies/:proxy/toxics',
    endpoint((c) => json(200, proxies.get(param(c, 'proxy')).toxics.list().map(toxicBody))),
  )
  app.post(
    '/proxies/:proxy/toxics',
    endpoint(async (c) => {
      const proxy = proxies.get(param(c, 'proxy'))
      return json(200, toxicBody(await proxy.toxics.add(decodeNewToxic(await c.req.text()))))
    }),
  )

  app.get(
    '/proxies/:proxy/toxics/:toxic',
    endpoint((c) => json(200, toxicBody(proxies.get(param(c, 'proxy')).toxics.get(param(c, 'toxic'))))),
  )
  const updateToxic = endpoint(async (c) => {
    const proxy = proxies.get(param(c, 'proxy'))
    const body = await c.req.text()
    const toxic = await proxy.toxics.update(param(c, 'toxic'), (current) => {
      current.toxicity = decodeToxicUpdate(body, current).toxicity
    })
    return json(200, toxicBody(toxic))
  })
  app.post('/proxies/:proxy/toxics/:toxic', updateToxic)
  app.patch('/proxies/:proxy/toxics/:toxic', updateToxic)
  app.delete(
    '/proxies/:proxy/toxics/:toxic',
    endpoint(async (c) => {
      await proxies.get(param(c, 'proxy')).toxics.remove(param(c, 'toxic'))
      return noContent()
    }),
  )
}

/** Registered last: a known path with another method gets an empty 405; an unknown path Go's plain 404. */
function routeMisses(app: Hono): void {
  const paths = [
    '/reset',
    '/proxies',
    '/populate',
    '/proxies/:proxy',
    '/proxies/:proxy/toxics',
    '/proxies/:proxy/toxics/:toxic',
    '/version',
  ]
  for (const path of paths) app.all(path, methodNotAllowed)
  app.notFound(
    () =>
      new Response('404 page not found\n', {
        status: 404,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
      }),
  )
}
