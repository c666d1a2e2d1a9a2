/**
 * A running store node: opens its storage, builds the ring, the replica, the peer client
 * and the coordinator, and serves the Hono app until closed.
 */
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { createApp } from './app.ts'
import type { NodeConfig } from './config.ts'
import { Coordinator } from './coordinator.ts'
import { PeerClient } from './peers.ts'
import { Replica } from './replica.ts'
import { Ring } from './ring.ts'
import { Storage } from './storage.ts'

export type RunningNode = {
  config: NodeConfig
  /** Base URL the node serves on, e.g. `http://127.0.0.1:7001`. */
  url: string
  close(): Promise<void>
}

export async function startNode(config: NodeConfig): Promise<RunningNode> {
  const storage = Storage.open({ dir: config.dataDir })
  const ring = new Ring({ nodes: [config.id, ...config.peers.map((p) => p.id)], vnodes: config.vnodes })
  const replica = new Replica({ node: config.id, mode: config.versioning, storage })
  const peers = new PeerClient({ peers: config.peers, token: config.token })
  const coordinator = new Coordinator({ config, ring, replica, peers })
  const app = createApp({ config, coordinator, replica })

  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () => resolve(s))
    s.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      })
      peers.close()
      await storage.close()
    })()
    return closing
  }
  return { config, url, close }
}
