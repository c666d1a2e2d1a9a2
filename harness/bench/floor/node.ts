/**
 * One node of the replicated floor: the least a store with the quorumlab store's design
 * can do for a PUT, and nothing more. It appends the value to a write-ahead log here
 * (`storage.ts`: one flush per group of writes, as the store's log) and, once it is
 * applied, sends it to its two peers in one JSON batch per peer per turn of the event
 * loop, a line on one upgraded connection per peer, while the log is flushed; it answers
 * once its own write and one peer's are on disk (N3 W2), as the store does. There is no
 * versioning, no ring, no anti-entropy, no hints, no context to sign, no checkpoint into
 * LMDB: what the store costs above this row is its logic; what this row costs is HTTP,
 * JSON and durable writes.
 *
 * Four changes of design can be measured against it: `--storage lmdb` commits each batch
 * of writes to LMDB instead (opened as the store opens it: two flushes per commit, the
 * store's design until 2026-11-30, eighth session); `--replicate after-commit` sends the
 * write only once it is on disk here (the store's design until 2026-11-30, seventh
 * session); `--peers http` sends each batch as an HTTP request over the project's
 * kept-alive client (the store's design until 2026-11-30, tenth session; the stream here
 * answers in order, the store's in any order); `--no-sync` never
 * flushes to disk (a power loss may lose acknowledged writes: what durability costs).
 *
 *   node --import tsx harness/bench/floor/node.ts [--replicate applied|after-commit] [--peers http|stream] [--storage log|lmdb] [--no-sync] PORT DATA_DIR PEER_PORT...
 *
 * Serves `PUT /kv/:key` (`{"value": ...}`), `GET /kv/:key` (the stored object, or 404)
 * and the peers' `POST /batch`; binds 127.0.0.1 and prints `ready PORT`.
 */
import { createServer, type IncomingMessage } from 'node:http'
import { connect, type Socket } from 'node:net'
import { parseArgs } from 'node:util'
import { HttpEndpoint } from '../../../common/helpers/http-endpoint.ts'
import { LineSplitter } from '../../../common/helpers/line-splitter.ts'
import { INTERNAL_BODY_BYTES, type WriteResponse } from '../../../store/api.ts'
import { sendJson } from '../../../store/http/fast-path.ts'
import { type FloorStorage, lmdbStorage, logStorage, type Stored, type StoredEntry } from './storage.ts'

/** How long a peer's batch may take before the PUT fails, ms. */
const PEER_TIMEOUT_MS = 5000
/** Request bodies accepted, bytes. */
const BODY_LIMIT = 1 << 20

const USAGE =
  'usage: node.ts [--replicate applied|after-commit] [--peers http|stream] [--storage log|lmdb] [--no-sync] PORT DATA_DIR PEER_PORT...'

const OPTIONS = {
  replicate: { type: 'string' },
  peers: { type: 'string' },
  storage: { type: 'string' },
  'no-sync': { type: 'boolean' },
} as const

type CommandLine = { port: number; dir: string; peerPorts: number[]; afterCommit: boolean; streams: boolean; log: boolean; sync: boolean }

/** The command line, or a message naming what is wrong with it. */
function parseCommandLine(argv: string[]): CommandLine | string {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true })
    const [portArg, dir, ...peerArgs] = positionals
    const ports = [portArg, ...peerArgs].map(Number)
    if (!dir || peerArgs.length === 0 || !ports.every((p) => Number.isInteger(p) && p > 0 && p < 65536)) {
      return `${USAGE} (got ${argv.join(' ')})`
    }
    const replicate = values.replicate ?? 'applied'
    if (replicate !== 'applied' && replicate !== 'after-commit') return `--replicate must be applied or after-commit, got ${replicate}`
    const peers = values.peers ?? 'stream'
    if (peers !== 'http' && peers !== 'stream') return `--peers must be http or stream, got ${peers}`
    const storage = values.storage ?? 'log'
    if (storage !== 'log' && storage !== 'lmdb') return `--storage must be log or lmdb, got ${storage}`
    const afterCommit = replicate === 'after-commit'
    const sync = !values['no-sync']
    return { port: ports[0], dir, peerPorts: ports.slice(1), afterCommit, streams: peers === 'stream', log: storage === 'log', sync }
  } catch (error) {
    // parseArgs names an unknown option or a missing value.
    return `${(error as Error).message}\n${USAGE}`
  }
}

const commandLine = parseCommandLine(process.argv.slice(2))
if (typeof commandLine === 'string') {
  console.error(commandLine)
  process.exit(2)
}
const { port, dir, peerPorts, afterCommit, streams, log, sync } = commandLine
const self = `n${port}`
const storage: FloorStorage = log ? await logStorage(dir, sync) : lmdbStorage(dir, sync)

