/**
 * The replicated floor does what its benchmark rows claim, in each design they measure: a
 * PUT is on its coordinator and on at least one peer when answered (never when no peer can
 * take it), and on the third soon after; a bad request is a 400 and the node goes on; a
 * harness that dies leaves no node behind.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { HttpEndpoint } from '../../../common/helpers/http-endpoint.ts'
import { isProcessAlive as alive } from '../../../common/helpers/pid.ts'
import { type FloorCluster, type FloorDesign, startFloorCluster } from './index.ts'

const INDEX = new URL('./index.ts', import.meta.url).href

/** The floor's designs the benchmark measures: each must hold a write on a peer before answering. */
const DESIGNS: { name: string; design: FloorDesign }[] = [
  { name: 'as the store', design: {} },
  { name: 'replicated after the commit', design: { replicate: 'after-commit' } },
  { name: 'batches over HTTP', design: { peers: 'http' } },
  { name: 'LMDB commits', design: { storage: 'lmdb' } },
  { name: 'not flushed', design: { sync: false } },
]

test.group('bench: the replicated floor', (group) => {
  group.tap((t) => t.tags(['integration']).timeout(60_000))
  let floor: FloorCluster | undefined
  let endpoints: HttpEndpoint[] = []

  /** Starts a floor for one test; it is stopped and its files removed after it, whatever happens. */
  const start = async (design: FloorDesign, cleanup: (run: () => Promise<void>) => void): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-floor-'))
    cleanup(async () => {
      for (const endpoint of endpoints) endpoint.close()
      await floor?.stop()
      await rm(dir, { recursive: true, force: true })
    })
    floor = await startFloorCluster({ dataDir: dir, ...design })
    endpoints = floor.urls.map(HttpEndpoint.ofUrl)
    return dir
  }

  test('a PUT is held by its coordinator and a peer when answered, and by all three soon after ({name})')
    .with(DESIGNS)
    .run(async ({ assert, cleanup }, { design }) => {
      await start(design, cleanup)
      const put = await endpoints[0].request({ method: 'PUT', path: '/kv/a%20key', body: '{"value":"v1"}', timeoutMs: 5000 })
      assert.equal(put.status, 200)
      assert.equal(JSON.parse(put.body).key, 'a key')
      const held = async () => {
        const answers = await Promise.all(endpoints.map((e) => e.request({ method: 'GET', path: '/kv/a%20key', timeoutMs: 5000 })))
        return answers.filter((a) => a.status === 200 && JSON.parse(a.body).values[0].value === 'v1').length
      }
      assert.isAtLeast(await held(), 2)
      const deadline = performance.now() + 10_000
      let count = await held()
      while (count < 3 && performance.now() < deadline) count = await held()
      assert.equal(count, 3)
    })

  test('a PUT no peer can take is not acknowledged ({name})')
    .with(DESIGNS)
    .run(async ({ assert, cleanup }, { design }) => {
      await start(design, cleanup)
      for (const pid of floor!.pids.slice(1)) process.kill(pid, 'SIGKILL')
      const put = await endpoints[0].request({ method: 'PUT', path: '/kv/alone', body: '{"value":"v1"}', timeoutMs: 10_000 })
      assert.equal(put.status, 503)
    })

  test('the write-ahead log has an acknowledged write in its file, on the coordinator and a peer', async ({ assert, cleanup }) => {
    const dir = await start({}, cleanup)
    const put = await endpoints[0].request({ method: 'PUT', path: '/kv/logged', body: '{"value":"in the log"}', timeoutMs: 5000 })
    assert.equal(put.status, 200)
    const logs = await Promise.all(['n1', 'n2', 'n3'].map((node) => readFile(join(dir, node, 'wal'), 'latin1')))
    const holding = logs.filter((text) => text.includes('{"key":"logged","object":{"values":[{"value":"in the log"'))
    assert.isAtLeast(holding.length, 2)
    assert.include(logs[0], '"in the log"')
  })

  test('a node refuses a bad command line, naming the problem', async ({ assert }) => {
    const script = new URL('./node.ts', import.meta.url).pathname
    for (const [args, expected] of [
      [['--replicate', 'sometimes', '1', '/tmp/none', '2'], '--replicate must be applied or after-commit, got sometimes'],
      [['--bogus', '1', '/tmp/none', '2'], "Unknown option '--bogus'"],
      [['--peers', 'udp', '1', '/tmp/none', '2'], '--peers must be http or stream, got udp'],
      [['--storage', 'rocks', '1', '/tmp/none', '2'], '--storage must be log or lmdb, got rocks'],
      [['1', '/tmp/none'], 'usage: node.ts'],
    ] as const) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
      let stderr = ''
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk))
      const [code] = (await once(child, 'exit')) as [number]
      assert.equal(code, 2)
      assert.include(stderr, expected)
    }
  })

  test('a bad body or key is a 400 naming the problem, and the node still answers', async ({ assert, cleanup }) => {
    await start({}, cleanup)
    const noJson = await endpoints[1].request({ method: 'PUT', path: '/kv/k', body: '{"value":', timeoutMs: 5000 })
    assert.equal(noJson.status, 400)
    assert.include(JSON.parse(noJson.body).error, 'not JSON')
    const noValue = await endpoints[1].request({ method: 'PUT', path: '/kv/k', body: '{"v":1}', timeoutMs: 5000 })
    assert.equal(noValue.status, 400)
    const badKey = await endpoints[1].request({ method: 'PUT', path: '/kv/%E0%A4%A', body: '{"value":1}', timeoutMs: 5000 })
    assert.equal(badKey.status, 400)
    const badBatch = await endpoints[1].request({ method: 'POST', path: '/batch', body: '{"ops":3}', timeoutMs: 5000 })
    assert.equal(badBatch.status, 400)
    const after = await endpoints[1].request({ method: 'PUT', path: '/kv/k', body: '{"value":2}', timeoutMs: 5000 })
    assert.equal(after.status, 200)
  })
})

test.group('bench: the replicated floor when its harness dies', (group) => {
  group.tap((t) => t.tags(['integration']).timeout(60_000))

  test('killed with SIGKILL, the harness leaves no floor node running', async ({ assert, cleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'quorumlab-floor-'))
    let pids: number[] = []
    cleanup(async () => {
      for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL')
      await rm(dir, { recursive: true, force: true })
    })
    const script = `const { startFloorCluster } = await import(${JSON.stringify(INDEX)}); const floor = await startFloorCluster({ dataDir: ${JSON.stringify(dir)} }); console.log(floor.pids.join(' ')); setInterval(() => {}, 1000)`
    const harness = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const [line] = (await once(harness.stdout!, 'data')) as [Buffer]
    pids = line.toString().trim().split(' ').map(Number)
    assert.lengthOf(pids, 3)
    assert.isTrue(pids.every(alive))
    harness.kill('SIGKILL')
    const deadline = performance.now() + 10_000
    while (pids.some(alive) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    assert.deepEqual(pids.filter(alive), [])
  })
})
