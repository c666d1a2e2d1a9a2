/**
 * An adapter module, as a user writes one for their own store (`--store PATH`; README,
 * "Your own adapter module"): the fixture kvs store (`../fixture/`) in code rather than a
 * JSON description. The module's default export is a `StoreAdapter`: a name, its
 * capabilities, how to start a cluster and how to open a client. It builds the cluster
 * from the harness's store-neutral parts (proxied links, logged child processes, node
 * control) and sorts every answer into ok / fail / info itself.
 *
 *   npm run workload -- --store harness/stores/http/examples/kvs-adapter.ts --kind set --nemesis partition,crash
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HttpEndpoint, HttpFailure } from '../../../../common/helpers/http-endpoint.ts'
import type { Client, Cluster, ClusterRequest, NodeAddress, Op, OpResult, StoreAdapter } from '../../../adapter/index.ts'
import { logTail, spawnLogged } from '../../../cluster/logged-process.ts'
import { nodeControl } from '../../../cluster/node-control.ts'
import type { ProcessControl } from '../../../cluster/process-control.ts'
import { openProxiedLayout } from '../../../cluster/proxied-layout.ts'

const NODE_PROGRAM = fileURLToPath(new URL('../fixture/kvs-node.ts', import.meta.url))

/** The client: one kept-alive HTTP/1.1 connection per node, `PUT /kvs/:key` with `{"value", "causal-metadata"}`. */
class KvsClient implements Client {
  #endpoints: Map<string, HttpEndpoint>
  #timeoutMs: number

  constructor(nodes: readonly NodeAddress[], timeoutMs: number) {
    this.#endpoints = new Map(nodes.map((n) => [n.id, new HttpEndpoint({ host: n.host, port: n.port })]))
    this.#timeoutMs = timeoutMs
  }

  async invoke(op: Op): Promise<OpResult> {
    if (op.f === 'cas') return { type: 'fail', error: 'unsupported_op' }
    const endpoint = this.#endpoints.get(op.node)!
    const path = `/kvs/${encodeURIComponent(op.key)}`
    const metadata = op.f === 'get' || !op.context ? null : JSON.parse(op.context)
    const body =
      op.f === 'put' ? { value: op.value, 'causal-metadata': metadata } : op.f === 'delete' ? { 'causal-metadata': metadata } : undefined
    const method = op.f === 'get' ? 'GET' : op.f === 'put' ? 'PUT' : 'DELETE'
    try {
      const answer = await endpoint.request({ method, path, body: body && JSON.stringify(body), timeoutMs: this.#timeoutMs })
      const json = JSON.parse(answer.body) as { values?: unknown[]; 'causal-metadata'?: unknown }
      // The context goes through the harness as opaque text and comes back in the next write.
      const version = json['causal-metadata'] ? { context: JSON.stringify(json['causal-metadata']) } : undefined
      if (answer.status === 200) return { type: 'ok', ...(op.f === 'get' ? { values: json.values ?? [] } : {}), version }
      if (answer.status === 404 && op.f === 'get') return { type: 'ok', values: [], version }
      // 4xx: refused, it did not happen. 5xx to a write: it may have.
      return { type: answer.status < 500 || op.f === 'get' ? 'fail' : 'info', error: `http_${answer.status}` }
    } catch (error) {
      if (!(error instanceof HttpFailure)) return { type: op.f === 'get' ? 'fail' : 'info', error: 'bad_response' }
      // A read changes nothing; a write whose request may have arrived may have happened.
      return { type: op.f !== 'get' && error.maybeDelivered ? 'info' : 'fail', error: error.kind }
    }
  }

  async close(): Promise<void> {
    for (const endpoint of this.#endpoints.values()) endpoint.close()
  }
}

/** Polls a node's `/health` until it answers 200; gives up when its process exits or after `timeoutMs` ms. */
async function serving(address: NodeAddress, child: () => ProcessControl | undefined, logFile: string, timeoutMs: number) {
  const probe = new HttpEndpoint({ host: address.host, port: address.port })
  const deadline = Date.now() + timeoutMs
  try {
    for (;;) {
      if (!child()?.running) throw new Error(`${address.id} exited:\n${await logTail(logFile)}`)
      const ok = await probe.request({ method: 'GET', path: '/health', timeoutMs: 1000 }).then(
        (answer) => answer.status === 200,
        () => false,
      )
      if (ok) return
      if (Date.now() > deadline) throw new Error(`${address.id} did not serve within ${timeoutMs} ms:\n${await logTail(logFile)}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } finally {
    probe.close()
  }
}

/** Starts every node behind Toxiproxy links (a client link each, a link per ordered pair between them). */
async function startCluster({ nodes, dataDir, network: kind }: ClusterRequest): Promise<Cluster> {
  if (kind !== 'proxy') throw new Error(`this adapter runs its nodes on the proxy network only, not ${kind}`)
  const { layout, network, close } = await openProxiedLayout({ nodes, peerLinks: true })
  const processes = new Map<string, ProcessControl>()
  const members = layout.nodes.map((node) => {
    const logFile = join(dataDir, `${node.id}.log`)
    const argv = [process.execPath, '--import', 'tsx', NODE_PROGRAM, '--id', node.id, '--host', node.listen.host]
    argv.push('--port', String(node.listen.port), '--data-dir', join(dataDir, node.id))
    argv.push('--peers', node.peers.map((p) => `${p.id}=${p.host}:${p.port}`).join(','))
    const address = { id: node.id, ...node.listen }
    const control = {
      serving: (timeoutMs: number) => serving(address, () => processes.get(node.id), logFile, timeoutMs),
      start: async () => {
        processes.set(node.id, await spawnLogged(argv, logFile))
        await control.serving(20_000)
      },
      stop: async () => processes.get(node.id)?.stop(2000),
      kill: async () => processes.get(node.id)?.kill(),
      pause: () => processes.get(node.id)?.pause(),
      resume: () => processes.get(node.id)?.resume(),
    }
    return [node.id, control] as const
  })
  const teardown = async (): Promise<void> => {
    await Promise.all(members.map(([, member]) => member.stop()))
    await close()
  }
  try {
    await Promise.all(members.map(([, member]) => member.start()))
  } catch (error) {
    await teardown()
    throw error
  }
  return {
    nodes: layout.nodes.map(({ id, client }) => ({ id, ...client })),
    control: nodeControl(new Map(members)),
    network,
    description: { summary: 'kvs (the fixture store, through an adapter module)' },
    ready: async (timeoutMs) => {
      await Promise.all(members.map(([, member]) => member.serving(timeoutMs)))
    },
    teardown,
  }
}

const adapter: StoreAdapter = {
  name: 'kvs-module',
  capabilities: {
    cas: false,
    versionMetadata: false,
    // Concurrent writes are kept as siblings: a set workload must lose no acknowledged add.
    promises: ['no-lost-writes'],
    nemeses: { proxy: ['crash', 'pause', 'partition', 'latency'] },
  },
  startCluster,
  openClient: async (cluster, { timeoutMs }) => new KvsClient(cluster.nodes, timeoutMs),
}

export default adapter
