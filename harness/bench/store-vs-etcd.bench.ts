/**
 * The store against its real peer: a 3-node quorumlab cluster (the store's defaults: N3 R2
 * W2) and a 3-member etcd 3.6 cluster on the same machine, both through JSON over HTTP
 * (etcd's v3 gateway), with a bare Hono app on the store's routes as the ceiling and the
 * replicated floor (`floor/`: HTTP, JSON and writes made durable by a write-ahead log on
 * two nodes, no store logic) as the least a PUT of the store's design costs, beside the
 * floors of four other designs: an LMDB commit per batch instead of the log, replicating
 * only once the local write is on disk, batches as HTTP requests instead of lines on one
 * connection per peer, and not flushing at all. PUTs
 * write fresh keys; GETs read 1,000 keys written beforehand, etcd's both linearizable (a
 * read index through the leader) and serializable (the member's local state). Every
 * subject runs in each round, in alternating order, so a busy moment of the machine hits
 * them alike; a figure is the median of the rounds, with their range.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { httpUrl } from '../../common/helpers/address.ts'
import { HttpEndpoint } from '../../common/helpers/http-endpoint.ts'
import { DEFAULT_STORE_SETTINGS } from '../../store/config.ts'
import { freePorts } from '../cluster/ports.ts'
import { EtcdCluster, ensureEtcd, etcdUnavailableReason } from '../stores/etcd/index.ts'
import { putRequest, rangeRequest } from '../stores/etcd/gateway.ts'
import { LocalCluster } from '../stores/quorumlab/index.ts'
import { type Benchmark, type BenchOptions, type BenchRow, median, overRounds } from './benchmark.ts'
import { type FloorCluster, type FloorDesign, startFloorCluster } from './floor/index.ts'
import { type LoadRequest, type LoadResult, type LoadRun, type RequestBuilder, runLoad, startBareHono } from './load.ts'

/** Keys the GETs read, written before the first round. */
const READ_KEYS = 1000
/**
 * Node compiles the store's hot paths for tens of seconds under load: V8's optimising
 * compiler took 12.5% of the nodes' CPU after 6 s of PUTs at 16 connections and 5.2% after
 * 30 s (`npm run profile:write-path -- --perf`). Each subject is warmed up for 15 s, so the
 * rounds measure nearer the steady state a long-running store is in (etcd, compiled ahead
 * of time, has none to reach). Each measured window is then preceded by 2 s of the same load,
 * unmeasured: a subject sits idle for a minute while the others are measured, and the
 * store's first seconds after that cost more CPU a PUT than its next ones.
 */
const FULL = { rounds: 3, seconds: 5, warmupSeconds: 15, rewarmSeconds: 2, connections: [16, 64] }
/** CI's smoke run: every subject, short rounds; its figures are not worth comparing. */
const QUICK = { rounds: 1, seconds: 1, warmupSeconds: 0, rewarmSeconds: 0, connections: [64] }
/** The issue's targets: the store's PUT and GET against etcd's, in the same run. */
const TARGETS = { putOverEtcd: 1.5, getOverLinearizable: 1.5, getOverSerializable: 1.0 }

type Op = 'PUT' | 'GET'

/** One thing measured: a kind of request to a set of endpoints. */
type Subject = {
  name: string
  op: Op
  urls: string[]
  /** The processes serving `urls`: their CPU time per request is measured beside the throughput. */
  pids: number[]
  /** The requests of one measurement; `tag` is new for each, so PUTs never write a key twice. */
  requests(tag: string): RequestBuilder
}

const readKey = (i: number): string => `read-${i}`
const value = (n: number): string => `v${n}`

/** `/kv/:key` of the store (and of the bare Hono app). */
const storePut = (key: string, n: number): LoadRequest => ({ method: 'PUT', path: `/kv/${key}`, body: JSON.stringify({ value: value(n) }) })
const storeGet = (key: string): LoadRequest => ({ method: 'GET', path: `/kv/${key}` })
/** etcd's gateway: values are the JSON text of the value, as the harness's etcd client stores them. */
const etcdPut = (key: string, n: number): LoadRequest => ({
  method: 'POST',
  path: '/v3/kv/put',
  body: putRequest(key, JSON.stringify(value(n))),
})
const etcdGet =
  (serializable: boolean) =>
  (key: string): LoadRequest => ({ method: 'POST', path: '/v3/kv/range', body: rangeRequest(key, serializable) })

