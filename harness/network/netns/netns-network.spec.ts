/**
 * The netns network with real namespaces, veths, a bridge and iptables rules, carrying
 * plain HTTP between small servers started inside the namespaces: every node reaches
 * every other and the host reaches every node; a cut stops exactly the calls asked
 * (one-way: the other direction and the host's calls go on); heal restores them; and
 * nothing of the network is left after its teardown.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { readFileSync } from 'node:fs'
import { test } from '@japa/runner'
import { eventually } from '../../cluster/testing.ts'
import type { NetnsNetwork } from './netns-network.ts'
import { ipBatch } from './command.ts'
import { leftoversOf, netnsSkipReason, startTestNetwork } from './testing.ts'

const NODES = ['n1', 'n2', 'n3']
const PORT = 8000

/** An HTTP server answering its node id, started inside the node's namespace; killed when the test ends. */
function startServer(network: NetnsNetwork, node: string, cleanup: (f: () => void) => void): ChildProcess {
  const code = `require('node:http').createServer((q, s) => s.end(${JSON.stringify(node)})).listen(${PORT}, ${JSON.stringify(network.address(node))})`
  const [command, ...args] = [...network.launcher(node), process.execPath, '-e', code]
  const child = spawn(command, args, { stdio: 'ignore' })
  cleanup(() => {
    child.kill('SIGKILL')
  })
  return child
}

/** One GET on a new connection: the body, or `no answer` within 1.5 s. As source, to run inside a namespace too. */
const GET_TEXT = `(url) => new Promise((resolve) => {
  const request = require('node:http').get(url, { agent: false, timeout: 1500 }, (response) => {
    let body = ''
    response.on('data', (chunk) => (body += chunk)).on('end', () => resolve(body))
  })
  request.on('timeout', () => request.destroy()).on('error', () => resolve('no answer'))
})`

/** What `from` (a node, or the host) gets asking node `to`. */
async function ask(network: NetnsNetwork, from: string | 'host', to: string): Promise<string> {
  const code = `(${GET_TEXT})('http://${network.address(to)}:${PORT}/').then((t) => process.stdout.write(t))`
  const [command, ...args] = [...(from === 'host' ? [] : network.launcher(from)), process.execPath, '-e', code]
  return (await promisify(execFile)(command, args, { encoding: 'utf8', timeout: 10_000 })).stdout
}

/** Every ordered pair's answer, as `from>to: answer`. */
const everyAnswer = (network: NetnsNetwork): Promise<string[]> =>
  Promise.all(
    NODES.flatMap((from) => NODES.filter((to) => to !== from).map(async (to) => `${from}>${to}: ${await ask(network, from, to)}`)),
  )

const allAnswer = NODES.flatMap((from) => NODES.filter((to) => to !== from).map((to) => `${from}>${to}: ${to}`))

test.group('netns network', (group) => {
  group.tap((t) => t.tags(['integration']))

  test('a namespace per node on its own /24, reached from the host and from each other; all gone after teardown', async ({
    assert,
    cleanup,
  }) => {
    const network = await startTestNetwork(cleanup, NODES)
    const { names, subnet } = network
    assert.match(subnet.cidr, /^(10|172|192)\.\d+\.\d+\.0\/24$/)
    assert.deepEqual(
      NODES.map((n) => network.address(n)),
      [2, 3, 4].map((i) => subnet.cidr.replace(/0\/24$/, String(i))),
    )
    assert.equal(readFileSync(`/sys/class/net/${names.bridge}/ifalias`, 'utf8').trim(), `quorumlab-pid-${process.pid}`)
    assert.sameMembers(await leftoversOf(names.id), [names.bridge, ...[1, 2, 3].flatMap((i) => [names.namespace(i), names.hostVeth(i)])])
    for (const node of NODES) startServer(network, node, cleanup)
    for (const node of NODES) await eventually(`${node} serving`, async () => (await ask(network, 'host', node)) === node)
    assert.deepEqual(await everyAnswer(network), allAnswer)

    await network.teardown()
    assert.deepEqual(await leftoversOf(names.id), [])
  })
    // Real processes and namespaces: slow on a loaded 2-core machine.
    .timeout(60_000)
    .skip(!!netnsSkipReason, netnsSkipReason)

  test('a cut stops exactly the calls asked, one way; heal restores them', async ({ assert, cleanup }) => {
    const network = await startTestNetwork(cleanup, NODES)
    for (const node of NODES) startServer(network, node, cleanup)
    for (const node of NODES) await eventually(`${node} serving`, async () => (await ask(network, 'host', node)) === node)

    const cut = await network.cut([
      ['n1', 'n2'],
      ['n3', 'n1'],
    ])
    assert.deepEqual(cut, { links: ['n1-n2', 'n3-n1'] })
    const expected = allAnswer.map((line) => (line.startsWith('n1>n2') || line.startsWith('n3>n1') ? `${line.slice(0, 7)}no answer` : line))
    assert.deepEqual(await everyAnswer(network), expected)
    for (const node of NODES) assert.equal(await ask(network, 'host', node), node, `the host still reaches ${node}`)

    assert.deepEqual(await network.heal(), { links: ['n1-n2', 'n3-n1'] })
    assert.deepEqual(await everyAnswer(network), allAnswer)
    assert.deepEqual(await network.heal(), { links: [] }, 'nothing left to heal')
  })
    // Real processes and namespaces: slow on a loaded 2-core machine.
    .timeout(60_000)
    .skip(!!netnsSkipReason, netnsSkipReason)

  test('latency is refused with the reason, before anything is touched', async ({ assert, cleanup }) => {
    const network = await startTestNetwork(cleanup, ['n1', 'n2'])
    assert.isFalse(network.can.slow.ok)
    if (!network.can.slow.ok) assert.match(network.can.slow.reason, /--network netns (cannot|does not) add latency.*--network proxy/)
    await assert.rejects(() => network.slow(), /latency/)
  })
    // Real processes and namespaces: slow on a loaded 2-core machine.
    .timeout(60_000)
    .skip(!!netnsSkipReason, netnsSkipReason)

  test('a process that exits without its teardown still removes its network, at exit', async ({ assert, cleanup }) => {
    const module = fileURLToPath(new URL('./netns-network.ts', import.meta.url))
    const script = `const { NetnsNetwork } = await import(${JSON.stringify(module)})
const network = await NetnsNetwork.create({ nodes: ['n1', 'n2'] })
process.stdout.write(network.names.id)
process.exit(0)`
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    })
    const id = stdout.trim()
    cleanup(async () => {
      const left = await leftoversOf(id)
      await ipBatch(left.map((name) => (/-n\d+$/.test(name) ? `netns del ${name}` : `link del ${name}`)))
    })
    assert.match(id, /^[0-9a-f]{6}$/)
    assert.deepEqual(await leftoversOf(id), [])
  })
    // Real processes and namespaces: slow on a loaded 2-core machine.
    .timeout(60_000)
    .skip(!!netnsSkipReason, netnsSkipReason)
})
