/**
 * Local mode: a Toxiproxy (embedded, or the real one at TOXIPROXY_URL), N store node
 * processes with their data under the run folder, and every link between them created
 * through the proxy before the nodes start, so no byte bypasses it.
 */
import { join } from 'node:path'
import { Toxiproxy } from 'toxiproxy-node-client'
import { toxiproxyEndpoint, type ToxiproxyEndpoint } from '../proxy/index.ts'
import type { Cluster, NodeControl } from './cluster.ts'
import { formatAddress, httpUrl } from '../../common/helpers/address.ts'
import { clientLinkName, createLinks, peerLinkName, removeLinks, type LinkSpec } from './links.ts'
import { nodeIds } from './local-cluster.ts'
import type { StoreSettings } from '../../store/config.ts'
import { NodeProcess } from './node-process.ts'
import { freePorts } from './ports.ts'

export type ProxiedClusterOptions = {
  nodes: number
  settings: StoreSettings
  /** Node nI keeps its data in `<dataDir>/nI` and its log in `<dataDir>/nI.log`. */
  dataDir: string
  host?: string
  extraArgs?: string[]
  /** A Toxiproxy to use; by default TOXIPROXY_URL's, else a new embedded one. */
  endpoint?: ToxiproxyEndpoint
}

export async function startProxiedCluster(options: ProxiedClusterOptions): Promise<Cluster> {
  const host = options.host ?? '127.0.0.1'
  const ids = nodeIds(options.nodes)
  const endpoint = options.endpoint ?? (await toxiproxyEndpoint())
  const toxiproxy = new Toxiproxy(endpoint.url)
  const processes: NodeProcess[] = []
  const created: Awaited<ReturnType<typeof createLinks>> = new Map()

  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.dispose()))
    if (endpoint.kind === 'real') await removeLinks(created.values())
    if (!options.endpoint) await endpoint.close()
  }

  try {
    const pairs = ids.flatMap((from) => ids.filter((to) => to !== from).map((to) => ({ from, to })))
    const ports = await freePorts(2 * ids.length + pairs.length, host)
    const nodePort = new Map(ids.map((id, i) => [id, ports[i]]))
    const clientPort = new Map(ids.map((id, i) => [id, ports[ids.length + i]]))
    const peerPort = new Map(pairs.map(({ from, to }, i) => [peerLinkName(from, to), ports[2 * ids.length + i]]))
    const at = (port: number): string => formatAddress({ host, port })

    const links: LinkSpec[] = [
      ...ids.map((id) => ({ name: clientLinkName(id), listen: at(clientPort.get(id)!), upstream: at(nodePort.get(id)!) })),
      ...pairs.map(({ from, to }) => ({
        name: peerLinkName(from, to),
        listen: at(peerPort.get(peerLinkName(from, to))!),
        upstream: at(nodePort.get(to)!),
      })),
    ]
    for (const [name, proxy] of await createLinks(toxiproxy, links)) created.set(name, proxy)

    for (const id of ids) {
      processes.push(
        new NodeProcess(
          {
            id,
            host,
            port: nodePort.get(id)!,
            dataDir: join(options.dataDir, id),
            peers: ids.filter((p) => p !== id).map((p) => ({ id: p, host, port: peerPort.get(peerLinkName(id, p))! })),
            settings: options.settings,
            extraArgs: options.extraArgs,
          },
          { logFile: join(options.dataDir, `${id}.log`) },
        ),
      )
    }
    await Promise.all(processes.map((p) => p.start()))

    const byId = new Map(processes.map((p) => [p.id, p]))
    const node = (id: string): NodeProcess => {
      const found = byId.get(id)
      if (!found) throw new Error(`no node ${id}`)
      return found
    }
    const control: NodeControl = {
      can: { crash: true, pause: true },
      crash: (id) => node(id).kill(),
      restart: (id) => node(id).start(),
      pause: async (id) => node(id).pause(),
      resume: async (id) => node(id).resume(),
    }
    return {
      nodes: ids.map((id) => ({ id, host, port: clientPort.get(id)! })),
      token: options.settings.token,
      store: {
        n: options.settings.n,
        r: options.settings.r,
        w: options.settings.w,
        vnodes: options.settings.vnodes,
        versioning: options.settings.versioning,
        strict: options.settings.strict,
      },
      toxiproxy,
      proxy: { kind: endpoint.kind, url: endpoint.url },
      clientLinks: new Map(ids.map((id) => [id, created.get(clientLinkName(id))!])),
      peerLinks: new Map(pairs.map(({ from, to }) => [peerLinkName(from, to), { from, to, proxy: created.get(peerLinkName(from, to))! }])),
      control,
      url: (id) => httpUrl({ host, port: clientPort.get(id)! }),
      stop,
    }
  } catch (error) {
    await stop().catch(() => undefined)
    throw error
  }
}
