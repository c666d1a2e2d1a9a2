/**
 * The reference store deployed outside the harness, in one place: each node's
 * `quorumlab store` flags (peers are the listen addresses of its `nI-nJ` links) and the
 * cluster config the harness reads in external mode, both from the one cluster layout.
 * The compose file is this deployment with Docker's names; the external-mode test is the
 * same deployment on loopback, so what CI runs is configured exactly as the containers are.
 */
import { formatAddress, type Address } from '../../../common/helpers/address.ts'
import type { StoreSettings } from '../../../store/config.ts'
import { clusterLayout } from '../../cluster/layout.ts'
import type { ExternalClusterConfig } from './external-cluster.ts'
import { nodeArgs } from './node-command.ts'

export type DeployedNode = {
  id: string
  /** Where the node process binds. */
  listen: Address
  /** Where the proxy reaches it. */
  address: Address
  dataDir: string
  /** `quorumlab store` arguments (after `store`). */
  args: string[]
}

export type Deployment = { nodes: DeployedNode[]; config: ExternalClusterConfig }

export type DeploymentOptions = {
  nodes: number
  settings: StoreSettings
  /** `compose`: Docker service names, fixed ports, every node on port 7000 of its own container. `local`: loopback. */
  style: 'compose' | 'local'
  /** Ports: the Toxiproxy API, node nI, client link `c-nI`, peer link `nI-nJ` (1-based indexes). */
  ports?: DeploymentPorts
  control: ExternalClusterConfig['control']
  /** Data folder of node nI: `<dataRoot>/nI` (`/data` in containers). */
  dataRoot?: string
}

export type DeploymentPorts = {
  api: number
  node: (i: number) => number
  client: (i: number) => number
  peer: (i: number, j: number) => number
}

/** The compose file's ports: API 8474, nodes 7000, `c-nI` 2000I, `nI-nJ` 21IJ (two digits each). */
export const COMPOSE_PORTS: DeploymentPorts = {
  api: 8474,
  node: () => 7000,
  client: (i) => 20000 + i,
  peer: (i, j) => 21000 + i * 100 + j,
}

export function deployment({ nodes: count, settings, style, ports = COMPOSE_PORTS, control, dataRoot }: DeploymentOptions): Deployment {
  const compose = style === 'compose'
  const proxyHost = compose ? 'toxiproxy' : '127.0.0.1'
  // In compose, nodes and the proxy bind every interface of their own containers.
  const bindHost = compose ? '0.0.0.0' : '127.0.0.1'
  const layout = clusterLayout({
    nodes: count,
    listen: (i) => ({ host: bindHost, port: ports.node(i) }),
    reach: (i) => ({ host: compose ? `n${i}` : '127.0.0.1', port: ports.node(i) }),
    proxy: {
      client: (i) => ({ host: bindHost, port: ports.client(i) }),
      peer: (i, j) => ({ host: bindHost, port: ports.peer(i, j) }),
      host: proxyHost,
    },
  })
  const nodes = layout.nodes.map(({ id, listen, address, peers }): DeployedNode => {
    const dataDir = compose ? '/data' : `${dataRoot ?? 'data'}/${id}`
    return { id, listen, address, dataDir, args: nodeArgs({ id, ...listen, dataDir, peers, settings }) }
  })
  const config: ExternalClusterConfig = {
    toxiproxy: `http://${proxyHost}:${ports.api}`,
    store: {
      n: settings.n,
      r: settings.r,
      w: settings.w,
      vnodes: settings.vnodes,
      versioning: settings.versioning,
      consistency: settings.consistency,
      strict: settings.strict,
      token: settings.token,
    },
    nodes: nodes.map((n) => ({ id: n.id, address: formatAddress(n.address) })),
    links: {
      client: Object.fromEntries(
        layout.nodes.map(({ id, client }, i) => {
          const { listen } = layout.clientLinks[i]
          // Clients outside the proxy's container reach its listener by the proxy's name.
          return [id, compose ? { listen, connect: formatAddress(client) } : { listen }]
        }),
      ),
      peer: Object.fromEntries(layout.peerLinks.map(({ name, listen }) => [name, { listen }])),
    },
    control,
  }
  return { nodes, config }
}