/** Where a node sends its batches for one peer: resolves once the peer has the batch on disk. */
type PeerLink = { send(batch: string): Promise<void>; close(): void }

/** Each batch a `POST /batch` over the project's kept-alive HTTP client. */
function httpLink(peerPort: number): PeerLink {
  const endpoint = new HttpEndpoint({ host: '127.0.0.1', port: peerPort })
  return {
    send: async (batch) => {
      const answer = await endpoint.request({ method: 'POST', path: '/batch', body: batch, timeoutMs: PEER_TIMEOUT_MS })
      if (answer.status !== 200) throw new Error(`peer answered ${answer.status}: ${answer.body}`)
    },
    close: () => endpoint.close(),
  }
}

const STREAM_PATH = '/batch-stream'
const STREAM_PROTOCOL = 'floor-batches'

/**
 * Batches as lines of JSON on one connection, upgraded from HTTP (so it runs on the node's
 * port, through whatever proxy is in between), answered a line each, in order. A broken
 * connection or a batch past its deadline fails every batch in flight on it (they may have
 * been applied); the next batch connects again.
 */
function streamLink(peerPort: number): PeerLink {
  let socket: Socket | undefined
  let upgraded: Promise<void> | undefined
  let inFlight: Array<{ resolve: () => void; reject: (error: Error) => void; timer: NodeJS.Timeout }> = []
  const fail = (error: Error): void => {
    const failed = inFlight
    inFlight = []
    socket?.destroy()
    socket = undefined
    upgraded = undefined
    for (const batch of failed) {
      clearTimeout(batch.timer)
      batch.reject(error)
    }
  }
  const open = (): Promise<void> => {
    const opened = connect(peerPort, '127.0.0.1')
    opened.setNoDelay(true)
    socket = opened
    return new Promise((resolve, reject) => {
      const lines = new LineSplitter(INTERNAL_BODY_BYTES)
      let head: string | undefined = ''
      opened.write(
        `GET ${STREAM_PATH} HTTP/1.1\r\nhost: 127.0.0.1:${peerPort}\r\nconnection: upgrade\r\nupgrade: ${STREAM_PROTOCOL}\r\n\r\n`,
      )
      opened.on('data', (chunk: Buffer) => {
        let rest = chunk
        if (head !== undefined) {
          const before = head.length
          head += chunk.toString('latin1')
          const end = head.indexOf('\r\n\r\n')
          if (end < 0) return
          if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`peer refused the upgrade: ${head.slice(0, head.indexOf('\r\n'))}`))
          rest = chunk.subarray(end + 4 - before)
          head = undefined
          resolve()
        }
        for (const line of lines.push(rest)) {
          const batch = inFlight.shift()
          if (!batch) return fail(new Error('peer answered a batch it was not sent'))
          clearTimeout(batch.timer)
          if (line === 'ok') batch.resolve()
          else batch.reject(new Error(`peer failed the batch: ${line}`))
        }
      })
      opened.on('error', (error) => {
        reject(error)
        if (socket === opened) fail(error)
      })
      opened.on('close', () => {
        reject(new Error('peer closed the connection'))
        if (socket === opened) fail(new Error('peer closed the connection'))
      })
    })
  }
  return {
    send: async (batch) => {
      upgraded ??= open()
      await upgraded
      return new Promise<void>((resolve, reject) => {
        // Closed between its upgrade and this batch: the next batch connects again.
        if (!socket) return reject(new Error('peer closed the connection'))
        const timer = setTimeout(() => fail(new Error(`no answer within ${PEER_TIMEOUT_MS} ms`)), PEER_TIMEOUT_MS)
        inFlight.push({ resolve, reject, timer })
        socket.write(`${batch}\n`)
      })
    },
    close: () => fail(new Error('closed')),
  }
}

const peers = peerPorts.map(streams ? streamLink : httpLink)

/** A peer's ops of this turn, each already JSON, and who waits for them. */
type Queue = { ops: string[]; waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> }
const queues = new Map<PeerLink, Queue>()
let flushScheduled = false

function flush(): void {
  flushScheduled = false
  for (const [peer, queue] of queues) {
    queues.delete(peer)
    peer.send(`{"ops":[${queue.ops.join(',')}]}`).then(
      () => {
        for (const waiter of queue.waiters) waiter.resolve()
      },
      (error: unknown) => {
        for (const waiter of queue.waiters) waiter.reject(error)
      },
    )
  }
}

