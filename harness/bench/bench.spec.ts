/**
 * The benchmark plumbing: figures over rounds, the hand-written end of BENCHMARKS.md that
 * every write keeps, and the load generator's per-connection requests spread over
 * several endpoints.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from '@japa/runner'
import { overRounds } from './benchmark.ts'
import { type LoadResult, type LoadRun, runLoad } from './load.ts'
import { processCpuSeconds } from './process-cpu.ts'
import { notesOf } from './run-benchmarks.ts'
import { measureRounds } from './store-vs-etcd.bench.ts'

const MARKER = '<!-- Written by hand below this line: `quorumlab bench --write` keeps it. -->'

test.group('bench: rounds and notes', () => {
  test('a figure over rounds is their median, with the lowest and highest', ({ assert }) => {
    assert.deepEqual(overRounds([30, 10, 20]), { value: 20, range: { min: 10, max: 30 } })
    assert.deepEqual(overRounds([5]), { value: 5, range: { min: 5, max: 5 } })
  })

  test('each measured window follows an unmeasured one of the same subject and concurrency, on keys of its own', async ({ assert }) => {
    const windows: LoadRun[] = []
    /** The tag of each window's requests, in the order the windows ran. */
    const tags: string[] = []
    const subject = (name: string, op: 'PUT' | 'GET') => ({
      name,
      op,
      urls: [`http://${name}.test`],
      pids: [1],
      requests: (tag: string) => {
        tags.push(`${name} ${tag}`)
        return () => () => ({ method: op, path: `/${tag}` })
      },
    })
    const load = async (run: LoadRun) => {
      windows.push(run)
      return { rps: 1, p50: 1, p99: 1, errors: 0, non2xx: 0 }
    }
    const plan = { rounds: 2, seconds: 5, warmupSeconds: 15, rewarmSeconds: 2, connections: [16, 64] }
    const all = [subject('a', 'PUT'), subject('b', 'PUT'), subject('c', 'GET')]
    const results = await measureRounds(all, plan, () => {}, load)

    const measured = windows.flatMap((w, i) => (w.serverPids === undefined ? [] : [i]))
    assert.lengthOf(measured, plan.rounds * plan.connections.length * all.length)
    assert.deepEqual(
      [...results.values()].map((r) => r.length),
      Array(all.length * plan.connections.length).fill(plan.rounds),
    )
    for (const i of measured) {
      const [before, window] = [windows[i - 1], windows[i]]
      assert.equal(window.duration, plan.seconds)
      assert.equal(before.duration, plan.rewarmSeconds)
      assert.isUndefined(before.serverPids)
      assert.deepEqual([before.urls, before.connections], [window.urls, window.connections])
    }
    assert.lengthOf(tags, windows.length)
    assert.equal(new Set(tags).size, tags.length, 'every window writes keys of its own')
  })

  test('the hand-written end of BENCHMARKS.md is kept from the marker on', ({ assert }) => {
    const committed = `# Benchmarks\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n${MARKER}\n\n## Where a PUT's time goes\n\ntext\n\n`
    assert.deepEqual(notesOf(committed), [`${MARKER}\n\n## Where a PUT's time goes\n\ntext`, ''])
  })

  test('a BENCHMARKS.md without the marker has no notes to keep', ({ assert }) => {
    assert.deepEqual(notesOf('# Benchmarks\n\n| a | b |\n'), [])
  })
})

type Seen = { server: number; method: string; url: string; type?: string; body: string }

