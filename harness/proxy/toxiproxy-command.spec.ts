/** The `toxiproxy` subcommand as a user runs it: flags, the printed URL, a clean stop on SIGTERM. */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { test } from '@japa/runner'
import { Toxiproxy } from 'toxiproxy-node-client'
import { startEchoServer } from './test/echo-server.ts'
import { TestClient } from './test/tcp-client.ts'

const BIN = fileURLToPath(new URL('../../bin/quorumlab.js', import.meta.url))

type Run = { code: number | null; stdout: string; stderr: string }

function run(args: string[]): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, 'toxiproxy', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const done = once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr }))
  return { child, done }
}

/** The API URL the command prints once it listens. */
async function listening(child: ChildProcess, timeoutMs = 10_000): Promise<string> {
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line within ${timeoutMs} ms: ${output}`)), timeoutMs)
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const found = /listening on (http:\/\/\S+)/.exec(output)
      if (found) {
        clearTimeout(timer)
        resolve(found[1])
      }
    })
  })
}

test.group('quorumlab toxiproxy', (group) => {
  group.tap((t) => t.tags(['integration']))
  const children: ChildProcess[] = []
  group.each.teardown(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  })

  test('--help lists every flag with its default', async ({ assert }) => {
    const { child, done } = run(['--help'])
    children.push(child)
    const { code, stdout } = await done
    assert.equal(code, 0)
    assert.match(stdout, /--host <host>.*\(default: "127\.0\.0\.1"\)/)
    assert.match(stdout, /--port <port>.*\(default: 8474\)/)
  })

  test('a bad flag exits 254 naming the problem', async ({ assert }) => {
    for (const args of [['--port', 'abc'], ['--port', '70000'], ['--bogus']]) {
      const { child, done } = run(args)
      children.push(child)
      const { code, stderr } = await done
      assert.equal(code, 254, args.join(' '))
      assert.match(stderr, /error: /)
    }
  })

  test('serves the API, and SIGTERM closes proxies and their connections before exiting 0', async ({ assert }) => {
    const echo = await startEchoServer()
    const { child, done } = run(['--host', '127.0.0.1', '--port', '0'])
    children.push(child)
    try {
      const url = await listening(child)
      const api = new Toxiproxy(url)
      assert.match(await api.getVersion(), /"version"/)
      const proxy = await api.createProxy({ name: 'cli', listen: '127.0.0.1:0', upstream: echo.address })
      const client = await TestClient.connect(proxy.listen)
      await client.roundTrip()
      child.kill('SIGTERM')
      assert.equal((await done).code, 0)
      assert.isDefined(await client.closedWithin(2000), 'the proxied connection outlived the server')
      await assert.rejects(() => TestClient.connect(proxy.listen), /ECONNREFUSED/)
    } finally {
      await echo.close()
    }
  })

  test('an API port in use is a bad argument: exit 254 naming the address', async ({ assert }) => {
    const first = run(['--port', '0'])
    children.push(first.child)
    const url = await listening(first.child)
    const second = run(['--port', new URL(url).port])
    children.push(second.child)
    const { code, stderr } = await second.done
    assert.equal(code, 254)
    assert.include(stderr, `error: 127.0.0.1:${new URL(url).port} is already in use`)
  })
})
