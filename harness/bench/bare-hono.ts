/**
 * The baseline of the store benchmark: a bare Hono app answering the store's routes with
 * payloads of the same shape, and nothing else (no storage, no replication). Run as its
 * own process: `node --import tsx harness/bench/bare-hono.ts PORT`; it prints "ready".
 */
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import type { ReadResponse, WriteResponse } from '../../store/api.ts'

const port = Number(process.argv[2] ?? 0)
const app = new Hono()
const dot = { node: 'n1', counter: 1 }
app.get('/kv/:key', (c) =>
  c.json<ReadResponse>({
    key: c.req.param('key'),
    values: ['value'],
    versions: [{ dot, clock: {} }],
    context: 'eyJjbG9jayI6e319.AAAA',
    coordinator: 'n1',
    replies: 2,
  }),
)
app.put('/kv/:key', async (c) => {
  const body = (await c.req.json()) as { value: unknown }
  return c.json<WriteResponse>({
    key: c.req.param('key'),
    context: `eyJjbG9jayI6e319.${typeof body.value}`,
    dot,
    clock: {},
    coordinator: 'n1',
    acks: 2,
  })
})
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, (info) => console.log(`ready ${info.port}`))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
process.on('disconnect', () => process.exit(0))