async function recordingServer(index: number, seen: Seen[]): Promise<Server> {
  const server = createServer((request: IncomingMessage, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk))
    request.on('end', () => {
      seen.push({ server: index, method: request.method ?? '', url: request.url ?? '', type: request.headers['content-type'], body })
      response.end('{}')
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return server
}

test.group('bench: process CPU', () => {
  test("a process's CPU time grows by what it computes; a process that is gone has none to tell", async ({ assert }) => {
    const before = await processCpuSeconds([process.pid])
    const started = process.cpuUsage()
    let x = 0
    while (process.cpuUsage(started).user < 300_000) x += Math.sqrt(x + 1)
    const after = await processCpuSeconds([process.pid])
    assert.isNumber(before)
    assert.isAbove(x, 0)
    // /proc counts in 10 ms ticks: 0.3 s of work is at least 0.28 s more.
    assert.isAtLeast(after! - before!, 0.28)
    assert.isUndefined(await processCpuSeconds([process.pid, 2 ** 22 + 1]))
  })
})

/** A server in its own process that spins for `?spin=<µs>` of CPU on each request. */
const SPINNING_SERVER = `
const { createServer } = require('node:http')
createServer((request, response) => {
  const spin = Number(new URL(request.url, 'http://x').searchParams.get('spin')) * 1000
  const start = process.cpuUsage()
  while (process.cpuUsage(start).user * 1000 < spin) {}
  response.end('{}')
}).listen(0, '127.0.0.1', function () { console.log('port', this.address().port) })
`

test.group('bench: load', (group) => {
  group.tap((t) => t.tags(['integration']))

  test('each connection builds its own requests, and the connections are dealt over the endpoints', async ({ assert }) => {
    const seen: Seen[] = []
    const servers = [await recordingServer(0, seen), await recordingServer(1, seen)]
    try {
      const urls = servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`)
      const built = new Set<number>()
      const result = await runLoad({
        urls,
        connections: 4,
        duration: 1,
        requests: (connection) => {
          built.add(connection)
          let n = 0
          return () => ({ method: 'PUT', path: `/kv/c${connection}-${++n}`, body: JSON.stringify({ value: n }) })
        },
      })
      assert.deepEqual([...built].sort(), [0, 1, 2, 3])
      assert.isAbove(result.rps, 0)
      assert.equal(result.errors + result.non2xx, 0)
      // Connections 0 and 2 go to the first endpoint, 1 and 3 to the second.
      for (const s of seen) assert.equal(Number(/^\/kv\/c(\d)-/.exec(s.url)![1]) % 2, s.server, s.url)
      // Every key is fresh: each connection counts up its own keys.
      assert.equal(new Set(seen.map((s) => s.url)).size, seen.length)
      for (const s of seen) {
        assert.equal(s.method, 'PUT')
        assert.equal(s.type, 'application/json')
        assert.equal(JSON.parse(s.body).value, Number(s.url.split('-')[1]))
      }
    } finally {
      for (const server of servers) server.close()
    }
  })

  test("the CPU time a server spends per request, and the load generator's own, are measured beside the load", async ({ assert }) => {
    const child = spawn(process.execPath, ['-e', SPINNING_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      const [chunk] = (await once(child.stdout!, 'data')) as [Buffer]
      const url = `http://127.0.0.1:${/port (\d+)/.exec(chunk.toString())![1]}`
      /** `spinUs` of the server's CPU a request; `buildUs` of this process' CPU to build each. */
      const load = (spinUs: number, buildUs = 0) =>
        runLoad({
          urls: [url],
          connections: 2,
          duration: 1,
          serverPids: [child.pid!],
          requests: () => () => {
            const started = process.cpuUsage()
            while (process.cpuUsage(started).user < buildUs) {}
            return { method: 'GET', path: `/?spin=${spinUs}` }
          },
        })
      const light = await load(0)
      const heavy = await load(2000)
      const costlyToBuild = await load(0, 1000)
      // The test process' other threads (collecting what earlier tests left) may add to one
      // window's CPU: the least of three windows (the one measured above and two more) is the load's own.
      const leastGeneratorCpu = async (first: LoadResult, spinUs: number): Promise<number> => {
        const perRequest = [first.clientCpuPerRequestUs!]
        for (let i = 0; i < 2; i++) perRequest.push((await load(spinUs)).clientCpuPerRequestUs!)
        return Math.min(...perRequest)
      }
      const unmeasured = await runLoad({
        urls: [url],
        connections: 1,
        duration: 1,
        requests: () => () => ({ method: 'GET', path: '/?spin=0' }),
      })
      assert.isAbove(light.rps, 0)
      assert.isAbove(heavy.rps, 0)
      // 2 ms of spinning a request: at least that, whatever the server's own overhead.
      assert.isAtLeast(heavy.cpuPerRequestUs!, 1_900)
      assert.isBelow(light.cpuPerRequestUs!, heavy.cpuPerRequestUs! / 3)
      assert.notProperty(unmeasured, 'cpuPerRequestUs')
      // The server's spinning is not the load generator's; building a request for 1 ms is.
      assert.isAtLeast(costlyToBuild.clientCpuPerRequestUs!, 950)
      assert.isBelow(costlyToBuild.cpuPerRequestUs!, 1_000)
      assert.isBelow(await leastGeneratorCpu(heavy, 2000), 1_000)
      assert.isBelow(await leastGeneratorCpu(light, 0), costlyToBuild.clientCpuPerRequestUs! / 3)
    } finally {
      child.kill()
    }
  })
})