/** Each connection writes its own fresh keys: `<tag>-<connection>-<n>`. */
const writes =
  (request: (key: string, n: number) => LoadRequest) =>
  (tag: string): RequestBuilder =>
  (connection) => {
    let n = 0
    return () => {
      n += 1
      return request(`${tag}-${connection}-${n}`, n)
    }
  }

/** Each connection walks the read keys from its own starting point. */
const reads = (request: (key: string) => LoadRequest) => (): RequestBuilder => (connection) => {
  let n = connection * 7919
  return () => request(readKey(n++ % READ_KEYS))
}

/** Where each system answers, and the processes that serve it. */
type Served = { urls: string[]; pids: number[] }

/** The floors measured, by subject name: the store's design, and four others it could have. */
const FLOORS: Record<string, FloorDesign> = {
  'floor PUT': {},
  'floor PUT, LMDB commits': { storage: 'lmdb' },
  'floor PUT, replicated after the commit': { replicate: 'after-commit' },
  'floor PUT, batches over HTTP': { peers: 'http' },
  'floor PUT, not flushed': { sync: false },
}

function subjects({ hono, floors, store, etcd }: { hono: Served; floors: Map<string, Served>; store: Served; etcd: Served }): Subject[] {
  return [
    { name: 'bare Hono PUT', op: 'PUT', ...hono, requests: writes(storePut) },
    ...[...floors].map(([name, served]): Subject => ({ name, op: 'PUT', ...served, requests: writes(storePut) })),
    { name: 'quorumlab PUT', op: 'PUT', ...store, requests: writes(storePut) },
    { name: 'etcd PUT', op: 'PUT', ...etcd, requests: writes(etcdPut) },
    { name: 'bare Hono GET', op: 'GET', ...hono, requests: reads(storeGet) },
    { name: 'quorumlab GET', op: 'GET', ...store, requests: reads(storeGet) },
    { name: 'etcd linearizable GET', op: 'GET', ...etcd, requests: reads(etcdGet(false)) },
    { name: 'etcd serializable GET', op: 'GET', ...etcd, requests: reads(etcdGet(true)) },
  ]
}

/** Writes the read keys through the nodes in turn, 64 at a time; throws on an answer other than 2xx. */
async function preload(urls: string[], request: (key: string, n: number) => LoadRequest): Promise<void> {
  const endpoints = urls.map(HttpEndpoint.ofUrl)
  let next = 0
  try {
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        for (let i = next++; i < READ_KEYS; i = next++) {
          const { method, path, body } = request(readKey(i), i)
          const answer = await endpoints[i % endpoints.length].request({ method, path, body, timeoutMs: 10_000 })
          if (answer.status < 200 || answer.status > 299)
            throw new Error(`preloading ${path}: ${answer.status} ${answer.body.slice(0, 200)}`)
        }
      }),
    )
  } finally {
    for (const endpoint of endpoints) endpoint.close()
  }
}

type Plan = typeof FULL
/** Results by `<subject>/<connections>`, one per round. */
type Results = Map<string, LoadResult[]>

/**
 * Every subject at every concurrency, round after round, the order reversed every other round;
 * `load` runs one window (autocannon; a test's stand-in).
 */
export async function measureRounds(
  all: Subject[],
  plan: Plan,
  log: BenchOptions['log'],
  load: (run: LoadRun) => Promise<LoadResult> = runLoad,
): Promise<Results> {
  const results: Results = new Map()
  const connectionsMax = Math.max(...plan.connections)
  for (const subject of plan.warmupSeconds > 0 ? all : []) {
    await load({ urls: subject.urls, connections: connectionsMax, duration: plan.warmupSeconds, requests: subject.requests('warmup') })
  }
  for (let round = 1; round <= plan.rounds; round++) {
    for (const connections of plan.connections) {
      for (const op of ['PUT', 'GET'] as const) {
        const order = all.filter((s) => s.op === op)
        if (round % 2 === 0) order.reverse()
        for (const subject of order) {
          if (plan.rewarmSeconds > 0) {
            const requests = subject.requests(`r${round}-c${connections}-rewarm`)
            await load({ urls: subject.urls, connections, duration: plan.rewarmSeconds, requests })
          }
          const requests = subject.requests(`r${round}-c${connections}`)
          const result = await load({ urls: subject.urls, connections, duration: plan.seconds, requests, serverPids: subject.pids })
          const key = `${subject.name}/${connections}`
          results.set(key, [...(results.get(key) ?? []), result])
          const failed = result.errors + result.non2xx
          const cpu = result.cpuPerRequestUs === undefined ? '' : `, ${result.cpuPerRequestUs.toFixed(0)} µs CPU a request`
          const client = result.clientCpuPerRequestUs === undefined ? '' : ` (load generator ${result.clientCpuPerRequestUs.toFixed(0)} µs)`
          log(
            `round ${round}, ${connections} connections, ${subject.name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms${cpu}${client}${failed ? `, ${result.errors} errors and ${result.non2xx} non-2xx answers` : ''}`,
          )
        }
      }
    }
  }
  return results
}