/** Resolves once `peer` has the op on disk. */
function replicate(peer: PeerLink, op: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let queue = queues.get(peer)
    if (!queue) {
      queue = { ops: [], waiters: [] }
      queues.set(peer, queue)
    }
    queue.ops.push(op)
    queue.waiters.push({ resolve, reject })
    if (!flushScheduled) {
      flushScheduled = true
      setImmediate(flush)
    }
  })
}

let counter = 0

/** A request this node refuses with a 400. */
class BadRequest extends Error {}

async function put(key: string, body: string): Promise<WriteResponse> {
  const parsed = parseJson(body) as { value?: unknown } | null
  if (typeof parsed !== 'object' || parsed === null || !('value' in parsed)) throw new BadRequest('the body must be {"value": ...}')
  const { value } = parsed
  counter += 1
  const dot = { node: self, counter }
  const object: Stored = { values: [{ value, dot }], clock: { [self]: counter } }
  let announce = (): void => {}
  const applied = new Promise<void>((resolve) => {
    announce = resolve
  })
  const committed = storage.write([{ key, object }], announce)
  // It leaves once its transaction applied it, as the store's coordinator's writes do, or
  // once it is on disk here; a transaction that fails before applying it sends nothing.
  await (afterCommit ? committed : Promise.race([applied, committed]))
  const op = JSON.stringify({ key, object } satisfies StoredEntry)
  await Promise.all([committed, Promise.any(peers.map((peer) => replicate(peer, op)))])
  return { key, context: 'eyJjbG9jayI6e319.AAAA', dot, clock: object.clock, coordinator: self, acks: 2 }
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    throw new BadRequest('the body is not JSON')
  }
}

async function applyBatch(body: string): Promise<{ results: { ok: true }[] }> {
  const { ops } = parseJson(body) as { ops?: StoredEntry[] }
  if (!Array.isArray(ops)) throw new BadRequest('the body must be {"ops": [...]}')
  await storage.write(ops)
  return { results: ops.map(() => ({ ok: true })) }
}

async function handle(req: IncomingMessage, body: string): Promise<[number, unknown]> {
  const url = req.url ?? '/'
  if (req.method === 'POST' && url === '/batch') return [200, await applyBatch(body)]
  if (!url.startsWith('/kv/') || url.length === 4) return [404, { error: 'not_found' }]
  let key: string
  try {
    key = decodeURIComponent(url.slice(4))
  } catch {
    throw new BadRequest('the key is not percent-encoded UTF-8')
  }
  if (req.method === 'PUT') return [200, await put(key, body)]
  if (req.method === 'GET') {
    const object = storage.get(key)
    return object ? [200, object] : [404, { error: 'not_found' }]
  }
  return [405, { error: 'method_not_allowed' }]
}

const server = createServer({ keepAlive: true }, (req, res) => {
  const chunks: Buffer[] = []
  let length = 0
  req.on('data', (chunk: Buffer) => {
    length += chunk.length
    if (length <= BODY_LIMIT) chunks.push(chunk)
  })
  req.on('end', () => {
    if (length > BODY_LIMIT) return sendJson(res, 413, { error: 'too_large' })
    handle(req, Buffer.concat(chunks).toString('utf8')).then(
      ([status, payload]) => sendJson(res, status, payload),
      // A bad request, or a peer that failed: the request fails, the node goes on.
      (error: unknown) => sendJson(res, error instanceof BadRequest ? 400 : 503, { error: (error as Error).message }),
    )
  })
})

/** The peers' side of `--peers stream`: each line a batch, each answered `ok` (or why not) once on disk, in order. */
server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
  if (req.url !== STREAM_PATH || req.headers.upgrade !== STREAM_PROTOCOL) {
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
    return
  }
  socket.setNoDelay(true)
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: ${STREAM_PROTOCOL}\r\n\r\n`)
  const lines = new LineSplitter(INTERNAL_BODY_BYTES)
  let answered = Promise.resolve()
  const take = (chunk: Buffer): void => {
    for (const line of lines.push(chunk)) {
      const applied = applyBatch(line).then(
        () => 'ok',
        (error: unknown) => JSON.stringify((error as Error).message),
      )
      answered = answered.then(async () => {
        if (!socket.destroyed) socket.write(`${await applied}\n`)
      })
    }
  }
  socket.on('data', take)
  socket.on('error', () => socket.destroy())
  take(head)
})

async function stop(): Promise<void> {
  server.close()
  for (const peer of peers) peer.close()
  await storage.close()
  process.exit(0)
}

server.listen(port, '127.0.0.1', () => console.log(`ready ${port}`))
process.on('SIGTERM', () => void stop())
process.on('disconnect', () => void stop())
