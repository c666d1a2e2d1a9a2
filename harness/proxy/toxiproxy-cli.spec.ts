/**
 * The real `toxiproxy-cli` against the embedded server, command by command: create, list,
 * inspect, every toxic added, updated (attributes and toxicity) and removed, toggle,
 * delete, and its errors, with the same output and exit codes as against a real
 * Toxiproxy. Needs the CLI binary (`.tmp/bin/toxiproxy-cli`, which `.ci/run` builds, or
 * `TOXIPROXY_CLI`) and a real server to compare with (`TOXIPROXY_URL`).
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { test } from '@japa/runner'
import { freePorts } from '../cluster/ports.ts'
import { startEmbeddedToxiproxy } from './index.ts'

const CLI = process.env.TOXIPROXY_CLI ?? fileURLToPath(new URL('../../.tmp/bin/toxiproxy-cli', import.meta.url))
const REAL = process.env.TOXIPROXY_URL

/** Every command a user types, in an order that exercises each; `P` is the proxy, `L` its listen address. */
const SESSION: string[][] = [
  ['create', '--listen', 'L', '--upstream', '127.0.0.1:1', 'P'],
  ['list'],
  ['inspect', 'P'],
  ['toxic', 'add', '--type', 'latency', '--attribute', 'latency=100', '--attribute', 'jitter=5', '--downstream', 'P'],
  ['toxic', 'add', '-t', 'timeout', '-a', 'timeout=0', '-n', 'blackhole', '--upstream', '--toxicity', '0.5', 'P'],
  ['toxic', 'add', '-t', 'bandwidth', '-a', 'rate=100', 'P'],
  ['toxic', 'add', '-t', 'slow_close', '-a', 'delay=10', 'P'],
  ['toxic', 'add', '-t', 'reset_peer', '-a', 'timeout=10', 'P'],
  ['toxic', 'add', '-t', 'slicer', '-a', 'average_size=10', '-a', 'size_variation=2', '-a', 'delay=5', 'P'],
  ['toxic', 'add', '-t', 'limit_data', '-a', 'bytes=1000', 'P'],
  ['inspect', 'P'],
  ['toxic', 'update', '-n', 'latency_downstream', '-a', 'latency=250', 'P'],
  ['toxic', 'update', '-n', 'blackhole', '--toxicity', '0.25', 'P'],
  ['toggle', 'P'],
  ['inspect', 'P'],
  ['toggle', 'P'],
  ['toxic', 'remove', '-n', 'latency_downstream', 'P'],
  ['toxic', 'remove', '-n', 'no-such-toxic', 'P'],
  ['toxic', 'add', '-t', 'bogus', 'P'],
  ['create', '--listen', 'L', '--upstream', '127.0.0.1:1', 'P'],
  ['inspect', 'no-such-proxy'],
  ['delete', 'P'],
  ['delete', 'P'],
]

/** Runs the CLI; resolves with its output and exit code (the embedded server answers meanwhile: nothing blocks). */
function cli(args: string[]): Promise<{ output: string; code: number }> {
  return new Promise((resolve) => {
    execFile(CLI, args, { encoding: 'utf8', timeout: 10_000 }, (error, stdout, stderr) => {
      resolve({ output: `${stdout}${stderr}`, code: error ? Number((error as { code?: number }).code ?? -1) : 0 })
    })
  })
}

/** The session against the server at `url`, as one transcript: each command, its output and exit code, with ports and names made alike. */
async function transcript(url: string, proxy: string, port: number): Promise<string> {
  const listen = `127.0.0.1:${port}`
  const lines: string[] = []
  for (const args of SESSION) {
    const { output, code } = await cli(['-h', url, ...args.map((a) => (a === 'P' ? proxy : a === 'L' ? listen : a))])
    lines.push(`$ ${args.join(' ')}\n${output.replaceAll(listen, 'LISTEN').replaceAll(proxy, 'PROXY')}[exit ${code}]`)
  }
  return lines.join('\n')
}

test.group('toxiproxy-cli against the embedded server', (group) => {
  group.tap((t) => t.tags(['integration']))

  test('every command answers as from the real Toxiproxy', async ({ assert, cleanup }) => {
    const server = await startEmbeddedToxiproxy({ host: '127.0.0.1', port: 0 })
    cleanup(() => server.close())
    const name = `cli-check-${process.pid}`
    const [embeddedPort, realPort] = await freePorts(2)
    cleanup(async () => {
      await fetch(`${REAL}/proxies/${name}`, { method: 'DELETE' }).catch(() => undefined)
    })
    const embedded = await transcript(server.url, name, embeddedPort)
    // Enough happened that two broken servers cannot agree by saying nothing.
    assert.include(embedded, 'Created new proxy PROXY')
    assert.include(embedded, 'limit_data_downstream\ttype=limit_data')
    assert.include(embedded, 'HTTP 409: proxy already exists')
    assert.equal(embedded, await transcript(REAL!, name, realPort))
  })
    .skip(!existsSync(CLI), `needs toxiproxy-cli at ${CLI} (.ci/run builds it with Go; or set TOXIPROXY_CLI)`)
    .skip(!REAL, 'needs a real Toxiproxy to compare with (TOXIPROXY_URL)')
})