/** The rows of one concurrency: each subject's throughput and p99, the store's against etcd's. */
function rowsOf(results: Results, connections: number): BenchRow[] {
  const of = (name: string): LoadResult[] => results.get(`${name}/${connections}`) ?? []
  const label = (name: string): string => `${name}, ${connections} conns`
  /** The median of the rounds' ratios: each round's two figures were measured side by side. */
  const ratio = (ours: LoadResult[], theirs: LoadResult[]): number => median(ours.map((r, i) => r.rps / theirs[i].rps))
  const rows: BenchRow[] = []
  const names = [
    'bare Hono PUT',
    ...Object.keys(FLOORS),
    'quorumlab PUT',
    'etcd PUT',
    'bare Hono GET',
    'quorumlab GET',
    'etcd linearizable GET',
    'etcd serializable GET',
  ]
  for (const name of names) {
    const rounds = of(name)
    if (rounds.length === 0) continue
    const base = { benchmark: 'etcd', subject: label(name) }
    const throughput = { ...base, metric: 'throughput', unit: 'req/s', ...overRounds(rounds.map((r) => r.rps)) }
    const p99 = { ...base, metric: 'p99 latency', unit: 'ms', ...overRounds(rounds.map((r) => r.p99)) }
    if (name === 'quorumlab PUT') {
      const etcd = of('etcd PUT')
      const times = ratio(rounds, etcd)
      const theirP99 = median(etcd.map((r) => r.p99))
      rows.push(
        { ...throughput, ...versus(label('etcd PUT'), times, TARGETS.putOverEtcd) },
        { ...p99, baseline: label('etcd PUT'), ratio: p99.value / theirP99, target: { text: "<= etcd's p99", met: p99.value <= theirP99 } },
        ...cpuRow(base, rounds, { against: { baseline: label('etcd PUT'), rounds: of('etcd PUT') } }),
        ...cpuRow(base, rounds, { whose: 'load generator' }),
      )
    } else if (name in FLOORS) {
      const etcd = of('etcd PUT')
      rows.push(
        { ...throughput, baseline: label('etcd PUT'), ratio: ratio(rounds, etcd) },
        p99,
        ...cpuRow(base, rounds, { against: { baseline: label('etcd PUT'), rounds: etcd } }),
      )
    } else if (name === 'quorumlab GET') {
      rows.push(
        {
          ...throughput,
          ...versus(label('etcd linearizable GET'), ratio(rounds, of('etcd linearizable GET')), TARGETS.getOverLinearizable),
        },
        {
          ...throughput,
          ...versus(label('etcd serializable GET'), ratio(rounds, of('etcd serializable GET')), TARGETS.getOverSerializable),
        },
        p99,
        ...cpuRow(base, rounds, { against: { baseline: label('etcd linearizable GET'), rounds: of('etcd linearizable GET') } }),
      )
    } else {
      rows.push(throughput, p99, ...cpuRow(base, rounds), ...(name === 'etcd PUT' ? cpuRow(base, rounds, { whose: 'load generator' }) : []))
    }
  }
  return rows
}

/** Whose CPU time a row reports, and the field of a round that holds it. */
const CPU_OF = { servers: 'cpuPerRequestUs', 'load generator': 'clientCpuPerRequestUs' } as const

