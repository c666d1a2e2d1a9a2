/**
 * The layout of an external cluster, in one place: which address each node listens on
 * and is reached at, its `quorumlab store` flags (peers are the listen addresses of its
 * `nI-nJ` links), and the cluster config the harness reads in external mode. The
 * compose file is this layout with Docker's names; the external-mode test is the same
 * layout on loopback, so what CI runs is configured exactly as the containers are.
 */
import type { StoreSettings } from '../../store/config.ts'
import { storeArgs } from '../cli/store-options.ts'
import type { ExternalClusterConfig } from './external-cluster.ts'
import { formatAddress, type Address } from '../../common/helpers/address.ts'
import { peerLinkName } from './links.ts'
import { nodeIds } from './local-cluster.ts'

export type LayoutNode = {
  id: string
  /** Where the node process binds. */
  listen: Address
  /** Where the proxy reaches it. */
  address: Address
  dataDir: string
  /** `quorumlab store` arguments (after `store`). */
  args: string[]
}

export type Layout = { nodes: LayoutNode[]; config: ExternalClusterConfig }

export type LayoutOptions = {
  nodes: number
  settings: StoreSettings
  /** `compose`: Docker service names, fixed ports, every node on port 7000 of its own container. `local`: loopback. */
  style: 'compose' | 'local'
  /** Ports: the Toxiproxy API, node nI, client link `c-nI`, peer link `nI-nJ` (1-based indexes). */
  ports?: LayoutPorts
  control: ExternalClusterConfig['control']
  /** Data folder of node nI: `<dataRoot>/nI` (`/data` in containers). */
  dataRoot?: string
}

export type LayoutPorts = {
  api: number
  node: (i: number) => number
  client: (i: number) => number
  peer: (i: number, j: number) => number
}

/** The compose file's ports: API 8474, nodes 7000, `c-nI` 2000I, `nI-nJ` 21IJ (two digits each). */
export const COMPOSE_PORTS: LayoutPorts = {
  api: 8474,
  node: () => 7000,
  client: (i) => 20000 + i,
  peer: (i, j) => 21000 + i * 100 + j,
}

export function clusterLayout({ nodes: count, settings, style, ports = COMPOSE_PORTS, control, dataRoot }: LayoutOptions): Layout {
  const ids = nodeIds(count)
  const compose = style === 'compose'
  const proxyHost = compose ? 'toxiproxy' : '127.0.0.1'
  const bindHost = compose ? '0.0.0.0' : '127.0.0.1'
  const at = (host: string, port: number): Address => ({ host, port })
  const nodes: LayoutNode[] = ids.map((id, i) => {
    const dataDir = compose ? '/data' : `${dataRoot ?? 'data'}/${id}`
    const peers = ids
      .map((peer, j) => ({ peer, j }))
      .filter(({ peer }) => peer !== id)
      .map(({ peer, j }) => ['--peer', `${peer}=${formatAddress(at(proxyHost, ports.peer(i + 1, j + 1)))}`])
    return {
      id,
      listen: at(bindHost, ports.node(i + 1)),
      address: at(compose ? id : '127.0.0.1', ports.node(i + 1)),
      dataDir,
      args: [
        '--id',
        id,
        '--host',
        bindHost,
        '--port',
        String(ports.node(i + 1)),
        '--data-dir',
        dataDir,
        ...peers.flat(),
        ...storeArgs(settings),
      ],
    }
  })
  const config: ExternalClusterConfig = {
    toxiproxy: `http://${proxyHost}:${ports.api}`,
    store: {
      n: settings.n,
      r: settings.r,
      w: settings.w,
      vnodes: settings.vnodes,
      versioning: settings.versioning,
      strict: settings.strict,
      token: settings.token,
    },
    nodes: nodes.map((n) => ({ id: n.id, address: formatAddress(n.address) })),
    links: {
      client: Object.fromEntries(
        ids.map((id, i) => [
          id,
          compose
            ? { listen: formatAddress(at('0.0.0.0', ports.client(i + 1))), connect: formatAddress(at(proxyHost, ports.client(i + 1))) }
            : { listen: formatAddress(at(proxyHost, ports.client(i + 1))) },
        ]),
      ),
      peer: Object.fromEntries(
        ids.flatMap((from, i) =>
          ids
            .map((to, j) => ({ to, j }))
            .filter(({ to }) => to !== from)
            .map(({ to, j }) => [
              peerLinkName(from, to),
              { listen: formatAddress(at(compose ? '0.0.0.0' : proxyHost, ports.peer(i + 1, j + 1))) },
            ]),
        ),
      ),
    },
    control,
  }
  return { nodes, config }
}