/**
 * CPU time per request over the rounds (none where it was not measured): the servers' by
 * default, or the load generator's, which shares the machine's cores with the servers and is
 * why the throughput ratio of two subjects is nearer 1 than the ratio of their servers' CPU.
 * Compared with the rounds of the subject named `against.baseline` when given.
 */
function cpuRow(
  base: { benchmark: string; subject: string },
  ours: LoadResult[],
  { whose = 'servers', against }: { whose?: keyof typeof CPU_OF; against?: { baseline: string; rounds: LoadResult[] } } = {},
): BenchRow[] {
  const measured = (rounds: LoadResult[]) => rounds.flatMap((r) => r[CPU_OF[whose]] ?? [])
  const values = measured(ours)
  if (values.length === 0) return []
  const row: BenchRow = { ...base, metric: `CPU per request, ${whose}`, unit: 'µs', ...overRounds(values) }
  const theirs = against ? measured(against.rounds) : []
  return [against && theirs.length > 0 ? { ...row, baseline: against.baseline, ratio: row.value / median(theirs) } : row]
}

const versus = (baseline: string, ratio: number, target: number): Partial<BenchRow> => ({
  baseline,
  ratio,
  target: { text: `>= ${target.toFixed(1)}x ${baseline.replace(/, \d+ conns$/, '')}`, met: ratio >= target },
})

async function run({ quick, log }: BenchOptions): Promise<BenchRow[]> {
  const unavailable = await etcdUnavailableReason()
  if (unavailable) {
    log(`skipped: no etcd to compare with. ${unavailable}`)
    return []
  }
  const plan = quick ? QUICK : FULL
  const binary = await ensureEtcd({ onProgress: log })
  const began = performance.now()
  const dir = await mkdtemp(join(tmpdir(), 'quorumlab-bench-etcd-'))
  const bare = await startBareHono()
  const floors: FloorCluster[] = []
  let store: LocalCluster | undefined
  let etcd: EtcdCluster | undefined
  try {
    for (const [i, design] of Object.values(FLOORS).entries())
      floors.push(await startFloorCluster({ dataDir: join(dir, `floor-${i}`), ...design }))
    etcd = await EtcdCluster.create({ binary, nodes: 3, dataDir: join(dir, 'etcd') })
    const settings = { ...DEFAULT_STORE_SETTINGS }
    const [started, etcdStarted] = await Promise.allSettled([
      LocalCluster.start({ nodes: 3, ports: await freePorts(3), dataDir: join(dir, 'quorumlab'), settings }),
      etcd.start(),
    ])
    if (started.status === 'fulfilled') store = started.value
    if (started.status === 'rejected') throw started.reason
    if (etcdStarted.status === 'rejected') throw etcdStarted.reason
    const storeUrls = started.value.nodes.map((n) => n.url)
    const etcdUrls = etcd.members.map((m) => httpUrl(m.addresses.client))
    const running = (pids: (number | undefined)[]): number[] => pids.filter((pid): pid is number => pid !== undefined)
    const served = {
      hono: { urls: [bare.url], pids: [bare.pid] },
      floors: new Map(Object.keys(FLOORS).map((name, i) => [name, { urls: floors[i].urls, pids: floors[i].pids }])),
      store: { urls: storeUrls, pids: running(started.value.nodes.map((n) => n.pid)) },
      etcd: { urls: etcdUrls, pids: running(etcd.members.map((m) => etcd?.pid(m.id))) },
    }
    await Promise.all([preload(storeUrls, storePut), preload(etcdUrls, etcdPut)])
    log(`both clusters up and ${READ_KEYS} keys written to each in ${((performance.now() - began) / 1000).toFixed(1)} s`)
    log(`${plan.rounds} rounds of ${plan.seconds} s per subject, at ${plan.connections.join(' and ')} connections spread over the nodes`)
    const results = await measureRounds(subjects(served), plan, log)
    return plan.connections.flatMap((connections) => rowsOf(results, connections))
  } finally {
    await etcd?.stop()
    await store?.stop()
    await Promise.all(floors.map((floor) => floor.stop()))
    await bare.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

export const benchmark: Benchmark = {
  name: 'etcd',
  description:
    'the store against etcd 3.6, 3 nodes each: PUT, GET against linearizable and serializable GET; bare Hono as the ceiling, the replicated floor as the least a PUT of this design costs, and the floors of four other designs',
  run,
}
